/**
 * Lesson 02's first exercise, "write the blocking server yourself": what
 * `npm run verify -- 02` checks, promise by promise. The promises are worded exactly
 * as the lesson's "Your server must…" list. Every check asserts the order of the
 * server's lines, never how long something took.
 */
import { existsSync } from 'node:fs';
import {
  saysWhereItListens,
  type Contract,
  type Kit,
  type RunningServer,
} from '../../../test/tools/verify-kit.ts';

/** Fails unless the server printed lines matching `patterns`, in this order. */
function expectOrder(
  kit: Kit,
  server: RunningServer,
  patterns: RegExp[],
): void {
  const lines = server.proc.lines.map((line) => line.text);
  let from = 0;
  for (const pattern of patterns) {
    const at = lines.findIndex(
      (text, index) => index >= from && pattern.test(text),
    );
    if (at === -1)
      kit.fail({
        expected: `lines matching ${patterns.map(String).join(', ')}, in this order`,
        got: `no ${String(pattern)} after the earlier ones; the server printed ${kit.quote(lines.join('\n'))}`,
      });
    from = at + 1;
  }
}

/** A client connects and holds the line, then a second one pings and leaves. */
async function holdAndPing(kit: Kit, server: RunningServer) {
  const holder = await kit.connect();
  await server.waitForLine(/client 1 connected/);
  const second = await kit.connect();
  second.send('ping\n');
  second.socket.end(); // not close(): that would wait for a server that is busy with client 1
  return holder;
}

async function stopsCleanlyOn(kit: Kit, signal: NodeJS.Signals): Promise<void> {
  const server = await kit.start();
  const holder = await holdAndPing(kit, server);
  const status = await server.stop(signal);
  if (status.code !== 0 || existsSync(kit.socket))
    kit.fail({
      expected: `exit code 0 and no socket file after ${signal}, with a client holding the line and one queued`,
      got: `${status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`}; the socket file is ${existsSync(kit.socket) ? 'still there' : 'gone'}`,
    });
  await holder.expectClosed();
}

export default {
  // #region contract
  promises: [
    'print a line containing `listening on <path>` once it accepts connections',
    'serve one client at a time: print `client N connected`, then each chunk it sends as `client N says: "<text>"` (escaped with `JSON.stringify`), then `client N left` when it hangs up',
    'print `tick N` after each client leaves, and never while a client is connected',
    "handle a second client's ping only after the first client leaves",
    'keep serving when a client vanishes without a word',
    'on SIGINT, SIGTERM or SIGHUP, even while a client holds the line, close every connection, remove the socket file and exit 0',
    'start again right after a `kill -9`, replacing the stale socket file',
  ],
  // #endregion contract
  checks: [
    saysWhereItListens(1),
    {
      promise: 2,
      name: 'connected, says (escaped), left',
      async run(kit) {
        const server = await kit.start();
        const conn = await kit.connect();
        conn.send('ping\n');
        await server.waitForLine('client 1 says: "ping"');
        const attack = 'hi\x1b[2J\n';
        conn.send(attack);
        await server.waitForLine('client 1 says: "hi\\u001b[2J"');
        if (server.proc.output.includes('\x1b'))
          kit.fail({
            sent: attack,
            expected: 'no raw escape character in the output',
            got: 'one',
          });
        await conn.close();
        await server.waitForLine('client 1 left');
        expectOrder(kit, server, [
          /client 1 connected/,
          /client 1 says: "ping"/,
          /client 1 left/,
        ]);
      },
    },
    {
      promise: 3,
      name: 'no tick while a client is connected',
      async run(kit) {
        const server = await kit.start();
        const holder = await holdAndPing(kit, server);
        holder.send('bye\n');
        await holder.close();
        await server.waitForLine(/tick 2/);
        expectOrder(kit, server, [
          /client 1 connected/,
          /client 1 left/,
          /tick 1/,
          /client 2 connected/,
          /client 2 left/,
          /tick 2/,
        ]);
        const beforeFirstLeft = server.proc.lines.findIndex((line) =>
          /client 1 left/.test(line.text),
        );
        if (
          server.proc.lines
            .slice(0, beforeFirstLeft)
            .some((line) => /tick/.test(line.text))
        )
          kit.fail({
            expected: 'no tick while client 1 was connected',
            got: 'a tick before `client 1 left`',
          });
      },
    },
    {
      promise: 4,
      name: "the second client's ping waits for the first",
      async run(kit) {
        const server = await kit.start();
        const holder = await holdAndPing(kit, server);
        holder.send('first\n');
        await holder.close();
        await server.waitForLine('client 2 says: "ping"');
        expectOrder(kit, server, [
          /client 1 says: "first"/,
          /client 1 left/,
          /client 2 says: "ping"/,
        ]);
      },
    },
    {
      promise: 5,
      name: 'a vanished client harms nobody',
      async run(kit) {
        const server = await kit.start();
        const rude = await kit.connect();
        rude.send('half a messa');
        await server.waitForLine(/client 1/);
        rude.socket.destroy();
        await server.waitForLine(/client 1 (left|vanished)/);
        const polite = await kit.connect();
        polite.send('still there?\n');
        await server.waitForLine('client 2 says: "still there?"');
      },
    },
    {
      promise: 6,
      name: 'SIGINT while blocked: exit 0, file gone',
      run: (kit) => stopsCleanlyOn(kit, 'SIGINT'),
    },
    {
      promise: 6,
      name: 'SIGTERM while blocked too',
      run: (kit) => stopsCleanlyOn(kit, 'SIGTERM'),
    },
    {
      promise: 6,
      name: 'SIGHUP while blocked too',
      run: (kit) => stopsCleanlyOn(kit, 'SIGHUP'),
    },
    {
      promise: 7,
      name: 'a restart right after kill -9 works',
      async run(kit) {
        const crashed = await kit.start();
        await crashed.stop('SIGKILL');
        const server = await kit.start();
        const conn = await kit.connect();
        conn.send('after the crash\n');
        await conn.close();
        await server.waitForLine('client 1 says: "after the crash"');
      },
    },
  ],
} satisfies Contract;
