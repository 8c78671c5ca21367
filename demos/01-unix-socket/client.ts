/**
 * Lesson 01 · hello, socket: the client.
 *
 * Connects to the server's socket file, sends one line (`ping` unless you say
 * otherwise), and exits: a command-line tool telling a daemon something.
 * If nobody is there it says so in one line, and names the server to start.
 *
 *   npx tsx demos/01-unix-socket/client.ts --message hello
 */
import net from 'node:net';
import { fail, parseCli } from '../common/cli.ts';
import { checkSocketPath, explainConnectError } from './socket-file.ts';
import { defaultSocketPath } from './runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx demos/01-unix-socket/client.ts',
  summary: 'Connects to the lesson 01 server, sends one message, and exits.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('01'),
      description: "the server's socket file",
    },
    message: {
      type: 'string',
      valueName: 'TEXT',
      default: 'ping',
      description: 'what to send',
    },
  },
});
const socketPath = flags.socket;
const serverCommand =
  'npx tsx demos/01-unix-socket/server.ts' +
  (socketPath === defaultSocketPath('01') ? '' : ` --socket ${socketPath}`);

// connect() copies the path into the same fixed-size sun_path as bind() does, and
// Node 20 truncates it silently there too: we could end up talking to another socket.
try {
  checkSocketPath(socketPath);
} catch (error) {
  fail(`client: ${error instanceof Error ? error.message : String(error)}`);
}

// #region connect
// net.connect(path) is socket(AF_UNIX, SOCK_STREAM) + connect(): no bind, no listen.
// On a Unix socket it succeeds or fails at once: there is no network to wait for.
const socket = net.connect(socketPath);
socket.on('connect', () => {
  // end() is write() then shutdown(SHUT_WR): "here is my message, and that is all".
  // The newline makes it a line, which socat, nc and lesson 04 all expect.
  socket.end(`${flags.message}\n`, () =>
    console.log(`sent "${flags.message}" to ${socketPath}`),
  );
});
socket.on('error', (error: NodeJS.ErrnoException) => {
  fail(`client: ${explainConnectError(error, socketPath, serverCommand)}`);
});
// #endregion connect
