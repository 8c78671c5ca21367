/**
 * Lesson 06 · the one-shot CLI: connect, ask once, print the answer, leave.
 *
 *   client.ts --ping   → pong: count is 3     (every subscriber hears about it too)
 *   client.ts --get    → count is 3
 *
 * Like a `mixcli -set-volume` next to the mixer daemon: it changes or reads the state
 * and exits. Watching the state is a different job, done by watch.ts.
 */
import { fail, parseCli, usageError } from '../common/cli.ts';
import { connectOrExit } from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { LineQueue } from '../04-bidirectional/lines.ts';
import { encode, parseReply, type Request } from './messages.ts';

const flags = parseCli({
  usage: 'npx tsx demos/06-subscriptions/client.ts',
  summary:
    'Pings the rally daemon (the count goes up) or gets the count, prints the reply and exits.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('06'),
      description: "the daemon's socket file",
    },
    ping: {
      type: 'boolean',
      description: 'add one to the count (the default)',
    },
    get: { type: 'boolean', description: 'read the count without changing it' },
  },
});
if (flags.ping && flags.get) usageError('choose one of --ping or --get');
const request: Request = flags.get ? { type: 'get' } : { type: 'ping' };

// #region ask
const socket = await connectOrExit(
  flags.socket,
  'npx tsx demos/06-subscriptions/server.ts',
);
const replies = new LineQueue(socket);
socket.write(encode(request));
const line = await replies.next();
if (line === undefined)
  fail(
    'the daemon closed the connection before replying: is it shutting down?',
  );
const reply = parseReply(line);
if (!reply.ok)
  fail(
    `the daemon sent something this client does not understand (${reply.error}): ${JSON.stringify(line)}`,
  );
const message = reply.message;
if (message.type === 'pong') console.log(`pong: count is ${message.count}`);
else if (message.type === 'count') console.log(`count is ${message.count}`);
else fail(`the daemon answered ${JSON.stringify(line)}`);
socket.end(); // FIN: we are done; the daemon logs our leaving
// #endregion ask
