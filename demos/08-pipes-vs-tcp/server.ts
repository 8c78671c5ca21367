/**
 * Lesson 08 · one ping-pong server, three transports: a Unix socket, TCP on
 * 127.0.0.1, or a pair of named pipes (FIFOs). The protocol is lesson 04's:
 *
 *   ping           → pong
 *   ping <text>    → pong <text>
 *   anything else  → error unknown command "...": try ping
 *   a line longer than 64 KiB → error line longer than 65536 bytes, then goodbye
 *
 * Only the plumbing changes, so `npm run bench` can compare the transports alone.
 */
import net from 'node:net';
import { resolve } from 'node:path';
import { orExit, parseCli, parseInteger, usageError } from '../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { LineTooLongError, MAX_LINE_BYTES } from '../04-bidirectional/lines.ts';
import { answer } from '../04-bidirectional/ping-protocol.ts';
import { TextLineSplitter } from './text-lines.ts';
import { DEFAULT_FIFO_DIR } from './fifos.ts';
import { serveFifos } from './fifo-server.ts';

const flags = parseCli({
  usage: 'npx tsx demos/08-pipes-vs-tcp/server.ts',
  summary:
    'Answers "ping" with "pong" over a Unix socket, TCP on 127.0.0.1, or two named pipes.',
  flags: {
    transport: {
      type: 'string',
      valueName: 'fifo|unix|tcp',
      default: 'unix',
      description: 'how clients reach the server',
    },
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('08'),
      description: 'the socket file (unix)',
    },
    port: {
      type: 'string',
      valueName: 'N',
      default: '0',
      description: 'the TCP port; 0 lets the kernel pick a free one (tcp)',
    },
    'fifo-dir': {
      type: 'string',
      valueName: 'DIR',
      default: DEFAULT_FIFO_DIR,
      description: 'the folder to make (or reuse) for the FIFOs (fifo)',
    },
  },
});

const transport = flags.transport;
if (transport !== 'fifo' && transport !== 'unix' && transport !== 'tcp') {
  usageError(`--transport must be fifo, unix or tcp, got "${transport}"`);
}
const port = parseInteger(flags.port, 'port', 0, 65535);

// #region serve
/**
 * Answers the lines from `input` on `output` (one socket for unix and tcp, two
 * FIFOs for fifo): all the replies to one read() in one write(). The splitter
 * decodes each read once (text-lines.ts). Returns the handler, for a chunk in hand.
 */
function serve(
  input: net.Socket,
  output: net.Socket,
  name: string,
): (chunk: Buffer) => void {
  const splitter = new TextLineSplitter(MAX_LINE_BYTES);
  const onData = (chunk: Buffer): void => {
    let requests: string[];
    let tooLong: LineTooLongError | undefined;
    try {
      requests = splitter.push(chunk);
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      [requests, tooLong] = [error.linesBefore, error]; // answer the lines before it
    }
    let replies = '';
    for (const request of requests) {
      const reply = answer(request);
      if (reply !== undefined) replies += `${reply}\n`;
    }
    if (tooLong) {
      console.log(`${name}: ${tooLong.message}, closing`);
      input.off('data', onData);
      output.end(`${replies}error ${tooLong.message}\n`, () => input.destroy());
    } else if (replies !== '' && !output.write(replies)) {
      input.pause(); // backpressure, as in lesson 04: no reading while replies wait
      output.once('drain', () => input.resume());
    }
  };
  input.on('data', onData);
  output.on('error', (error) => console.log(`${name}: ${error.message}`));
  input.on('error', (error) => console.log(`${name}: ${error.message}`));
  return onData;
}
// #endregion serve

// #region sockets
/** unix and tcp: a listening socket; every accept() is a new, private conversation. */
async function listenOnSocket(transport: 'unix' | 'tcp'): Promise<string> {
  const clients = new Set<net.Socket>();
  let clientsSoFar = 0;
  const server = net.createServer((socket) => {
    const name = `client ${++clientsSoFar}`;
    // TCP_NODELAY: send small writes at once instead of waiting (Nagle's algorithm)
    // for the previous segment's ACK, which a delayed-ACK peer holds back ~40 ms.
    if (transport === 'tcp') socket.setNoDelay(true);
    clients.add(socket);
    console.log(`${name} connected`);
    serve(socket, socket, name);
    socket.on('close', () => {
      clients.delete(socket);
      console.log(`${name} disconnected`);
    });
  });
  closeOnSignals(server, clients);
  if (transport === 'unix') {
    await listenOnSocketFile(server, flags.socket);
    return flags.socket;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, resolve); // loopback only: not reachable from other machines
  });
  return `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}
// #endregion sockets

const address = await orExit(
  transport === 'fifo'
    ? Promise.resolve().then(() =>
        serveFifos(resolve(flags['fifo-dir']), serve),
      )
    : listenOnSocket(transport),
);
console.log(`ping-pong server (${transport}) listening on ${address}`);
