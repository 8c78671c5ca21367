/**
 * Lesson 06 · subscriptions: the rally daemon counts pings, clients get the count or
 * subscribe to every change. Every test drives real processes; `npm run verify -- 06
 * my-server.ts` runs the end-to-end ones against a learner's daemon.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectLines,
  hasCommand,
  runScript,
  runShell,
  spawnScript,
  spawnShell,
  startServer,
  tempDir,
  verifying,
  type DemoProcess,
  type LineClient,
} from './harness/index.ts';
import {
  parseReply,
  parseRequest,
  type Reply,
} from '../demos/06-subscriptions/messages.ts';

const DEFAULT_SOCKET = '/tmp/ping-pong-06.sock';
const PING = '{"type":"ping"}\n';

/** A fresh daemon on a socket in a fresh temp directory. */
async function startDaemon(
  extraArgs: string[] = [],
): Promise<{ server: DemoProcess; socket: string }> {
  const socket = join(tempDir(), '06.sock');
  const { server } = await startServer('06', [
    '--socket',
    socket,
    ...extraArgs,
  ]);
  return { server, socket };
}

/** The next line from the daemon, as the typed message it must be. */
async function nextReply(client: LineClient): Promise<Reply> {
  const line = await client.nextLine();
  if (line === undefined) throw new Error('the daemon closed the connection');
  const reply = parseReply(line);
  if (!reply.ok) throw new Error(`not a reply (${reply.error}): ${line}`);
  return reply.message;
}

async function subscriber(socket: string): Promise<LineClient> {
  const client = await connectLines(socket);
  client.send('{"type":"subscribe"}\n');
  expect((await nextReply(client)).type).toBe('subscribed');
  return client;
}

/** Resident memory of a process in KiB, from /proc/<pid>/status (Linux). */
function residentKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return Number(match?.[1]);
}

describe('06-subscriptions: the rally daemon', () => {
  it('three watchers each receive every update in order, and stop cleanly on SIGINT', async () => {
    const { socket } = await startDaemon();
    const watchers = [1, 2, 3].map(() =>
      spawnScript('06', 'watch.ts', ['--socket', socket]),
    );
    await Promise.all(
      watchers.map((watcher) => watcher.waitForLine('subscribed: count is 0')),
    );
    const pinger = await connectLines(socket);
    pinger.send(PING.repeat(5));
    await Promise.all(
      watchers.map((watcher) => watcher.waitForLine('update: count is 5')),
    );
    for (const watcher of watchers) {
      expect(watcher.matching(/^update:/)).toEqual(
        [1, 2, 3, 4, 5].map((count) => `update: count is ${count}`),
      );
    }
    const [first] = watchers;
    first?.kill('SIGINT');
    expect((await first?.waitForExit())?.code).toBe(0);
  });

  it('client.ts --ping raises the count, --get reads it, and without a daemon it says what to start', async () => {
    const { socket } = await startDaemon();
    expect(
      (await runScript('06', 'client.ts', ['--socket', socket, '--ping']))
        .stdout,
    ).toBe('pong: count is 1');
    const get = await runScript('06', 'client.ts', [
      '--socket',
      socket,
      '--get',
    ]);
    expect(get.exitStatus.code).toBe(0);
    expect(get.stdout).toBe('count is 1');
    const missing = await runScript('06', 'client.ts', [
      '--socket',
      join(tempDir(), 'none.sock'),
      '--get',
    ]);
    expect(missing.exitStatus.code).toBe(1);
    expect(missing.stderr).toContain('demos/06-subscriptions/server.ts');
  });

  it('a late subscriber learns the current count from the reply to subscribe, not from updates it missed', async () => {
    const { socket } = await startDaemon();
    const late = await connectLines(socket);
    const pinger = await connectLines(socket);
    late.send('{"type":"get"}\n');
    expect(await nextReply(late)).toEqual({ type: 'count', count: 0 });
    pinger.send(PING.repeat(3)); // between our get and our subscribe: we are not subscribed yet
    for (const count of [1, 2, 3])
      expect(await nextReply(pinger)).toEqual({ type: 'pong', count });
    late.send('{"type":"subscribe"}\n');
    expect(await nextReply(late)).toEqual({ type: 'subscribed', count: 3 });
    pinger.send(PING);
    expect(await nextReply(late)).toEqual({ type: 'update', count: 4 });
  });

  it('unsubscribe stops updates', async () => {
    const { socket } = await startDaemon();
    const watcher = await subscriber(socket);
    const pinger = await connectLines(socket);
    pinger.send(PING);
    expect(await nextReply(watcher)).toEqual({ type: 'update', count: 1 });
    watcher.send('{"type":"unsubscribe"}\n');
    expect(await nextReply(watcher)).toEqual({ type: 'unsubscribed' });
    pinger.send(PING);
    expect(await nextReply(pinger)).toEqual({ type: 'pong', count: 1 });
    expect(await nextReply(pinger)).toEqual({ type: 'pong', count: 2 });
    // One connection delivers in order: had update 2 been sent to us, it would come before this reply.
    watcher.send('{"type":"get"}\n');
    expect(await nextReply(watcher)).toEqual({ type: 'count', count: 2 });
  });

  it('a killed watcher is removed from the subscribers, and the daemon carries on', async () => {
    const { server, socket } = await startDaemon();
    const watcher = spawnScript('06', 'watch.ts', ['--socket', socket]);
    await watcher.waitForLine('subscribed: count is 0');
    watcher.kill('SIGKILL');
    await server.waitForLine(/disconnected \(0 connected, 0 subscribed\)/);
    const pinger = await connectLines(socket);
    pinger.send(PING);
    expect(await nextReply(pinger)).toEqual({ type: 'pong', count: 1 });
  });

  it('watch.ts resubscribes after the daemon restarts and keeps receiving', async () => {
    const first = await startDaemon();
    const watcher = spawnScript('06', 'watch.ts', [
      '--socket',
      first.socket,
      '--max-retry-ms',
      '200',
    ]);
    await watcher.waitForLine('subscribed: count is 0');
    const pinger = await connectLines(first.socket);
    pinger.send(PING.repeat(2));
    await watcher.waitForLine('update: count is 2');

    first.server.kill('SIGTERM');
    expect((await first.server.waitForExit()).code).toBe(0);
    await watcher.waitForLine('the daemon went away');
    await watcher.waitForLine(/^reconnecting in \d+ ms$/, { count: 2 }); // still knocking on an empty door

    await startServer('06', ['--socket', first.socket]); // a new daemon on the same path, count back at 0
    await watcher.waitForLine(/subscribed: count is 0 \(a new daemon/);
    const again = await connectLines(first.socket);
    again.send(PING);
    await watcher.waitForLine('update: count is 1', { count: 2 });
  });

  it('a subscriber that never reads is dropped past its cap; the others still get every update and memory stays bounded', async () => {
    const cap = 32 * 1024;
    const { server, socket } = await startDaemon([
      '--max-queue-bytes',
      String(cap),
    ]);
    const stalled = await subscriber(socket); // client 1
    stalled.socket.pause(); // stop reading: the kernel buffers fill, then the daemon's queue
    await server.waitForLine('client 1 connected');
    const reader = await subscriber(socket);
    const pinger = await connectLines(socket);

    const rssBefore = residentKiB(server.child.pid ?? 0);
    let sent = 0;
    const readUpdates = async (upTo: number): Promise<void> => {
      for (let expected = sent + 1; expected <= upTo; expected++) {
        expect(await nextReply(reader)).toEqual({
          type: 'update',
          count: expected,
        });
        expect(await nextReply(pinger)).toEqual({
          type: 'pong',
          count: expected,
        });
      }
      sent = upTo;
    };
    // Ping in batches until the daemon gives up on the stalled subscriber.
    while (server.matching(/client 1 dropped/).length === 0 && sent < 50_000) {
      pinger.send(PING.repeat(500));
      await readUpdates(sent + 500);
    }
    const dropped = await server.waitForLine(/client 1 dropped/);
    const queued = Number(/\((\d+) bytes queued/.exec(dropped)?.[1]);
    expect(queued).toBeLessThanOrEqual(cap);
    await server.waitForLine(/client 1 disconnected/);

    pinger.send(PING.repeat(100)); // life goes on for everyone else
    await readUpdates(sent + 100);
    expect(residentKiB(server.child.pid ?? 0) - rssBefore).toBeLessThan(
      100 * 1024,
    );
  });

  it('answers bad JSON and unknown types with an error message, and the connection stays (an endless line closes it)', async () => {
    const { socket } = await startDaemon();
    const client = await connectLines(socket);
    client.send('this is not json\n{"type":"foo"}\n[1,2]\n{"count":1}\n');
    expect(await nextReply(client)).toMatchObject({
      type: 'error',
      message: expect.stringContaining('bad JSON'),
    });
    expect(await nextReply(client)).toEqual({
      type: 'error',
      message:
        'unknown type "foo": expected ping, get, subscribe or unsubscribe',
    });
    expect(await nextReply(client)).toMatchObject({
      type: 'error',
      message: expect.stringContaining('JSON object'),
    });
    expect(await nextReply(client)).toMatchObject({
      type: 'error',
      message: expect.stringContaining('"type"'),
    });
    client.send('{"type":"ping"}\n');
    expect(await nextReply(client)).toEqual({ type: 'pong', count: 1 });

    // A line that never ends is the one thing that costs the connection: memory must stay bounded.
    const flooder = await connectLines(socket);
    flooder.send('x'.repeat(70 * 1024));
    expect(await nextReply(flooder)).toMatchObject({
      type: 'error',
      message: expect.stringContaining('line longer than'),
    });
    expect(await flooder.nextLine()).toBeUndefined();
    client.send('{"type":"get"}\n');
    expect(await nextReply(client)).toEqual({ type: 'count', count: 1 });
  });

  it('a python3 subscriber receives updates', async () => {
    const { socket } = await startDaemon();
    const python = spawnShell(
      'python3 demos/06-subscriptions/watch.py /tmp/ping-pong-06.sock 3'.replaceAll(
        DEFAULT_SOCKET,
        socket,
      ),
    );
    await python.waitForLine('subscribed 0');
    const pinger = await connectLines(socket);
    pinger.send(PING.repeat(3));
    expect((await python.waitForExit(10_000)).code, python.output).toBe(0);
    expect(python.lines.map((line) => line.text)).toEqual([
      'subscribed 0',
      'update 1',
      'update 2',
      'update 3',
    ]);
  });

  // socat is optional; without it the lesson's one-liner cannot run.
  it.skipIf(!hasCommand('socat'))(
    'socat gets the count with one line of JSON',
    async () => {
      const { socket } = await startDaemon();
      const command = `echo '{"type":"get"}' | socat - UNIX-CONNECT:/tmp/ping-pong-06.sock`;
      expect(await runShell(command.replaceAll(DEFAULT_SOCKET, socket))).toBe(
        '{"type":"count","count":0}\n',
      );
    },
  );

  // socat is optional; the lesson stalls a subscriber by hand with it.
  it.skipIf(!hasCommand('socat'))(
    'a subscriber stalled by hand (socat into a sleep) is dropped, as the lesson shows',
    async () => {
      const { server, socket } = await startDaemon([
        '--max-queue-bytes',
        '131072',
      ]);
      const stalled = `(echo '{"type":"subscribe"}'; sleep 600) | socat - UNIX-CONNECT:/tmp/ping-pong-06.sock | sleep 600`;
      // The test's teardown kills the command's process group, sleeps and all.
      spawnShell(stalled.replaceAll(DEFAULT_SOCKET, socket));
      await server.waitForLine('client 1 subscribed');
      const flood = `yes '{"type":"ping"}' | head -n 10000 | socat - UNIX-CONNECT:/tmp/ping-pong-06.sock > /dev/null`;
      await runShell(flood.replaceAll(DEFAULT_SOCKET, socket), 20_000);
      await server.waitForLine(/client 1 is falling behind/);
      await server.waitForLine(/client 1 dropped: it stopped reading/);
      await server.waitForLine(/client 1 disconnected/);
    },
  );

  // ss (iproute2) is optional; it shows the kernel's view of the connections.
  it.skipIf(!hasCommand('ss'))(
    'ss lists the listening socket and one line per connected subscriber',
    async () => {
      const { socket } = await startDaemon();
      await subscriber(socket);
      await subscriber(socket);
      const lines = (
        await runShell(
          'ss -xa | grep /tmp/ping-pong-06.sock'.replaceAll(
            DEFAULT_SOCKET,
            socket,
          ),
        )
      )
        .trim()
        .split('\n');
      expect(lines.filter((line) => line.includes('LISTEN'))).toHaveLength(1);
      expect(lines.filter((line) => line.includes('ESTAB'))).toHaveLength(2);
    },
  );

  it('fanout.ts prints p50, p99 and deliveries per second', async () => {
    const { socket } = await startDaemon();
    const fanout = await runScript('06', 'fanout.ts', [
      '--socket',
      socket,
      '--subscribers',
      '5',
      '--updates',
      '3',
    ]);
    expect(fanout.exitStatus.code).toBe(0);
    expect(fanout.stdout).toMatch(/p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(fanout.stdout).toMatch(
      /15 deliveries in [\d.]+ s: \d+ deliveries\/s/,
    );
  });
});

// In-process checks of the shared parser; they test the reference protocol module, not a learner's server.
describe.skipIf(verifying('06'))('06-subscriptions: messages.ts', () => {
  it('accepts the four requests and names what it expected otherwise', () => {
    for (const type of ['ping', 'get', 'subscribe', 'unsubscribe']) {
      expect(parseRequest(JSON.stringify({ type }))).toEqual({
        ok: true,
        message: { type },
      });
    }
    expect(parseRequest('{"type":"pong"}')).toEqual({
      ok: false,
      error:
        'unknown type "pong": expected ping, get, subscribe or unsubscribe',
    });
    expect(parseRequest('null').ok).toBe(false);
    expect(parseRequest('{"type":7}').ok).toBe(false);
  });

  it('refuses a reply whose count is not a whole number', () => {
    expect(parseReply('{"type":"update","count":"3"}').ok).toBe(false);
    expect(parseReply('{"type":"update","count":3}')).toEqual({
      ok: true,
      message: { type: 'update', count: 3 },
    });
  });
});
