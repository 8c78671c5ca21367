/**
 * Lesson 02's client: connect, (optionally) hold the line in silence, send a
 * message, leave. Holding is how we make the blocking server stall on purpose.
 * The connecting and holding live in `demos/common/hold.ts`, because lesson 03
 * reuses this client unchanged.
 */
import { parseCli } from '../common/cli.ts';
import { sendOneMessage } from '../common/hold.ts';
import { defaultSocketPath } from '../common/unix-socket.ts';

const flags = parseCli({
  usage: 'npx tsx demos/02-blocking/client.ts',
  summary: 'Connects to the lesson 02 server and sends one message. With --hold it first stays connected and silent.',
  flags: {
    socket: { type: 'string', valueName: 'PATH', default: defaultSocketPath('02'), description: 'socket file to connect to' },
    message: { type: 'string', valueName: 'TEXT', default: 'ping', description: 'what to send' },
    hold: {
      type: 'boolean',
      description: 'stay connected and silent until you press Enter, stdin closes, or Ctrl-C / SIGTERM; then send and leave',
    },
  },
});

sendOneMessage(flags, 'npx tsx demos/02-blocking/server.ts');
