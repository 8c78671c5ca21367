/**
 * Lesson 10's first exercise, "hand each connection to a worker": what
 * `npm run verify -- 10` checks, promise by promise, worded exactly as the
 * lesson's "Your server must…" list.
 */
import { readFileSync } from 'node:fs';
import {
  cleanExitOnSigterm,
  saysWhereItListens,
  type Contract,
  type Kit,
} from '../../../test/tools/verify-kit.ts';

const PONG = /^pong from worker (\d+)$/;

/** The parent pid of `pid`, from /proc (Linux), or undefined if it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1]);
  } catch {
    return undefined;
  }
}

/** The worker pid in a pong, or a failure saying what came instead. */
function workerPid(kit: Kit, line: string): number {
  const pid = PONG.exec(line)?.[1];
  if (pid === undefined)
    kit.fail({
      sent: 'ping\n',
      expected: 'pong from worker <pid>',
      got: kit.quote(line),
    });
  return Number(pid);
}

export default {
  // #region contract
  promises: [
    'take `--socket PATH` and print a line containing `listening on PATH` once it accepts connections',
    "answer each client's `ping` with `pong from worker <pid>`, where `<pid>` is a worker process, never the server itself",
    'spread 100 simultaneous clients over at least two workers',
    'answer `hello` with `error unknown command "hello": try ping` and keep the connection open',
    'answer a line longer than 65536 bytes with `error line longer than 65536 bytes` and close that connection',
    'on SIGTERM, close its connections, remove its socket file and exit with code 0',
  ],
  // #endregion contract
  checks: [
    saysWhereItListens(1),
    {
      promise: 2,
      name: 'a worker, not the server, answers',
      async run(kit) {
        const server = await kit.start();
        const conn = await kit.connect();
        conn.send('ping\n');
        const pid = workerPid(kit, await conn.expectLine(PONG, 'ping\n'));
        const serverPid = server.proc.child.pid;
        if (pid === serverPid)
          kit.fail({
            sent: 'ping\n',
            expected: 'a pid of a worker',
            got: `the server's own pid, ${pid}`,
          });
        if (process.platform === 'linux' && parentOf(pid) !== serverPid)
          kit.fail({
            sent: 'ping\n',
            expected: `process ${pid} to be a child of the server (${serverPid})`,
            got: `its parent is ${parentOf(pid) ?? 'unknown: no such process'}`,
          });
      },
    },
    {
      promise: 3,
      name: '100 clients, two workers or more',
      async run(kit) {
        await kit.start();
        const conns = await Promise.all(
          Array.from({ length: 100 }, () => kit.connect()),
        );
        for (const conn of conns) conn.send('ping\n');
        const pids = new Set<number>();
        for (const conn of conns)
          pids.add(workerPid(kit, await conn.expectLine(PONG, 'ping\n')));
        if (pids.size < 2)
          kit.fail({
            sent: { data: 'ping\n', how: 'on 100 connections at once' },
            expected: 'pongs from at least two different workers',
            got: `every pong came from worker ${[...pids].join(', ')}`,
          });
      },
    },
    {
      promise: 4,
      name: 'an error for nonsense, and the connection stays',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        conn.send('hello\n');
        await conn.expectLine(
          'error unknown command "hello": try ping',
          'hello\n',
        );
        conn.send('ping\n');
        await conn.expectLine(PONG, {
          data: 'ping\n',
          how: 'after that error',
        });
      },
    },
    {
      promise: 5,
      name: 'an oversized line closes its connection',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        const tooLong = 'y'.repeat(65537);
        conn.send(tooLong);
        await conn.expectLine('error line longer than 65536 bytes', {
          data: tooLong,
          how: '(no newline)',
        });
        await conn.expectClosed({
          data: tooLong,
          how: '(longer than the limit)',
        });
      },
    },
    // The connection is in a worker by now: SIGTERM must reach it there too.
    cleanExitOnSigterm(6, async (conn) => {
      conn.send('ping\n');
      await conn.expectLine(PONG, 'ping\n');
    }),
  ],
} satisfies Contract;
