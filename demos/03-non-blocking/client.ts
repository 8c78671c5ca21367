/**
 * Lesson 03's client is lesson 02's client, unchanged: connect, (optionally) hold
 * the line in silence, send a message, leave. Only the server changes; holding now
 * shows that the polling server does not wait for a silent client.
 */
import { parseCli } from '../common/cli.ts';
import { sendOneMessage } from '../common/hold.ts';
import { defaultSocketPath } from '../common/unix-socket.ts';

const flags = parseCli({
  usage: 'npx tsx demos/03-non-blocking/client.ts',
  summary: 'Connects to the lesson 03 server and sends one message. With --hold it first stays connected and silent.',
  flags: {
    socket: { type: 'string', valueName: 'PATH', default: defaultSocketPath('03'), description: 'socket file to connect to' },
    message: { type: 'string', valueName: 'TEXT', default: 'ping', description: 'what to send' },
    hold: {
      type: 'boolean',
      description: 'stay connected and silent until you press Enter, stdin closes, or Ctrl-C / SIGTERM; then send and leave',
    },
  },
});

sendOneMessage(flags, 'npx tsx demos/03-non-blocking/server.ts');
