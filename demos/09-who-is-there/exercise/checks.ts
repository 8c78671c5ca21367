/**
 * Lesson 09's first exercise, "write the cookie-checking server": what
 * `npm run verify -- 09` checks, promise by promise. The promises are worded
 * exactly as the lesson's "Your server must…" list.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Connection,
  Contract,
  Kit,
} from '../../../test/tools/verify-kit.ts';

const HELLO_ERROR = 'error authenticate first: send hello <32 hex digits>';

function hmac(cookie: Buffer, text: string): string {
  return createHmac('sha256', cookie).update(text).digest('hex');
}

/** Starts the server under test with a cookie file in the check's folder; `cookie` is written first if given. */
async function startWithCookie(
  kit: Kit,
  cookie?: Buffer,
): Promise<{ port: number; cookiePath: string }> {
  const cookiePath = join(kit.dir, 'cookie');
  if (cookie)
    writeFileSync(cookiePath, `${cookie.toString('hex')}\n`, { mode: 0o600 });
  const server = await kit.start(['--cookie', cookiePath, '--port', '0']);
  const port = /^127\.0\.0\.1:(\d+)$/.exec(server.address)?.[1];
  if (port === undefined)
    kit.fail({
      expected: 'a readiness line with `listening on 127.0.0.1:PORT`',
      got: `it said it listens on ${kit.quote(server.address)}`,
    });
  return { port: Number(port), cookiePath };
}

/** hello, then the server's proof, checked; resolves with both nonces. */
async function hello(
  kit: Kit,
  conn: Connection,
  cookie: Buffer,
): Promise<{ mine: string; theirs: string }> {
  const mine = randomBytes(16).toString('hex');
  conn.send(`hello ${mine}\n`);
  const line = await conn.expectLine(
    /^proof [0-9a-f]{32} [0-9a-f]{64}$/,
    `hello ${mine}\n`,
  );
  const [, theirs = '', proof = ''] = line.split(' ');
  if (proof !== hmac(cookie, `server ${mine} ${theirs}`))
    kit.fail({
      sent: `hello ${mine}\n`,
      expected: `the proof to be the HMAC-SHA256 of ${kit.quote(`server ${mine} ${theirs}`)} keyed with the cookie file's 32 bytes`,
      got: `another value: ${kit.quote(proof)}`,
    });
  return { mine, theirs };
}

export default {
  // #region contract
  promises: [
    'take `--cookie PATH` (creating the file with 64 random hex digits, mode 600, if it is missing) and `--port N` (default 0), listen on 127.0.0.1 and print a line containing `listening on 127.0.0.1:PORT`',
    "answer a first line `hello <client nonce>` (32 hex digits) with `proof <server nonce> <server proof>`, where a proof is the hex HMAC-SHA256, keyed with the cookie's 32 bytes, of `server <client nonce> <server nonce>`",
    'after `auth <client proof>` (the same HMAC of `client <client nonce> <server nonce>`), answer `ok` and then every `ping` with `pong` as in lesson 04',
    'answer any other first line with `error authenticate first: send hello <32 hex digits>` and close the connection',
    'answer a wrong `auth` line with `error wrong cookie`, close the connection, and answer no ping on it',
    'on SIGTERM, close its connections and exit with code 0',
  ],
  // #endregion contract
  checks: [
    {
      promise: 1,
      name: 'makes a private cookie and listens on 127.0.0.1',
      async run(kit) {
        const { cookiePath } = await startWithCookie(kit);
        if (!existsSync(cookiePath))
          kit.fail({
            expected: `a cookie file at ${kit.quote(cookiePath)}`,
            got: 'no file there',
          });
        const mode = statSync(cookiePath).mode & 0o777;
        const text = readFileSync(cookiePath, 'utf8');
        if (mode !== 0o600 || !/^[0-9a-f]{64}\n?$/.test(text))
          kit.fail({
            expected: '64 hex digits in a file of mode 600',
            got: `mode ${mode.toString(8)} holding ${kit.quote(text)}`,
          });
      },
    },
    {
      promise: 2,
      name: 'hello gets a proof made with the cookie',
      async run(kit) {
        const cookie = randomBytes(32);
        const { port } = await startWithCookie(kit, cookie);
        await hello(kit, await kit.connect({ port }), cookie);
      },
    },
    {
      promise: 3,
      name: 'the right auth gets ok, then pongs',
      async run(kit) {
        const cookie = randomBytes(32);
        const { port } = await startWithCookie(kit, cookie);
        const conn = await kit.connect({ port });
        const { mine, theirs } = await hello(kit, conn, cookie);
        const auth = `auth ${hmac(cookie, `client ${mine} ${theirs}`)}\n`;
        conn.send(auth);
        await conn.expectLine('ok', auth);
        conn.send('ping\n');
        await conn.expectLine('pong', 'ping\n');
        conn.send('ping 9\n');
        await conn.expectLine('pong 9', 'ping 9\n');
      },
    },
    {
      promise: 4,
      name: 'no hello, no service',
      async run(kit) {
        const { port } = await startWithCookie(kit);
        const conn = await kit.connect({ port });
        conn.send('ping\n');
        await conn.expectLine(HELLO_ERROR, 'ping\n');
        await conn.expectClosed('ping\n');
        const other = await kit.connect({ port });
        other.send('hello 1234\n');
        await other.expectLine(HELLO_ERROR, 'hello 1234\n');
        await other.expectClosed('hello 1234\n');
      },
    },
    {
      promise: 5,
      name: 'a wrong cookie gets refused, and no pong',
      async run(kit) {
        const cookie = randomBytes(32);
        const { port } = await startWithCookie(kit, cookie);
        const conn = await kit.connect({ port });
        const { mine, theirs } = await hello(kit, conn, cookie);
        const guess = `auth ${hmac(randomBytes(32), `client ${mine} ${theirs}`)}\nping\n`;
        conn.send(guess);
        await conn.expectLine('error wrong cookie', guess);
        const after = await conn.nextLine();
        if (after !== undefined)
          kit.fail({
            sent: guess,
            expected: 'the connection closed after `error wrong cookie`',
            got: `one more line: ${kit.quote(after)}`,
          });
      },
    },
    {
      promise: 6,
      name: 'SIGTERM: clean exit',
      async run(kit) {
        const cookiePath = join(kit.dir, 'cookie');
        const server = await kit.start(['--cookie', cookiePath]);
        const port = Number(server.address.split(':')[1]);
        const conn = await kit.connect({ port });
        const status = await server.stop('SIGTERM');
        if (status.code !== 0)
          kit.fail({
            sent: { data: 'SIGTERM', how: 'with a client connected' },
            expected: 'exit code 0',
            got: status.signal
              ? `killed by ${status.signal}`
              : `exit code ${status.code}`,
          });
        await conn.expectClosed({ data: 'SIGTERM', how: 'to the server' });
      },
    },
  ],
} satisfies Contract;
