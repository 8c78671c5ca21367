/**
 * Lesson 01's first exercise, "write the server yourself": what `npm run verify -- 01`
 * checks, promise by promise. The promises are worded exactly as the lesson's "Your
 * server must…" list; the checks run against the learner's file.
 */
import { existsSync, lstatSync } from 'node:fs';
import {
  saysWhereItListens,
  type Contract,
  type Kit,
} from '../../../test/tools/verify-kit.ts';

/** Starts the server, connects a client that stays, stops it with `signal`: exit 0, file gone. */
async function stopsCleanlyOn(kit: Kit, signal: NodeJS.Signals): Promise<void> {
  const server = await kit.start();
  const idle = await kit.connect();
  const status = await server.stop(signal);
  if (status.code !== 0)
    kit.fail({
      expected: `exit code 0 after ${signal}`,
      got: status.signal
        ? `killed by ${status.signal}`
        : `exit code ${status.code}`,
    });
  if (existsSync(kit.socket))
    kit.fail({
      expected: `the socket file to be gone after ${signal}`,
      got: `${kit.quote(kit.socket)} is still there`,
    });
  await idle.expectClosed();
}

export default {
  // #region contract
  promises: [
    'print a line containing `listening on <path>` once it accepts connections',
    'print each chunk a client sends, escaped with `JSON.stringify` (a `ping` line shows as `"ping\\n"`)',
    'create the socket file so that only its owner may use it (`srw-------`)',
    'keep serving other clients when one vanishes mid-message',
    'refuse to start, in one line containing `already listening`, while another server listens on the path, and leave its file alone',
    'replace a stale socket file that a crashed server left behind',
    'on SIGINT, SIGTERM or SIGHUP, close every client, remove the socket file and exit 0',
  ],
  // #endregion contract
  checks: [
    saysWhereItListens(1),
    {
      promise: 2,
      name: 'prints a ping escaped, and control characters never raw',
      async run(kit) {
        const server = await kit.start();
        const conn = await kit.connect();
        conn.send('ping\n');
        await server.waitForLine('"ping\\n"');
        const attack = 'title\x1b]0;pwned\x07\x1b[2J\n';
        conn.send(attack);
        await server.waitForLine('\\u001b[2J');
        if (server.proc.output.includes('\x1b'))
          kit.fail({
            sent: attack,
            expected: 'the escape characters printed as \\u001b, never raw',
            got: 'a raw escape character in the output',
          });
      },
    },
    {
      promise: 3,
      name: 'the socket file is srw-------',
      async run(kit) {
        await kit.start();
        const info = lstatSync(kit.socket);
        const mode = (info.mode & 0o777).toString(8);
        if (!info.isSocket() || mode !== '600')
          kit.fail({
            expected: `${kit.quote(kit.socket)} to be a socket with mode 600 (srw-------)`,
            got: info.isSocket() ? `mode ${mode}` : 'not a socket',
          });
      },
    },
    {
      promise: 4,
      name: 'a vanished client harms nobody',
      async run(kit) {
        const server = await kit.start();
        const rude = await kit.connect();
        rude.send('half a messa');
        rude.socket.destroy();
        const polite = await kit.connect();
        polite.send('still there?\n');
        await server.waitForLine('still there?');
      },
    },
    {
      promise: 5,
      name: 'a second server refuses, the first keeps serving',
      async run(kit) {
        const first = await kit.start();
        const second = await kit.runServer();
        const lines = second.output.split('\n').filter((line) => line.trim());
        if (
          second.code === 0 ||
          lines.length !== 1 ||
          !/already listening/.test(second.output)
        )
          kit.fail({
            expected:
              'the second server to exit non-zero with one line containing `already listening`',
            got: `exit code ${second.code} and the output ${kit.quote(second.output)}`,
          });
        const conn = await kit.connect();
        conn.send('first, are you there?\n');
        await first.waitForLine('first, are you there?');
      },
    },
    {
      promise: 6,
      name: 'a restart after kill -9 works',
      async run(kit) {
        const crashed = await kit.start();
        await crashed.stop('SIGKILL');
        if (!existsSync(kit.socket))
          kit.fail({
            expected:
              'SIGKILL to leave the socket file behind (nothing can catch it)',
            got: 'no file: did the server listen somewhere else?',
          });
        const server = await kit.start();
        const conn = await kit.connect();
        conn.send('after the crash\n');
        await server.waitForLine('after the crash');
      },
    },
    {
      promise: 7,
      name: 'SIGTERM: clients closed, file removed, exit 0',
      run: (kit) => stopsCleanlyOn(kit, 'SIGTERM'),
    },
    {
      promise: 7,
      name: 'SIGINT (Ctrl-C) too',
      run: (kit) => stopsCleanlyOn(kit, 'SIGINT'),
    },
    {
      promise: 7,
      name: 'SIGHUP (a closed terminal) too',
      run: (kit) => stopsCleanlyOn(kit, 'SIGHUP'),
    },
  ],
} satisfies Contract;
