/**
 * Lesson 11 · the pong worker: lesson 04's ping protocol, answered on a NATS subject.
 *
 * There is no socket to listen on and no client to accept. The worker connects to
 * a NATS server and subscribes to the subject `ping`; the server routes every
 * request published there to a subscriber, with the subject the answer must go to.
 * Start three and they form one queue group: each request goes to one of them,
 * and when one dies the server stops sending it work.
 */
import { headers } from '@nats-io/transport-node';
import { parseCli, parseInteger } from '../common/cli.ts';
import { answer } from '../04-bidirectional/ping-protocol.ts';
import { PING_SUBJECT, PONG_WORKERS } from './subjects.ts';
import {
  connectOrExit,
  drainOnSignals,
  logConnectionChanges,
  serverFlag,
} from './nats-connection.ts';

/** A ping is a short line; anything longer is refused with an error, not processed. */
export const MAX_PING_BYTES = 1024;

const flags = parseCli({
  usage: 'npx tsx demos/11-beyond-one-machine/server.ts',
  summary:
    'Answers "ping" requests on the NATS subject ping, as one worker of the queue group pong-workers.',
  flags: {
    server: serverFlag,
    name: {
      type: 'string',
      valueName: 'NAME',
      default: `pong-${process.pid}`,
      description: "this worker's name, sent with every answer",
    },
    'work-ms': {
      type: 'string',
      valueName: 'MS',
      default: '0',
      description: 'pretend each ping takes this long to answer',
    },
    quiet: {
      type: 'boolean',
      description: 'do not log each answer (for benchmarks)',
    },
  },
});
const workMs = parseInteger(flags['work-ms'], 'work-ms', 0, 60_000);
const name = flags.name;

const connection = await connectOrExit(flags.server, `pong worker ${name}`);
void logConnectionChanges(connection);
let answered = 0;
// Like an HTTP header: who answered, sent with every answer, outside the payload.
const signature = headers();
signature.set('Pong-Worker', name);

// #region serve
// queue: every worker subscribes with the same group name, and the server hands
// each message to ONE member of the group, chosen at random, instead of to all.
connection.subscribe(PING_SUBJECT, {
  queue: PONG_WORKERS,
  callback: (error, message) => {
    if (error) return console.log(`subscription ended: ${error.message}`);
    if (!message.reply) return console.log('a ping without a reply subject');
    const size = message.data.length;
    const request = JSON.stringify(message.string().slice(0, 40)); // for the log
    // #region pong-text
    const pong =
      size > MAX_PING_BYTES
        ? `error a ping is at most ${MAX_PING_BYTES} bytes, got ${size}`
        : (answer(message.string()) ?? 'error empty request: try ping');
    // #endregion pong-text
    const reply = (): void => {
      answered += 1;
      message.respond(pong, { headers: signature }); // a publish to the reply subject
      if (!flags.quiet)
        console.log(`${name}: ${request} → ${JSON.stringify(pong)}`);
    };
    // #region slow-work
    if (workMs === 0) return reply(); // not setTimeout(…, 0): that waits 1 ms at least
    console.log(`${name} working on ${request}`);
    setTimeout(reply, workMs);
    // #endregion slow-work
  },
});
// #endregion serve

// flush() is a PING/PONG round trip with the server: once it returns, our SUB
// has been processed, so a request sent from now on finds us.
await connection.flush();
// Signals first: a SIGTERM right after the ready line must still drain and exit 0.
drainOnSignals(
  connection,
  (signal) => `${signal}: ${name} leaves the group after ${answered} answers`,
);
console.log(
  `pong worker ${name} (pid ${process.pid}) listening on ${PING_SUBJECT} (queue group ${PONG_WORKERS}) via ${connection.getServer()}`,
);
