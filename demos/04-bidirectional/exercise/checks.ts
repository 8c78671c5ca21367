/**
 * Lesson 04's exercise contract: what `npm run verify -- 04` checks, promise by promise.
 * The promises are worded exactly as the lesson's "Your server must…" list.
 */
import type { Contract } from '../../../test/tools/verify-kit.ts';

export default {
  // #region contract
  promises: [
    'print a line containing `listening on <path>` once it accepts connections',
    'answer each `ping` line with a `pong` line, on the same connection, as many times as asked',
    'answer `ping <text>` with `pong <text>`',
  ],
  // #endregion contract
  checks: [
    {
      promise: 1,
      name: 'says where it listens',
      async run(kit) {
        const server = await kit.start();
        if (server.address !== kit.socket)
          kit.fail({
            expected: `the readiness line to name ${kit.quote(kit.socket)}`,
            got: `it named ${kit.quote(server.address)}`,
          });
      },
    },
    {
      promise: 2,
      name: 'ping gets pong',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        conn.send('ping\n');
        await conn.expectLine('pong', 'ping\n');
        conn.send('ping\n');
        await conn.expectLine('pong', 'ping\n (a second time)');
      },
    },
    {
      promise: 3,
      name: 'ping with a tag',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        conn.send('ping 7\n');
        await conn.expectLine('pong 7', 'ping 7\n');
      },
    },
  ],
} satisfies Contract;
