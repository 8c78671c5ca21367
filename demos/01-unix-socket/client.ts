/**
 * Lesson 01 · hello, socket: the client.
 *
 * Connects to the server's socket file, sends one line (`ping` unless you say
 * otherwise), and exits: a command-line tool telling a daemon something.
 * If nobody is there it says so in one line, and names the server to start.
 *
 *   npx tsx demos/01-unix-socket/client.ts --message hello
 */
import { errorMessage, fail, parseCli } from '../common/cli.ts';
import { connectOrExit } from './socket-file.ts';
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

// #region connect
// connectOrExit (socket-file.ts) checks the path's length and that the socket is
// ours, then does socket(AF_UNIX, SOCK_STREAM) + connect(): no bind, no listen.
// Any failure is one line saying what to do, and exit code 1.
const socket = await connectOrExit(socketPath, serverCommand);
socket.on('error', (error) => fail(`client: ${errorMessage(error)}`));
// end() is write() then shutdown(SHUT_WR): "here is my message, and that is all".
// The newline makes it a line, which socat, nc and lesson 04 all expect.
socket.end(`${flags.message}\n`, () =>
  console.log(`sent ${JSON.stringify(flags.message)} to ${socketPath}`),
);
// #endregion connect
