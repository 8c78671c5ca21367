/**
 * Lesson 10 · one listening socket, several worker processes.
 *
 * The server accepts every connection itself, then hands the connected socket
 * to one of `--workers` forked children, in turn. The kernel copies the file
 * descriptor into the worker (sendmsg() with SCM_RIGHTS); not one byte of the
 * conversation passes through the server. Each worker answers lesson 04's
 * `ping` with `pong from worker <pid>`. This is what Node's `cluster` does.
 */
import net from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { fail, orExit, parseCli, parseInteger } from '../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx demos/10-parent-and-child/server.ts',
  summary:
    'Accepts Unix-socket clients and passes each connection to one of several forked workers, which answer ping.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('10'),
      description: 'the socket file to listen on',
    },
    workers: {
      type: 'string',
      valueName: 'N',
      default: String(Math.max(2, availableParallelism())),
      description:
        'how many worker processes to fork (default: one per core, at least 2)',
    },
  },
});
const workerCount = parseInteger(flags.workers, 'workers', 1, 64);

// #region workers
const workers: ChildProcess[] = [];
let shuttingDown = false;
for (let i = 0; i < workerCount; i++) {
  const worker = fork(new URL('worker.ts', import.meta.url)); // node --import tsx worker.ts, plus a channel
  worker.on('exit', (code, signal) => {
    workers.splice(workers.indexOf(worker), 1);
    if (shuttingDown) return;
    console.log(
      `worker ${worker.pid} exited (${signal ?? `code ${code}`}); ${workers.length} left`,
    );
    if (workers.length === 0) fail('no workers left: stopping');
  });
  workers.push(worker);
}
// Each worker says 'ready' when it can take clients; one that exits first never will.
const ready = (worker: ChildProcess): Promise<unknown> =>
  Promise.race([
    once(worker, 'message'),
    once(worker, 'exit').then(() =>
      fail(`worker ${worker.pid} exited before it was ready`),
    ),
  ]);
await Promise.all(workers.map(ready));
// #endregion workers

const clients = new Set<net.Socket>(); // stays empty: the server keeps no connection
let clientsSoFar = 0;

// #region hand-off
// pauseOnConnect: the server never reads from a connection, so not one byte
// sits in its buffers when the socket moves on; the worker reads everything.
const server = net.createServer({ pauseOnConnect: true }, (socket) => {
  const number = ++clientsSoFar;
  const worker = workers[number % workers.length];
  if (worker === undefined) return void socket.destroy(); // no workers left
  // send() writes a message on the channel with the socket's fd attached
  // (sendmsg + SCM_RIGHTS), then closes our copy: the worker's is the only one.
  worker.send('client', socket, (error) => {
    if (!error) return;
    // #region hand-off-failed
    console.log(
      `could not hand client ${number} to worker ${worker.pid}: ${error.message}`,
    );
    // #endregion hand-off-failed
    socket.destroy();
  });
});
// #endregion hand-off

await orExit(listenOnSocketFile(server, flags.socket));
closeOnSignals(server, clients, {
  // Closing the channels tells each worker to close its clients and exit.
  beforeExit: () => {
    shuttingDown = true;
    for (const worker of workers) if (worker.connected) worker.disconnect();
  },
});
console.log(
  `server ${process.pid} listening on ${flags.socket} with ${workers.length} workers: ${workers.map((worker) => worker.pid).join(', ')}`,
);
server.on('error', (error) => console.error(`server error: ${error.message}`));
