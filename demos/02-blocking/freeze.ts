/**
 * Lesson 02, part two: a truly synchronous call freezes the whole process.
 *
 * This server is written the Node way (events, not a loop of awaits): it ticks on
 * a timer and greets every client at once. But when a client sends `freeze`, the
 * handler makes one synchronous call. While that call runs, the one JavaScript
 * thread is inside it: no tick, no connection, no message, not even Ctrl-C is
 * handled. Everything that happened meanwhile is handled after it returns.
 */
import net from 'node:net';
import { execSync } from 'node:child_process';
import { readSync } from 'node:fs';
import {
  errorMessage,
  orExit,
  parseCli,
  parseInteger,
  usageError,
} from '../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { quote } from '../01-unix-socket/quote.ts';
import { leaveTsxLauncher } from './without-launcher.ts';

const flags = parseCli({
  usage: 'npx tsx demos/02-blocking/freeze.ts',
  summary:
    'An event-driven server that ticks, until a client sends "freeze" and a synchronous call stops everything.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('02'),
      description: 'socket file to listen on',
    },
    with: {
      type: 'string',
      valueName: 'CALL',
      default: 'sleep',
      description:
        'the synchronous call: sleep (execSync), read (fs.readSync of stdin) or cpu (a busy loop)',
    },
    seconds: {
      type: 'string',
      valueName: 'N',
      default: '2',
      description: 'how long sleep and cpu freeze for',
    },
    tick: {
      type: 'string',
      valueName: 'MS',
      default: '500',
      description: 'milliseconds between ticks',
    },
  },
});
// npx tsx would SIGKILL us if Ctrl-C came mid-freeze: see without-launcher.ts.
await leaveTsxLauncher();
const seconds = parseInteger(flags.seconds, 'seconds', 1, 60);
const tickMs = parseInteger(flags.tick, 'tick', 10, 60_000);
if (!['sleep', 'read', 'cpu'].includes(flags.with))
  usageError(`--with must be sleep, read or cpu, got "${flags.with}"`);

// #region freeze
/** The synchronous call. Each one keeps the only JavaScript thread busy until it returns. */
function freeze(): string {
  // #region sleep-branch
  if (flags.with === 'sleep') {
    // Spawns `sleep` and waits for it on a private libuv loop: the thread sleeps in
    // the kernel (epoll_pwait on the child's pipes) until the child exits.
    try {
      execSync(`sleep ${seconds}`);
    } catch (error) {
      // Ctrl-C reaches the whole terminal's process group, `sleep` included: it
      // dies, and execSync throws. Our own SIGINT handler runs once we return.
      return `execSync('sleep ${seconds}') cut short: ${errorMessage(error).split('\n')[0]}`;
    }
    return `execSync('sleep ${seconds}')`;
  }
  // #endregion sleep-branch
  if (flags.with === 'read') {
    // A plain blocking read(2) on stdin, just like a blocking recv() on a socket.
    const line = Buffer.alloc(1024);
    let bytes: number;
    try {
      bytes = readSync(0, line);
    } catch (error) {
      return `fs.readSync(stdin) failed: ${errorMessage(error)}`; // say, stdin is not readable
    }
    // #region read-result
    return `fs.readSync(stdin) got ${quote(line.subarray(0, bytes).toString().trim())}`;
    // #endregion read-result
  }
  // No system call at all: the CPU is busy in our own code, and that freezes too.
  const until = Date.now() + seconds * 1000;
  let spins = 0;
  while (Date.now() < until) spins += 1;
  return `a busy loop of ${spins} spins`;
}
// #endregion freeze

const server = net.createServer();
const clients = new Set<net.Socket>();
let clientsSoFar = 0;
let ticks = 0;
let lastTick = Date.now();

// #region events
setInterval(() => {
  ticks += 1;
  const now = Date.now();
  console.log(`tick ${ticks} (${now - lastTick} ms after the last one)`);
  lastTick = now;
}, tickMs);

server.on('connection', (client) => {
  const id = ++clientsSoFar;
  clients.add(client);
  console.log(`client ${id} connected`);
  client.on('data', (chunk: Buffer) => {
    const text = chunk.subarray(0, 200).toString('utf8').trim();
    console.log(`client ${id} says: ${quote(text)}`);
    if (text !== 'freeze') return;
    console.log(
      `freezing: the handler makes a synchronous call (--with ${flags.with})`,
    );
    if (flags.with === 'read')
      console.log('type a line in this terminal to let it return');
    const started = Date.now();
    const what = freeze();
    console.log(
      `thawed after ${Date.now() - started} ms: ${what}; now catching up`,
    );
  });
  client.on('error', () => {}); // a reset ends this client; 'close' below tidies up
  client.on('close', () => {
    clients.delete(client);
    console.log(`client ${id} left`);
  });
});
// #endregion events

await orExit(listenOnSocketFile(server, flags.socket));
closeOnSignals(server, clients);
console.log(
  `freeze server listening on ${flags.socket} (send "freeze" to make it call --with ${flags.with})`,
);
