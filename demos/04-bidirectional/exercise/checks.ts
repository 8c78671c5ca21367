/**
 * Lesson 04's first exercise, "write the ping/pong server": what
 * `npm run verify -- 04` checks, promise by promise. The promises are worded exactly as
 * the lesson's "Your server must…" list; the checks run against the learner's file.
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
    'answer each `ping` line with a `pong` line, in order, for as long as the connection stays open',
    'answer `ping <text>` with `pong <text>`',
    'find the lines however the bytes arrive: one byte at a time, several lines in one write, or ending in `\\r\\n`',
    'answer an empty line with nothing and any other line with `error unknown command "<first 40 characters>": try ping`, and keep the connection open',
    'answer a line longer than 65536 bytes with `error line longer than 65536 bytes`, then close that connection and keep serving the others',
    'on SIGTERM, close its connections, remove its socket file and exit with code 0',
  ],
  // #endregion contract
  checks: [
    saysWhereItListens(1),
    {
      promise: 2,
      name: 'every ping gets a pong',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        for (let round = 1; round <= 3; round++) {
          conn.send('ping\n');
          await conn.expectLine('pong', {
            data: 'ping\n',
            how: `(ping number ${round})`,
          });
        }
      },
    },
    {
      promise: 3,
      name: 'a tagged ping gets its tag back',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        conn.send('ping 7\n');
        await conn.expectLine('pong 7', 'ping 7\n');
        conn.send('ping two words\n');
        await conn.expectLine('pong two words', 'ping two words\n');
      },
    },
    {
      promise: 4,
      name: 'lines, however the bytes arrive',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        for (const byte of 'ping one\n') conn.send(byte);
        await conn.expectLine('pong one', {
          data: 'ping one\n',
          how: 'one byte per write',
        });
        conn.send('ping a\nping b\nping c\n');
        for (const tag of ['a', 'b', 'c'])
          await conn.expectLine(`pong ${tag}`, {
            data: 'ping a\nping b\nping c\n',
            how: 'in one write',
          });
        conn.send('ping crlf\r\n');
        await conn.expectLine('pong crlf', 'ping crlf\r\n');
      },
    },
    {
      promise: 5,
      name: 'nothing for an empty line, an error for nonsense',
      async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        conn.send('\nping\n');
        await conn.expectLine('pong', '\nping\n');
        conn.send('hello\n');
        await conn.expectLine(
          'error unknown command "hello": try ping',
          'hello\n',
        );
        const long = 'x'.repeat(50);
        conn.send(`${long}\n`);
        await conn.expectLine(
          `error unknown command "${long.slice(0, 40)}": try ping`,
          `${long}\n`,
        );
        conn.send('ping\n');
        await conn.expectLine('pong', {
          data: 'ping\n',
          how: 'after those errors',
        });
      },
    },
    {
      promise: 6,
      name: 'an oversized line closes only its own connection',
      async run(kit) {
        await kit.start();
        const bystander = await kit.connect();
        const conn = await kit.connect();
        const justFits = 'y'.repeat(LIMIT);
        conn.send(`${justFits}\n`);
        await conn.expectLine(
          `error unknown command "${justFits.slice(0, 40)}": try ping`,
          {
            data: `${justFits}\n`,
            how: `(exactly ${LIMIT} bytes: still a line)`,
          },
        );
        const tooLong = 'y'.repeat(LIMIT + 1);
        conn.send(tooLong);
        await conn.expectLine(`error line longer than ${LIMIT} bytes`, {
          data: tooLong,
          how: `(${LIMIT + 1} bytes, no newline yet)`,
        });
        await conn.expectClosed({
          data: tooLong,
          how: '(longer than the limit)',
        });
        bystander.send('ping\n');
        await bystander.expectLine('pong', {
          data: 'ping\n',
          how: 'from another client, after that',
        });
      },
    },
    cleanExitOnSigterm(7),
  ],
} satisfies Contract;
