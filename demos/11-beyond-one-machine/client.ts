/**
 * Lesson 11 · the ping client: request/reply over NATS, with a timeout and retries.
 *
 *   client.ts             → pong 1 from pong-4242 in 0.61 ms
 *   client.ts --count 30  → thirty of those, then who answered how many
 *
 * A request is a publish with a reply subject: the client subscribes to a fresh
 * inbox, publishes `ping 1` to `ping` saying "answer to my inbox", and waits.
 * Two failures look alike from here and mean different things: "no responders"
 * (the server knows nobody subscribes to `ping`: it says so at once) and a
 * timeout (somebody took the request and never answered: a worker died with it,
 * or is stuck). Both are worth another try; a worker may be restarting.
 */
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { errorMessage, fail, parseCli, parseInteger } from '../common/cli.ts';
import { PING_SUBJECT } from './subjects.ts';
import { connectOrExit, serverFlag } from './nats-connection.ts';

const flags = parseCli({
  usage: 'npx tsx demos/11-beyond-one-machine/client.ts',
  summary:
    'Sends pings to the NATS subject ping, waits for each pong (retrying on timeout), prints who answered.',
  flags: {
    server: serverFlag,
    count: {
      type: 'string',
      valueName: 'N',
      default: '1',
      description: 'how many pings, one after another',
    },
    'timeout-ms': {
      type: 'string',
      valueName: 'MS',
      default: '500',
      description: 'how long to wait for a pong before asking again',
    },
    retries: {
      type: 'string',
      valueName: 'N',
      default: '5',
      description: 'how many times to ask again before giving up',
    },
  },
});
const count = parseInteger(flags.count, 'count', 1, 1_000_000);
const timeoutMs = parseInteger(flags['timeout-ms'], 'timeout-ms', 1, 60_000);
const retries = parseInteger(flags.retries, 'retries', 0, 100);
const startHint = 'npx tsx demos/11-beyond-one-machine/server.ts';

function giveUp(ping: string, noResponders: boolean): never {
  if (noResponders)
    fail(
      `nobody subscribes to subject ping (no responders): start a worker with: ${startHint}`,
    );
  fail(
    `no pong to "${ping}" after ${retries + 1} tries of ${timeoutMs} ms: the workers are stuck or overloaded`,
  );
}

/** A worker's bytes reach our terminal with control characters escaped, and short. */
function printable(text: string): string {
  const escaped = text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g, // eslint-disable-line no-control-regex
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}

interface Pong {
  text: string;
  worker: string;
  milliseconds: number;
}

// #region ask
/** One ping until it is answered: at-least-once delivery, so a ping may be handled twice. */
async function ask(connection: NatsConnection, ping: string): Promise<Pong> {
  for (let attempt = 0; ; attempt++) {
    const started = performance.now();
    try {
      const reply = await connection.request(PING_SUBJECT, ping, {
        timeout: timeoutMs,
      });
      const worker = reply.headers?.get('Pong-Worker') || 'a nameless worker';
      const milliseconds = performance.now() - started;
      return {
        text: printable(reply.string()),
        worker: printable(worker),
        milliseconds,
      };
    } catch (error) {
      // #region retry
      const noResponders =
        error instanceof errors.RequestError && error.isNoResponders();
      if (!noResponders && !(error instanceof errors.TimeoutError))
        fail(`${ping}: ${errorMessage(error)}`);
      if (attempt === retries) giveUp(ping, noResponders);
      if (noResponders) {
        // The server said at once: nobody subscribes. A worker may be restarting.
        // #region no-responders-log
        console.log(
          `${ping}: no responders (no worker subscribed right now), asking again in ${timeoutMs} ms`,
        );
        // #endregion no-responders-log
        await new Promise((resolve) => setTimeout(resolve, timeoutMs));
      } else {
        // Somebody took it and said nothing: maybe a worker died holding it. The
        // next try goes to whoever is subscribed now; a late answer is dropped.
        console.log(`${ping}: no pong within ${timeoutMs} ms, asking again`);
      }
      // #endregion retry
    }
  }
}
// #endregion ask

const connection = await connectOrExit(flags.server, 'ping client');
const perWorker = new Map<string, number>();
let failures = 0;
for (let i = 1; i <= count; i++) {
  const pong = await ask(connection, `ping ${i}`);
  perWorker.set(pong.worker, (perWorker.get(pong.worker) ?? 0) + 1);
  if (pong.text.startsWith('error')) failures += 1;
  console.log(
    `${pong.text} from ${pong.worker} in ${pong.milliseconds.toFixed(2)} ms`,
  );
}
if (count > 1) {
  const shares = [...perWorker]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([worker, pongs]) => `${worker} ${pongs}`);
  console.log(
    `${count} pings answered; pongs per worker: ${shares.join(', ')}`,
  );
}
await connection.close();
if (failures > 0) fail(`${failures} of ${count} answers were errors`);
