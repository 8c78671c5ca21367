/**
 * Lesson 08's first exercise, "write the server, unix transport only": what
 * `npm run verify -- 08` checks, promise by promise. The promises are worded
 * exactly as the lesson's "Your server must…" list.
 */
import {
  cleanExitOnSigterm,
  saysWhereItListens,
  type Contract,
} from '../../../test/tools/verify-kit.ts';

const LIMIT = 65536;

export default {
  // #region contract
  promises: [
    'take `--socket PATH` and print a line containing `listening on PATH` once it accepts connections',
    'answer each `ping` line with `pong`, and `ping <text>` with `pong <text>`',
    'answer all the pings of one write, in order: 64 pings sent at once get 64 pongs',
    'answer any other line with `error unknown command "<first 40 characters>": try ping`, and keep the connection open',
    'answer the lines before a line longer than 65536 bytes, then send `error line longer than 65536 bytes` and close that connection',
    'on SIGTERM, close its connections, remove its socket file and exit with code 0',
  ],
  // #endregion contract
  checks: [
    saysWhereItListens(1),
    {
      promise: 2,
      name: 'ping gets pong, tags come back',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        conn.send('ping\n');
        await conn.expectLine('pong', 'ping\n');
        conn.send('ping 7\n');
        await conn.expectLine('pong 7', 'ping 7\n');
      },
    },
    {
      promise: 3,
      name: '64 pings in one write, 64 pongs in order',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        const pings = Array.from({ length: 64 }, (_, i) => `ping ${i + 1}\n`);
        conn.send(pings.join(''));
        for (let i = 1; i <= 64; i++)
          await conn.expectLine(`pong ${i}`, {
            data: pings.join(''),
            how: `in one write (pong number ${i})`,
          });
      },
    },
    {
      promise: 4,
      name: 'an error for nonsense, and the connection stays',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        conn.send('hello\n');
        await conn.expectLine(
          'error unknown command "hello": try ping',
          'hello\n',
        );
        conn.send('ping\n');
        await conn.expectLine('pong', {
          data: 'ping\n',
          how: 'after that error',
        });
      },
    },
    {
      promise: 5,
      name: 'the lines before an over-long one, then the error, then goodbye',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        const data = `ping before\n${'y'.repeat(LIMIT + 1)}\n`;
        const sent = {
          data,
          how: `in one write (${LIMIT + 1} y's after the ping)`,
        };
        conn.send(data);
        await conn.expectLine('pong before', sent);
        await conn.expectLine(`error line longer than ${LIMIT} bytes`, sent);
        await conn.expectClosed(sent);
      },
    },
    cleanExitOnSigterm(6),
  ],
} satisfies Contract;
