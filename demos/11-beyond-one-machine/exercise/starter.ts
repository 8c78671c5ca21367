/**
 * Lesson 11, exercise 1: write the pong worker.
 *
 * This file runs, connects and says it is listening, but subscribes to nothing yet.
 * Fill in the TODOs until `npm run verify -- 11` passes; `npm run hint -- 11` gives
 * one hint at a time. The lesson's own worker (demos/11-beyond-one-machine/server.ts)
 * is the reference answer: peek once yours passes, or when the hints run out.
 *
 * Try it by hand, with `nats-server -a 127.0.0.1` running: start two of yours,
 *   npx tsx workspace/11-beyond-one-machine/server.ts --name a   (and --name b)
 * then: npx tsx demos/11-beyond-one-machine/client.ts --count 20
 */
import { connect, headers } from '@nats-io/transport-node';
import { parseCli } from '../../common/cli.ts';
import { answer } from '../../04-bidirectional/ping-protocol.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/11-beyond-one-machine/server.ts',
  summary: 'My pong worker (lesson 11 exercise).',
  flags: {
    server: {
      type: 'string',
      valueName: 'URL',
      default: 'nats://127.0.0.1:4222',
      description: 'the NATS server to connect to',
    },
    name: {
      type: 'string',
      valueName: 'NAME',
      default: `pong-${process.pid}`,
      description: "this worker's name, sent with every answer",
    },
  },
});

const connection = await connect({ servers: flags.server });
const signature = headers();
signature.set('Pong-Worker', flags.name);

// TODO 1: subscribe to the subject `ping`, in the queue group `pong-workers`.
// TODO 2: answer each message with answer(message.string()) (lesson 04's protocol),
//         or `error empty request: try ping` when it returns undefined;
//         message.respond(text, { headers: signature }) sends it to the reply subject.
// TODO 3: a message without a reply subject (message.reply) has nobody to answer: log it.
void answer;

// TODO 4: wait until the server has our subscription (one call) before saying so.
console.log(`pong worker ${flags.name} listening on ping`);

// TODO 5: on SIGINT and SIGTERM, drain the connection, then exit with code 0.
void connection;
