/**
 * Lesson 04 · request and response: a client that writes to the server in every
 * awkward way a byte stream allows, and shows what comes back.
 *
 * Three pings in one write(), one ping spread over seven write()s, a command the
 * server does not know, and a line with no end. A server that frames by newline
 * answers each of them the same way, whatever the bytes looked like on the way.
 */
import type net from 'node:net';
import { fail, parseCli } from '../common/cli.ts';
import { connectOrExit } from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { LineQueue, MAX_LINE_BYTES } from './lines.ts';

const flags = parseCli({
  usage: 'npx tsx demos/04-bidirectional/awkward.ts',
  summary:
    'Sends the lesson 04 server coalesced, split, unknown and oversized requests, and prints its replies.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('04'),
      description: 'the socket file to connect to',
    },
  },
});

interface Connection {
  socket: net.Socket;
  replies: LineQueue;
}

async function connect(): Promise<Connection> {
  const socket = await connectOrExit(
    flags.socket,
    'npx tsx demos/04-bidirectional/server.ts',
  );
  socket.on('error', () => {}); // a reset shows up below as "the server closed this connection"
  return { socket, replies: new LineQueue(socket) };
}

/** A string as it travels, with its \n visible. */
const show = (text: string): string => JSON.stringify(text);

/** One write() system call per call: resolves once the bytes have left for the kernel. */
function writeOnce(socket: net.Socket, data: string): Promise<void> {
  return new Promise((done) => socket.write(data, () => done()));
}

/** Prints the next `expected.length` replies, and stops with a clear message if one is wrong. */
async function expectReplies(
  { replies }: Connection,
  expected: Array<string | undefined>,
): Promise<void> {
  for (const wanted of expected) {
    const reply = await replies.next();
    console.log(`  ← ${reply ?? '(the server closed this connection)'}`);
    if (reply !== wanted) {
      fail(
        `expected ${wanted === undefined ? 'the server to close the connection' : show(wanted)}, got ${reply === undefined ? 'the connection closed' : show(reply)}`,
      );
    }
  }
}

const first = await connect();

console.log(`three pings in one write(): ${show('ping 1\nping 2\nping 3\n')}`);
await writeOnce(first.socket, 'ping 1\nping 2\nping 3\n');
await expectReplies(first, ['pong 1', 'pong 2', 'pong 3']);

const slowPing = 'ping 4\n';
console.log(
  `one ping, one byte per write(): ${[...slowPing].map(show).join(' ')}`,
);
for (const byte of slowPing) await writeOnce(first.socket, byte);
await expectReplies(first, ['pong 4']);

console.log(`a command the server does not know: ${show('hello\n')}`);
await writeOnce(first.socket, 'hello\n');
await expectReplies(first, ['error unknown command "hello": try ping']);

const endless = MAX_LINE_BYTES + 4464; // 70000 bytes, and not one newline
console.log(`${endless} bytes with no newline, on the same connection`);
first.socket.write('x'.repeat(endless));
await expectReplies(first, [
  `error line longer than ${MAX_LINE_BYTES} bytes`,
  undefined,
]);

console.log(`a new connection, after all that: ${show('ping 5\n')}`);
const second = await connect();
await writeOnce(second.socket, 'ping 5\n');
await expectReplies(second, ['pong 5']);
second.socket.end();
