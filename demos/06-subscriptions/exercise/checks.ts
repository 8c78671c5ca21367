/**
 * Lesson 06's first exercise, "write the rally daemon": what `npm run verify -- 06`
 * checks, promise by promise. The promises are worded exactly as the lesson's
 * "Your server must…" list; the checks run against the learner's file. Replies are
 * compared as JSON, so the order of their fields is yours.
 */
import {
  cleanExitOnSigterm,
  saysWhereItListens,
  type Connection,
  type Contract,
  type Kit,
} from '../../../test/tools/verify-kit.ts';

/** The next line must be this JSON object (same fields and values, any order). */
async function expectJson(
  kit: Kit,
  conn: Connection,
  expected: Record<string, unknown>,
  sent: string,
  how?: string,
): Promise<void> {
  const wanted = JSON.stringify(expected);
  const said = how ? { data: sent, how } : sent;
  let line: string | undefined;
  try {
    line = await conn.nextLine();
  } catch {
    kit.fail({
      sent: said,
      expected: `the JSON line ${wanted}`,
      got: 'nothing within 3 s',
    });
  }
  if (line === undefined)
    kit.fail({
      sent: said,
      expected: `the JSON line ${wanted}`,
      got: 'the connection closed',
    });
  let got: unknown;
  try {
    got = JSON.parse(line);
  } catch {
    got = undefined;
  }
  const same =
    typeof got === 'object' &&
    got !== null &&
    Object.keys(expected).length === Object.keys(got).length &&
    Object.entries(expected).every(
      ([key, value]) => (got as Record<string, unknown>)[key] === value,
    );
  if (!same)
    kit.fail({
      sent: said,
      expected: `the JSON line ${wanted}`,
      got: `the line ${kit.quote(line)}`,
    });
}

/** Sends `request` on `conn`, then expects this JSON reply. */
async function ask(
  kit: Kit,
  conn: Connection,
  request: string,
  expected: Record<string, unknown>,
  how?: string,
): Promise<void> {
  conn.send(request);
  await expectJson(kit, conn, expected, request, how);
}

const PING = '{"type":"ping"}\n';
const GET = '{"type":"get"}\n';
const SUBSCRIBE = '{"type":"subscribe"}\n';
const UNSUBSCRIBE = '{"type":"unsubscribe"}\n';

export default {
  // #region contract
  promises: [
    'take `--socket PATH` and print a line containing `listening on PATH` once it accepts connections',
    'answer `{"type":"ping"}` with `{"type":"pong","count":N}`, N counting every ping since it started, and `{"type":"get"}` with `{"type":"count","count":N}` without changing N',
    'answer `{"type":"subscribe"}` with `{"type":"subscribed","count":N}`, then send that connection `{"type":"update","count":N}` after every ping from anyone, until it sends `{"type":"unsubscribe"}` (answered with `{"type":"unsubscribed"}`) or leaves',
    'answer any other line with `{"type":"error","message":"…"}` (a message of your choice) and keep the connection open',
    'take `--max-queue-bytes BYTES` and close the connection of a subscriber that stops reading once more than that many bytes wait unsent to it, while the other subscribers keep getting every update',
    'on SIGTERM, close its connections, remove its socket file and exit with code 0',
  ],
  // #endregion contract
  checks: [
    saysWhereItListens(1),
    {
      promise: 2,
      name: 'ping counts, get reads',
      async run(kit) {
        await kit.start();
        const first = await kit.connect();
        const second = await kit.connect();
        await ask(kit, first, GET, { type: 'count', count: 0 });
        await ask(kit, first, PING, { type: 'pong', count: 1 });
        await ask(
          kit,
          second,
          PING,
          { type: 'pong', count: 2 },
          'from a second client',
        );
        await ask(kit, first, GET, { type: 'count', count: 2 });
        await ask(kit, first, GET, { type: 'count', count: 2 }, 'again');
      },
    },
    {
      promise: 3,
      name: 'subscribers hear every ping, until they unsubscribe or leave',
      async run(kit) {
        await kit.start();
        const pinger = await kit.connect();
        await ask(kit, pinger, PING, { type: 'pong', count: 1 });
        const stays = await kit.connect();
        const goes = await kit.connect();
        for (const watcher of [stays, goes])
          await ask(kit, watcher, SUBSCRIBE, { type: 'subscribed', count: 1 });
        for (let count = 2; count <= 4; count++) {
          await ask(kit, pinger, PING, { type: 'pong', count });
          for (const watcher of [stays, goes])
            await expectJson(
              kit,
              watcher,
              { type: 'update', count },
              PING,
              'by another client',
            );
        }
        await ask(kit, goes, UNSUBSCRIBE, { type: 'unsubscribed' });
        await ask(kit, pinger, PING, { type: 'pong', count: 5 });
        await expectJson(
          kit,
          stays,
          { type: 'update', count: 5 },
          PING,
          'by another client',
        );
        // The one that unsubscribed hears nothing more: its next line answers its own get.
        await ask(
          kit,
          goes,
          GET,
          { type: 'count', count: 5 },
          'after unsubscribing, and one more ping by another client',
        );
        await stays.close(); // leaving ends the subscription: the daemon must not trip over it
        await ask(
          kit,
          pinger,
          PING,
          { type: 'pong', count: 6 },
          'after a subscriber left',
        );
      },
    },
    {
      promise: 4,
      name: 'nonsense gets an error, and the connection stays',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        for (const line of [
          'this is not json',
          '{"type":"foo"}',
          'null',
          '[1,2]',
        ]) {
          conn.send(`${line}\n`);
          const reply = await conn.expectLine(/./, `${line}\n`);
          let parsed: unknown;
          try {
            parsed = JSON.parse(reply);
          } catch {
            parsed = undefined;
          }
          const message = parsed as
            { type?: unknown; message?: unknown } | null | undefined;
          if (message?.type !== 'error' || typeof message.message !== 'string')
            kit.fail({
              sent: `${line}\n`,
              expected: 'a JSON line {"type":"error","message":"…"}',
              got: `the line ${kit.quote(reply)}`,
            });
        }
        await ask(
          kit,
          conn,
          PING,
          { type: 'pong', count: 1 },
          'after the errors',
        );
      },
    },
    {
      promise: 5,
      name: 'a subscriber that stops reading is dropped at the cap; the others keep every update',
      async run(kit) {
        await kit.start(['--socket', kit.socket, '--max-queue-bytes', '4096']);
        const stalled = await kit.connect();
        await ask(kit, stalled, SUBSCRIBE, { type: 'subscribed', count: 0 });
        stalled.socket.pause(); // from now on it reads nothing
        const reader = await kit.connect();
        await ask(kit, reader, SUBSCRIBE, { type: 'subscribed', count: 0 });
        const pinger = await kit.connect();
        // 320 rounds of 50 pings: each round's updates fit in the kernel's buffer for a
        // subscriber that reads, but a stalled one falls further behind every round, past
        // all the kernel holds for it (a few hundred KiB) and then past the cap.
        const pings = 16_000;
        const round = PING.repeat(50);
        const how = `(by another client, 50 pings per write, ${pings} in all, with --max-queue-bytes 4096)`;
        for (let count = 1; count <= pings; count++) {
          if (count % 50 === 1) pinger.send(round);
          await expectJson(kit, reader, { type: 'update', count }, round, how);
        }
        // Now read what the stalled one was sent: a prefix of the updates, then the end.
        stalled.socket.resume();
        let last = 0;
        for (;;) {
          const line = await stalled.nextLine();
          if (line === undefined) break;
          const count = Number((JSON.parse(line) as { count?: unknown }).count);
          if (count >= pings)
            kit.fail({
              sent: { data: round, how },
              expected:
                'the subscriber that stopped reading to be dropped before it was sent every update',
              got: `it was sent all ${pings} updates`,
            });
          last = count;
        }
        if (last === 0)
          kit.fail({
            sent: { data: round, how },
            expected:
              'the stalled subscriber to get the updates that fitted before the cap, then its connection closed',
            got: 'no updates at all',
          });
      },
    },
    cleanExitOnSigterm(6),
  ],
} satisfies Contract;
