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
  usage: 'npx tsx demos/11-beyond-one-machine/pong.ts',
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
  },
});
const workMs = parseInteger(flags['work-ms'], 'work-ms', 0, 60_000);
const name = flags.name;

const connection = await connectOrExit(flags.server, `pong worker ${name}`);
void logConnectionChanges(connection);
let answered = 0;

// #region serve
// queue: every worker subscribes with the same group name, and the server hands
// each message to ONE member of the group, chosen at random, instead of to all.
connection.subscribe(PING_SUBJECT, {
  queue: PONG_WORKERS,
  callback: (error, message) => {
    if (error) return console.log(`subscription ended: ${error.message}`);
    if (!message.reply)
      return console.log(
        'a ping published without a reply subject: nobody to answer',
      );
    const reply = headers();
    reply.set('Pong-Worker', name); // like an HTTP header: who answered, outside the payload
    if (message.data.length > MAX_PING_BYTES) {
      message.respond(
        `error a ping is at most ${MAX_PING_BYTES} bytes, got ${message.data.length}`,
        { headers: reply },
      );
      return;
    }
    const request = message.string();
    const pong = answer(request) ?? 'error empty request: try ping';
    if (workMs > 0)
      console.log(`${name} working on ${JSON.stringify(request)}`);
    setTimeout(() => {
      answered += 1;
      message.respond(pong, { headers: reply }); // a publish to the reply subject (an inbox only the asker reads)
      console.log(
        `${name}: ${JSON.stringify(request)} → ${JSON.stringify(pong)}`,
      );
    }, workMs);
  },
});
// #endregion serve

// flush() is a PING/PONG round trip with the server: once it returns, our SUB
// has been processed, so a request sent from now on finds us.
await connection.flush();
console.log(
  `pong worker ${name} listening on ${PING_SUBJECT} (queue group ${PONG_WORKERS}) via ${connection.getServer()}`,
);
drainOnSignals(
  connection,
  (signal) => `${signal}: ${name} leaves the group after ${answered} answers`,
);
