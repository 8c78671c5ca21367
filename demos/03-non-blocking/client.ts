/**
 * Lesson 03's client is lesson 02's client, unchanged: connect, (optionally) hold
 * the line in silence, send a message, leave. Only the server changes; holding now
 * shows that the polling server does not wait for a silent client.
 */
import { parseCli } from '../common/cli.ts';
import { oneMessageFlags, sendOneMessage } from '../02-blocking/hold.ts';

const flags = parseCli({
  usage: 'npx tsx demos/03-non-blocking/client.ts',
  summary:
    'Connects to the lesson 03 server and sends one message. With --hold it first stays connected and silent.',
  flags: oneMessageFlags('03'),
});

await sendOneMessage(flags, 'npx tsx demos/03-non-blocking/server.ts');
