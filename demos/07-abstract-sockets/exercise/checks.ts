/**
 * Lesson 07's first exercise, "write the abstract-name server": what
 * `npm run verify -- 07` checks, promise by promise. The promises are worded
 * exactly as the lesson's "Your server must…" list.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Contract, Kit } from '../../../test/tools/verify-kit.ts';

/** A name no other check (or run) uses, from the check's fresh temp folder. */
const nameFor = (kit: Kit): string => `pp07-${basename(kit.dir)}`;
/** Whether some socket listens on the name (NUL padding or not), as /proc/net/unix lists it. */
const listed = (name: string): boolean =>
  readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .some((row) => new RegExp(` @${name}@*$`).test(row));

export default {
  // #region contract
  promises: [
    'take `--name NAME` and print a line containing `listening on @NAME` once it accepts connections',
    'answer each `ping` line with `pong`, and `ping <text>` with `pong <text>`',
    'answer any other line with `error unknown command "<first 40 characters>": try ping`, and keep the connection open',
    'refuse to start, with exit code 1 and a line containing `already listening`, when a server holds the name',
    'on SIGTERM, close its connections and exit with code 0, freeing the name',
  ],
  // #endregion contract
  checks: [
    {
      promise: 1,
      name: 'says which name it listens on',
      async run(kit) {
        const name = nameFor(kit);
        const server = await kit.start(['--name', name]);
        if (server.address !== `@${name}`)
          kit.fail({
            sent: { data: `--name ${name}`, how: 'on the command line' },
            expected: `the readiness line to say "listening on @${name}"`,
            got: `it said "listening on ${kit.quote(server.address)}"`,
          });
        if (!listed(name))
          kit.fail({
            expected: `the kernel to list @${name} in /proc/net/unix`,
            got: 'no listening socket by that name: is the address "\\0" + name?',
          });
      },
    },
    {
      promise: 2,
      name: 'ping gets pong, tags come back',
      async run(kit) {
        const name = nameFor(kit);
        await kit.start(['--name', name]);
        const conn = await kit.connect(`\0${name}`);
        conn.send('ping\n');
        await conn.expectLine('pong', 'ping\n');
        conn.send('ping 7\nping two words\n');
        await conn.expectLine('pong 7', 'ping 7\nping two words\n');
        await conn.expectLine('pong two words', 'ping 7\nping two words\n');
      },
    },
    {
      promise: 3,
      name: 'an error for nonsense, and the connection stays',
      async run(kit) {
        const name = nameFor(kit);
        await kit.start(['--name', name]);
        const conn = await kit.connect(`\0${name}`);
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
      promise: 4,
      name: 'a second server on a live name is refused',
      async run(kit) {
        const name = nameFor(kit);
        await kit.start(['--name', name]);
        const second = await kit.runServer(['--name', name]);
        if (second.code !== 1 || !/already listening/.test(second.output))
          kit.fail({
            sent: {
              data: `--name ${name}`,
              how: 'to a second server, while the first runs',
            },
            expected: 'exit code 1 and a line containing "already listening"',
            got: `exit code ${second.code}, output ${kit.quote(second.output)}`,
          });
      },
    },
    {
      promise: 5,
      name: 'SIGTERM: clean exit, name freed',
      async run(kit) {
        const name = nameFor(kit);
        const server = await kit.start(['--name', name]);
        const conn = await kit.connect(`\0${name}`);
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
        if (listed(name))
          kit.fail({
            sent: { data: 'SIGTERM', how: 'to the server' },
            expected: `@${name} to be gone from /proc/net/unix`,
            got: 'a socket still listens on it',
          });
      },
    },
  ],
} satisfies Contract;
