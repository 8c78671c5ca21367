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
import { mkdirSync, rmdirSync } from 'node:fs';
import { fail, parseCli, parseInteger, usageError } from '../common/cli.ts';
import { listenOnSocketFile } from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { LineTooLongError, MAX_LINE_BYTES } from '../04-bidirectional/lines.ts';
import { answer } from '../04-bidirectional/ping-protocol.ts';
import { TextLineSplitter } from './text-lines.ts';
import {
  DEFAULT_FIFO_DIR,
  createFifos,
  fifoPaths,
  openFifo,
  removeFifos,
} from './fifos.ts';

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
      description: 'where to make the FIFOs (fifo)',
    },
  },
});

const transport = flags.transport;
if (transport !== 'fifo' && transport !== 'unix' && transport !== 'tcp') {
  usageError(`--transport must be fifo, unix or tcp, got "${transport}"`);
}

// #region serve
/**
 * Reads requests from `input` and writes replies to `output`: the same socket for
 * unix and tcp, two FIFOs for fifo. Everything one read() brought in is answered
 * with one write(): a client that sends 64 pings at once gets 64 pongs in one go,
 * one system call each way instead of 64. The splitter decodes each read once
 * (text-lines.ts), not each line: together they double pipelined throughput.
 */
function serve(input: net.Socket, output: net.Socket, name: string): void {
  const splitter = new TextLineSplitter(MAX_LINE_BYTES);
  input.on('data', (chunk: Buffer) => {
    let replies = '';
    try {
      for (const request of splitter.push(chunk)) {
        const reply = answer(request);
        if (reply !== undefined) replies += `${reply}\n`;
      }
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      console.log(`${name}: ${error.message}, closing`);
      output.end(`${replies}error ${error.message}\n`, () => input.destroy());
      input.pause();
      return;
    }
    // Backpressure, as in lesson 04: stop reading while the replies cannot go out.
    if (replies !== '' && !output.write(replies)) {
      input.pause();
      output.once('drain', () => input.resume());
    }
  });
  output.on('error', (error) => console.log(`${name}: ${error.message}`));
  input.on('error', (error) => console.log(`${name}: ${error.message}`));
}
// #endregion serve

const clients = new Set<net.Socket>();
let stop: () => void = () => process.exit(0);
let clientNumber = 0;

// #region sockets
/** unix and tcp: a listening socket; every accept() is a new, private conversation. */
function acceptClients(socket: net.Socket, noDelay: boolean): void {
  const name = `client ${++clientNumber}`;
  // TCP_NODELAY: send small writes at once instead of waiting (Nagle's algorithm)
  // for the previous segment's ACK, which a delayed-ACK peer holds back ~40 ms.
  if (noDelay) socket.setNoDelay(true);
  clients.add(socket);
  console.log(`${name} connected`);
  serve(socket, socket, name);
  socket.on('close', () => {
    clients.delete(socket);
    console.log(`${name} disconnected`);
  });
}

async function listenOnSocket(transport: 'unix' | 'tcp'): Promise<string> {
  const server = net.createServer((socket) =>
    acceptClients(socket, transport === 'tcp'),
  );
  stop = () => {
    for (const client of clients) client.destroy();
    server.close(() => process.exit(0)); // for unix, libuv also unlinks the socket file
  };
  if (transport === 'unix') {
    await listenOnSocketFile(server, flags.socket);
    return flags.socket;
  }
  const port = parseInteger(flags.port, 'port', 0, 65535);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, resolve); // loopback only: not reachable from other machines
  });
  return `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}
// #endregion sockets

// #region fifos
/**
 * fifo: no listen(), no accept(). Whoever opens to-server can write to it, and
 * the bytes of two writers mix in one stream, so we serve one client at a time
 * and learn that it left only when the last writer closes to-server (EOF). Then
 * we make a fresh pair of FIFOs for the next client.
 */
function serveFifos(dir: string): string {
  const createdDir =
    mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined;
  const { toServer, toClient } = fifoPaths(dir);
  let conversation: { input: net.Socket; output: net.Socket } | undefined;
  const startConversation = (): void => {
    createFifos(dir);
    // read-write: holding a read end ourselves, the open cannot block or fail with
    // ENXIO, and a client that leaves early never makes our write() fail with EPIPE.
    const output = openFifo(toClient, 'read-write');
    const input = openFifo(toServer, 'read');
    const name = `client ${++clientNumber}`;
    conversation = { input, output };
    input.once('data', () =>
      console.log(`${name} started writing to ${toServer}`),
    );
    serve(input, output, name);
    input.on('close', () => {
      output.destroy();
      if (conversation?.input !== input) return; // we are shutting down
      startConversation();
      console.log(
        `${name} closed ${toServer}: made fresh FIFOs for the next client`,
      );
    });
  };
  startConversation();
  stop = () => {
    const ending = conversation;
    conversation = undefined;
    ending?.input.destroy();
    removeFifos(dir);
    if (createdDir) rmdirSync(dir);
    process.exit(0);
  };
  return `${dir} (FIFOs to-server and to-client)`;
}
// #endregion fifos

let address: string;
try {
  address =
    transport === 'fifo'
      ? serveFifos(flags['fifo-dir'])
      : await listenOnSocket(transport);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
console.log(`ping-pong server (${transport}) listening on ${address}`);

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.log(
      `${signal}: closing clients and removing what the server created`,
    );
    stop();
  });
}
