/**
 * Lesson 11 · the watcher, on NATS: lesson 06's watch.ts without a socket path.
 *
 * It subscribes to rally.updates wherever the daemon is, through any server of
 * the cluster. NATS has no "subscribe and tell me the current value" in one step,
 * as lesson 06's daemon had, so the watcher makes one: subscribe first, then ask
 * for the count, and print only updates newer than what it has shown. Asking
 * first and subscribing after would miss whatever changed in between.
 *
 * When its server dies, the client library reconnects to another and subscribes
 * again; updates published during the gap are gone (NATS keeps no history), so the
 * watcher asks for the count again.
 */
import { errors, type Msg } from '@nats-io/transport-node';
import { errorMessage, parseCli } from '../common/cli.ts';
import { parseReply } from '../06-subscriptions/messages.ts';
import { RALLY_REQUESTS, RALLY_UPDATES } from './subjects.ts';
import {
  connectOrExit,
  drainOnSignals,
  logConnectionChanges,
  serverFlag,
} from './nats-connection.ts';

const flags = parseCli({
  usage: 'npx tsx demos/11-beyond-one-machine/watch.ts',
  summary:
    'Subscribes to rally.updates over NATS and prints every change; survives its server dying.',
  flags: { server: serverFlag },
});

const nats = await connectOrExit(flags.server, 'rally watcher');
let shown: number | undefined; // the count last printed; undefined until the first answer

/** The count in an update, or undefined (and a line saying why) for anything else. */
function updateCount(error: Error | null, message: Msg): number | undefined {
  if (error) return void console.log(`subscription ended: ${error.message}`);
  const update = parseReply(message.string());
  if (update.ok && update.message.type === 'update')
    return update.message.count;
  const why = update.ok ? update.message.type : update.error;
  console.log(
    `ignoring a message on ${RALLY_UPDATES} I do not understand (${why})`,
  );
}

// #region subscribe
nats.subscribe(RALLY_UPDATES, {
  callback: (error, message) => {
    const count = updateCount(error, message);
    // Before the first answer: the bridge sent this update before its answer, so
    // the answer counts it (one publisher's messages arrive in the order sent).
    if (count === undefined || shown === undefined) return;
    const restarted =
      count < shown ? ' (lower: a new daemon started over)' : '';
    shown = count;
    console.log(`update: count is ${count}${restarted}`);
  },
});
await nats.flush(); // the server has our SUB: no update from now on can pass us by
// #endregion subscribe

// #region catch-up
/** Asks the bridge for the count; retries while nobody answers (the bridge may be starting). */
async function catchUp(why: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const reply = parseReply(
        (
          await nats.request(RALLY_REQUESTS, '{"type":"get"}', {
            timeout: 1000,
          })
        ).string(),
      );
      if (!reply.ok || reply.message.type !== 'count')
        throw new Error(reply.ok ? JSON.stringify(reply.message) : reply.error);
      const missed =
        shown === undefined
          ? ''
          : ` (${Math.max(0, reply.message.count - shown)} updates happened while away)`;
      shown = reply.message.count;
      return console.log(`${why}: count is ${reply.message.count}${missed}`);
    } catch (error) {
      const noResponders =
        error instanceof errors.RequestError && error.isNoResponders();
      if (attempt === 1)
        console.log(
          `no count yet from ${RALLY_REQUESTS} (${noResponders ? 'no responders: is bridge.ts running?' : errorMessage(error)}); asking again every 250 ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
// #endregion catch-up

await catchUp(`subscribed to ${RALLY_UPDATES} via ${nats.getServer()}`);
void logConnectionChanges(
  nats,
  () => void catchUp('caught up after the reconnect'),
);
drainOnSignals(nats, (signal) => `${signal}: stopped watching`);
