/**
 * Lesson 03's first exercise, "write the polling server yourself": what
 * `npm run verify -- 03` checks, promise by promise. The promises are worded exactly
 * as the lesson's "Your server must…" list. Checks count passes and lines, never time.
 */
import { existsSync } from 'node:fs';
import type {
  Contract,
  Kit,
  RunningServer,
} from '../../../test/tools/verify-kit.ts';

/** Fast passes keep the checks quick; the behaviour is the same at any interval. */
const FAST = ['--interval', '20'];

const ticks = (server: RunningServer): string[] =>
  server.proc.lines
    .map((line) => line.text)
    .filter((text) => /^tick \d+ \|/.test(text));

async function stopsCleanlyOn(kit: Kit, signal: NodeJS.Signals): Promise<void> {
  const server = await kit.start(['--socket', kit.socket, ...FAST]);
  const silent = await kit.connect();
  await server.waitForLine(/client 1 connected/);
  const status = await server.stop(signal);
  if (status.code !== 0 || existsSync(kit.socket))
    kit.fail({
      expected: `exit code 0 and no socket file after ${signal}`,
      got: `${status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`}; the socket file is ${existsSync(kit.socket) ? 'still there' : 'gone'}`,
    });
  await silent.expectClosed();
}

export default {
  // #region contract
  promises: [
    'print a line containing `listening on <path>` once it accepts connections',
    'print one line per pass, starting `tick N |`, even while every client is silent',
    'take every waiting connection on each pass, numbering clients 1, 2, 3… in the order it takes them',
    'read every client without waiting, and say what each did: `client N: "<text>"` (escaped with `JSON.stringify`), `client N: nothing yet` or `client N: left`',
    "serve a second client's ping while the first stays connected and silent",
    'take `--interval MS`, the nap between passes',
    'on SIGINT, SIGTERM or SIGHUP, close every connection, remove the socket file and exit 0',
  ],
  // #endregion contract
  checks: [
    {
      promise: 1,
      name: 'says where it listens',
      async run(kit) {
        const server = await kit.start(['--socket', kit.socket, ...FAST]);
        if (server.address !== kit.socket)
          kit.fail({
            expected: `the readiness line to name the socket, ${kit.quote(kit.socket)}`,
            got: `it named ${kit.quote(server.address)}`,
          });
      },
    },
    {
      promise: 2,
      name: 'ticks while a client is silent',
      async run(kit) {
        const server = await kit.start(['--socket', kit.socket, ...FAST]);
        await kit.connect();
        const connected = await server.waitForLine(/client 1 connected/);
        const at = ticks(server).indexOf(connected);
        await server.waitForLine(/^tick \d+ \|/, { count: at + 4 });
      },
    },
    {
      promise: 3,
      name: 'a burst of 100 does not starve the next client',
      async run(kit) {
        const server = await kit.start(['--socket', kit.socket, ...FAST]);
        await Promise.all(Array.from({ length: 100 }, () => kit.connect()));
        const passesBefore = ticks(server).length;
        const newcomer = await kit.connect();
        newcomer.send('ping\n');
        await server.waitForLine('client 101: "ping"');
        const waited = ticks(server).length - passesBefore;
        if (waited > 10)
          kit.fail({
            sent: 'ping\n',
            expected:
              'client 101 to be served within a few passes of connecting, after a burst of 100',
            got: `its ping appeared ${waited} passes later: one connection taken per pass?`,
          });
      },
    },
    {
      promise: 4,
      name: 'says what each client did, escaped',
      async run(kit) {
        const server = await kit.start(['--socket', kit.socket, ...FAST]);
        const conn = await kit.connect();
        await server.waitForLine('client 1: nothing yet');
        const attack = 'ping\x1b[2J\n';
        conn.send(attack);
        await server.waitForLine('client 1: "ping\\u001b[2J"');
        await conn.close();
        await server.waitForLine('client 1: left');
        if (server.proc.output.includes('\x1b'))
          kit.fail({
            sent: attack,
            expected: 'no raw escape character in the output',
            got: 'one',
          });
      },
    },
    {
      promise: 5,
      name: 'a second client is served while the first is silent',
      async run(kit) {
        const server = await kit.start(['--socket', kit.socket, ...FAST]);
        const first = await kit.connect();
        await server.waitForLine(/client 1 connected/);
        const second = await kit.connect();
        second.send('ping\n');
        await second.close();
        await server.waitForLine('client 2: left');
        if (
          first.socket.destroyed ||
          server.proc.output.includes('client 1: left')
        )
          kit.fail({
            expected: 'client 1 to stay connected meanwhile',
            got: 'it was gone',
          });
      },
    },
    {
      promise: 6,
      name: '--interval sets the nap',
      async run(kit) {
        const server = await kit.start([
          '--socket',
          kit.socket,
          '--interval',
          '0',
        ]);
        await server.waitForLine(/^tick 50 \|/);
      },
    },
    {
      promise: 7,
      name: 'SIGTERM: exit 0, file gone',
      run: (kit) => stopsCleanlyOn(kit, 'SIGTERM'),
    },
    {
      promise: 7,
      name: 'SIGINT too',
      run: (kit) => stopsCleanlyOn(kit, 'SIGINT'),
    },
    {
      promise: 7,
      name: 'SIGHUP too',
      run: (kit) => stopsCleanlyOn(kit, 'SIGHUP'),
    },
  ],
} satisfies Contract;
