/**
 * Lesson 11 · exercise 1: write a pong worker.
 *
 * Copy this file to my-pong.ts at the top of the repository (there it finds
 * @nats-io/transport-node in node_modules) and fill in the TODOs. When ping.ts
 * gets its pongs from your worker, and two of your workers share the pings, you
 * are done. Hints, one at a time: demos/11-beyond-one-machine/exercise/hints.md.
 *
 *   nats-server -a 127.0.0.1                        (one terminal)
 *   npx tsx my-pong.ts --name mine                  (another)
 *   npx tsx demos/11-beyond-one-machine/ping.ts --count 5
 */
import { connect } from '@nats-io/transport-node';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'nats://127.0.0.1:4222' },
    name: { type: 'string', default: `pong-${process.pid}` },
  },
});

const connection = await connect({ servers: values.server });

// TODO 1: subscribe to the subject "ping" in the queue group "pong-workers",
//         so that several workers share the requests instead of all answering.
// TODO 2: for each message, answer lesson 04's protocol: "ping" → "pong",
//         "ping <text>" → "pong <text>", anything else → an "error ..." line.
//         A message with no reply subject has nobody to answer: log it, move on.
// TODO 3: put your worker's name in a "Pong-Worker" header of the answer,
//         so ping.ts can say who answered.

// TODO 4: once the subscription has reached the server (flush), print a line
//         with "listening on ping".
console.log(`TODO: pong worker ${values.name} is not listening yet`);

// TODO 5: on SIGINT and SIGTERM, drain the connection and exit 0.
void connection;
