/**
 * Lesson 02's client: connect, (optionally) hold the line in silence, send a
 * message, leave. Holding is how we make the blocking server stall on purpose.
 * The connecting and holding live in `demos/02-blocking/hold.ts`, because lesson 03
 * reuses this client unchanged.
 */
import { parseCli } from '../common/cli.ts';
import { oneMessageFlags, sendOneMessage } from './hold.ts';

const flags = parseCli({
  usage: 'npx tsx demos/02-blocking/client.ts',
  summary:
    'Connects to the lesson 02 server and sends one message. With --hold it first stays connected and silent.',
  flags: oneMessageFlags('02'),
});

await sendOneMessage(flags, 'npx tsx demos/02-blocking/server.ts');
