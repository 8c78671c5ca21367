/**
 * Lesson 06 · subscriptions: the rally daemon counts pings, clients get the count or
 * subscribe to every change. Every test drives real processes (fake daemons for the
 * watcher's failure cases run in the test itself); several promises per daemon start.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectLines,
  hasCommand,
  REPO_ROOT,
  runScript,
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

const PING = '{"type":"ping"}\n';

/** The lesson's shell commands, verbatim; `$sock` is set to the test's socket. */
const STALL_BY_HAND = `(echo '{"type":"subscribe"}'; sleep 600) | socat - UNIX-CONNECT:"$sock" | sleep 600`;
const FLOOD_BY_HAND = `yes '{"type":"ping"}' | head -n 50000 | socat - UNIX-CONNECT:"$sock" > /dev/null`;
const SS_CONNECTIONS = 'ss -xa | grep "$sock"';
const SOCAT_GET = `echo '{"type":"get"}' | socat - UNIX-CONNECT:"$sock"`;
const PYTHON_WATCHER = 'python3 demos/06-subscriptions/watch.py --updates 3';
const QUEUE_COST =
  'node --expose-gc --import tsx demos/06-subscriptions/queue-cost.ts';

/** A private runtime folder of the test's own, as $XDG_RUNTIME_DIR: the default path lands in it. */
function runtimeEnv(): { env: NodeJS.ProcessEnv; sock: string } {
  const runtime = tempDir();
  chmodSync(runtime, 0o700);
  return {
    env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    sock: join(runtime, 'ping-pong', '06.sock'),
  };
}

/** Runs a lesson command from the repo root with `$sock` set; resolves with its stdout. */
function shell(
  command: string,
  sock: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', command],
      {
        cwd: REPO_ROOT,
        env: { ...env, sock },
        timeout: 20_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${command}: ${stderr}`)) : resolve(stdout),
    );
  });
}

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

/** Fake daemons that live in the test process, closed after each test. */
const fakes = new Set<net.Server>();
const fakeConnections = new Set<net.Socket>();
afterEach(async () => {
  for (const socket of fakeConnections) socket.destroy();
  fakeConnections.clear();
  await Promise.all(
    [...fakes].map(
      (server) => new Promise((done) => server.close(() => done(undefined))),
    ),
  );
  fakes.clear();
});
async function fakeDaemon(
  path: string,
  onConnection: (socket: net.Socket) => void,
): Promise<void> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    fakeConnections.add(socket);
    onConnection(socket);
  });
  fakes.add(server);
  await new Promise<void>((done) => server.listen(path, done));
}

describe('06-subscriptions: the rally daemon', () => {
  it('on its default path: watchers get every update in order, the CLI pings and gets, unsubscribe and leaving end updates, a late joiner misses nothing, bad input gets an error, socat, ss, Python and fanout.ts take part; the watcher outlives a kill -9 and resubscribes to the new daemon', async () => {
    const { env, sock } = runtimeEnv();
    const { server } = await startServer('06', [], { env });
    expect(server.matching(/listening on/)[0]).toContain(sock);

    // One watch.ts (it outlives the daemon below) and one raw subscriber.
    const watcher = spawnScript('06', 'watch.ts', ['--max-retry-ms', '200'], {
      env,
    });
    const gone = await subscriber(sock);
    await watcher.waitForLine('subscribed: count is 0');
    const ping = await runScript('06', 'client.ts', ['--ping'], { env });
    expect(ping.exitStatus.code, ping.output).toBe(0);
    expect(ping.stdout).toBe('pong: count is 1');
    expect(await nextReply(gone)).toEqual({ type: 'update', count: 1 });
    const pinger = await connectLines(sock);
    pinger.send(PING.repeat(4));
    for (const count of [2, 3, 4, 5]) {
      expect(await nextReply(pinger)).toEqual({ type: 'pong', count });
      expect(await nextReply(gone)).toEqual({ type: 'update', count });
    }
    await watcher.waitForLine('update: count is 5');
    expect(watcher.matching(/^update:/)).toEqual(
      [1, 2, 3, 4, 5].map((count) => `update: count is ${count}`),
    );
    const get = await runScript('06', 'client.ts', ['--get'], { env });
    expect(get.stdout).toBe('count is 5');

    // A subscriber that vanishes leaves the set.
    gone.socket.destroy();
    await server.waitForLine(/disconnected \(2 connected, 1 subscribed\)/);

    // A late joiner: pings between its get and its subscribe are in the subscribe reply's count.
    const late = await connectLines(sock);
    late.send('{"type":"get"}\n');
    expect(await nextReply(late)).toEqual({ type: 'count', count: 5 });
    pinger.send(PING.repeat(3));
    for (const count of [6, 7, 8])
      expect(await nextReply(pinger)).toEqual({ type: 'pong', count });
    late.send('{"type":"subscribe"}\n');
    expect(await nextReply(late)).toEqual({ type: 'subscribed', count: 8 });
    pinger.send(PING);
    expect(await nextReply(pinger)).toEqual({ type: 'pong', count: 9 });
    expect(await nextReply(late)).toEqual({ type: 'update', count: 9 });
    // Unsubscribe: no more updates (one connection delivers in order, so the get reply proves it).
    late.send('{"type":"unsubscribe"}\n');
    expect(await nextReply(late)).toEqual({ type: 'unsubscribed' });
    pinger.send(PING);
    expect(await nextReply(pinger)).toEqual({ type: 'pong', count: 10 });
    late.send('{"type":"get"}\n');
    expect(await nextReply(late)).toEqual({ type: 'count', count: 10 });

    // Bad input: an error with the reason, and the connection stays.
    late.send('this is not json\n{"type":"foo"}\n[1,2]\n{"count":1}\n');
    expect(await nextReply(late)).toMatchObject({
      type: 'error',
      message: expect.stringContaining('bad JSON'),
    });
    expect(await nextReply(late)).toEqual({
      type: 'error',
      message:
        'unknown type "foo": expected ping, get, subscribe or unsubscribe',
    });
    expect(await nextReply(late)).toMatchObject({
      type: 'error',
      message: expect.stringContaining('JSON object'),
    });
    expect(await nextReply(late)).toMatchObject({
      type: 'error',
      message: expect.stringContaining('"type"'),
    });
    // A line that never ends is the one thing that costs the connection.
    const flooder = await connectLines(sock);
    flooder.send('x'.repeat(70 * 1024));
    expect(await nextReply(flooder)).toMatchObject({
      type: 'error',
      message: expect.stringContaining('line longer than'),
    });
    expect(await flooder.nextLine()).toBeUndefined();

    if (hasCommand('socat'))
      expect(await shell(SOCAT_GET, sock)).toBe(
        '{"type":"count","count":10}\n',
      );
    if (hasCommand('ss')) {
      const lines = (await shell(SS_CONNECTIONS, sock)).trim().split('\n');
      expect(lines.filter((line) => line.includes('LISTEN'))).toHaveLength(1);
      // the pinger, the late joiner and the watcher
      expect(lines.filter((line) => line.includes('ESTAB'))).toHaveLength(3);
    }
    if (hasCommand('python3')) {
      const python = spawnShell(PYTHON_WATCHER, { env });
      await python.waitForLine('subscribed 10');
      pinger.send(PING.repeat(3));
      expect((await python.waitForExit(10_000)).code, python.output).toBe(0);
      expect(python.lines.map((line) => line.text)).toEqual([
        'subscribed 10',
        'update 11',
        'update 12',
        'update 13',
      ]);
    }
    // fanout.ts measures against the same daemon (it reads the count before it pings).
    const fanout = await runScript(
      '06',
      'fanout.ts',
      ['--subscribers', '5', '--updates', '3'],
      { env },
    );
    expect(fanout.exitStatus.code, fanout.output).toBe(0);
    expect(fanout.stdout).toMatch(/p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(fanout.stdout).toMatch(
      /15 deliveries in [\d.]+ s: \d+ deliveries\/s/,
    );

    // A crash: kill -9 leaves the socket file; the watcher keeps knocking, and a new
    // daemon on the same path clears the stale file; its count is back at 0.
    server.kill('SIGKILL');
    await server.waitForExit();
    expect(existsSync(sock)).toBe(true);
    await watcher.waitForLine('the daemon went away');
    await watcher.waitForLine(/^reconnecting in \d+ ms$/, { count: 2 });
    const { server: second } = await startServer('06', [], { env });
    await watcher.waitForLine(/subscribed: count is 0 \(a new daemon/);
    const again = await connectLines(sock);
    again.send(PING);
    expect(await nextReply(again)).toEqual({ type: 'pong', count: 1 });
    await watcher.waitForLine('update: count is 1', { count: 2 });
    watcher.kill('SIGINT');
    expect((await watcher.waitForExit()).code).toBe(0);
    expect(watcher.stdout).toContain('SIGINT: stopped watching');
    second.kill('SIGTERM');
    expect((await second.waitForExit()).code).toBe(0);
    expect(await again.nextLine()).toBeUndefined();
    expect(existsSync(sock)).toBe(false);
  });

  it('five subscribers that never read are dropped at the cap while another gets every update in order; so is socat into a sleep, as the lesson shows; SIGHUP exits 0', async () => {
    const cap = 64 * 1024;
    const { server, socket } = await startDaemon([
      '--max-queue-bytes',
      String(cap),
    ]);
    const pinger = await connectLines(socket);
    let sent = 0;
    const ping = async (batch: number, reader: LineClient): Promise<void> => {
      pinger.send(PING.repeat(batch));
      for (let count = sent + 1; count <= sent + batch; count++) {
        expect(await nextReply(pinger)).toEqual({ type: 'pong', count });
        expect(await nextReply(reader)).toEqual({ type: 'update', count });
      }
      sent += batch;
    };
    const stalled = await Promise.all(
      Array.from({ length: 5 }, () => subscriber(socket)),
    );
    for (const client of stalled) client.socket.pause(); // from now on they read nothing
    const reader = await subscriber(socket);
    while (server.matching(/dropped: it stopped reading/).length < 5) {
      if (sent >= 20_000)
        throw new Error('the stalled subscribers were never dropped');
      await ping(500, reader);
    }
    await ping(100, reader); // life goes on for everyone else
    await reader.close();
    if (hasCommand('socat')) {
      // By hand, as the lesson shows. Its own process group: the teardown kills the sleeps too.
      spawnShell(STALL_BY_HAND, { env: { ...process.env, sock: socket } });
      await server.waitForLine('client 8 subscribed');
      await shell(FLOOD_BY_HAND, socket);
      // (Node 22 and later: the high-water mark is 64 KiB, as high as this cap, so the
      // drop may come before write() ever says "falling behind".)
      await server.waitForLine(/client 8 dropped: it stopped reading/);
    }
    for (const line of server.matching(/dropped: it stopped reading/)) {
      const queued = Number(/\((\d+) bytes queued/.exec(line)?.[1]);
      expect(queued).toBeLessThanOrEqual(cap);
    }
    server.kill('SIGHUP'); // a closed terminal
    expect((await server.waitForExit()).code).toBe(0);
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(socket)).toBe(false);
  });

  it("queue-cost.ts: a stalled subscriber's queued updates hold about their bytes in a Backlog, and several times that in Node's queue", async () => {
    const cost = await shell(QUEUE_COST, '');
    const perLine = (label: string): number =>
      Number(new RegExp(`${label}.*, (\\d+) bytes per line`).exec(cost)?.[1]);
    const lineBytes = Number(/updates of (\d+) bytes/.exec(cost)?.[1]);
    expect(perLine('a Backlog'), cost).toBeLessThan(2 * lineBytes);
    expect(perLine("Node's write queue"), cost).toBeGreaterThan(
      perLine('a Backlog'),
    );
  });

  it('with no daemon, the CLI and the Python watcher say what is wrong in one line', async () => {
    const dir = tempDir();
    const missing = await runScript('06', 'client.ts', [
      '--socket',
      join(dir, 'none.sock'),
      '--get',
    ]);
    expect(missing.exitStatus.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^no socket file at .*none\.sock: .*demos\/06-subscriptions\/server\.ts$/,
    );
    if (hasCommand('python3')) {
      const help = await shell(`${PYTHON_WATCHER} --help`, '');
      expect(help).toContain('--socket PATH');
      await expect(
        shell(`${PYTHON_WATCHER} --socket ${join(dir, 'none.sock')}`, ''),
      ).rejects.toThrow(/cannot connect to .*none\.sock: .*server\.ts\n$/);
    }
  });
});

describe('06-subscriptions: the watcher', () => {
  // Last, another user takes the freed path while the daemon is away. The private runtime
  // folder makes that impossible by default, so this uses --socket in a shared, sticky folder.
  // The system's python3: a python3 under root's home (pyenv) is out of nobody's reach.
  const systemPython = existsSync('/usr/bin/python3')
    ? '/usr/bin/python3'
    : 'python3';
  const canBeNobody =
    process.getuid?.() === 0 &&
    hasCommand('setpriv') &&
    hasCommand(systemPython);
  it('gives up on a daemon that never answers; backs off further each time against one that says subscribed and then fails; refuses an impostor (user nobody) on the freed path, and keeps checking', async () => {
    const shared = tempDir();
    chmodSync(shared, 0o1777); // like /tmp: anyone may create a file here
    const path = join(shared, '06.sock');
    // Fake daemons of ours, in the test process. The first connection: accepted, never
    // answered. Then: `subscribed`, and hang up at once.
    let connections = 0;
    await fakeDaemon(path, (socket) => {
      if (++connections > 1)
        socket.once('data', () =>
          socket.end('{"type":"subscribed","count":0}\n'),
        );
    });
    const watcher = spawnScript('06', 'watch.ts', [
      '--socket',
      path,
      '--reply-timeout-ms',
      '300',
      '--max-retry-ms',
      '1000',
    ]);
    await watcher.waitForLine('no reply within 300 ms: hanging up');
    await watcher.waitForLine(/^reconnecting in \d+ ms$/, { count: 5 });
    expect(
      watcher.matching(/^subscribed: count is 0/).length,
    ).toBeGreaterThanOrEqual(3);
    const delays = watcher
      .matching(/^reconnecting in \d+ ms$/)
      .map((line) => Number(/\d+/.exec(line)?.[0]));
    // 100, 200, 400, 800 ms, each jittered to between half and all of it:
    // a `subscribed` alone must not reset the backoff.
    expect(delays[3]).toBeGreaterThanOrEqual(400);

    if (!canBeNobody) {
      if (process.env.CI) throw new Error('CI runs as root with setpriv');
      return; // the impostor needs root, to become nobody
    }
    // The daemon goes away (closing the server removes its socket file): the path is free.
    for (const connection of fakeConnections) connection.destroy();
    await Promise.all(
      [...fakes].map((fake) => new Promise((done) => fake.close(done))),
    );
    fakes.clear();
    const impostor = spawnShell(
      `setpriv --reuid=nobody --regid=nogroup --clear-groups ${systemPython} - ${path}`,
      { cwd: shared }, // a folder nobody may enter (the repository may not be)
    );
    impostor.child.stdin?.end(
      [
        'import socket, sys',
        's = socket.socket(socket.AF_UNIX)',
        's.bind(sys.argv[1])',
        's.listen()',
        'print("impostor listening", flush=True)',
        'while True:',
        '    c, _ = s.accept()',
        '    c.sendall(b\'{"type":"subscribed","count":999}\\n\')',
      ].join('\n'),
    );
    await impostor.waitForLine('impostor listening');
    await watcher.waitForLine(
      /06\.sock is owned by uid \d+, not you: refusing to talk to it/,
      { count: 2 },
    );
    // (Not a bare '999': the temp folder's name holds a pid, which may contain it.)
    expect(watcher.matching(/count is 999/)).toEqual([]);
    expect(watcher.exitStatus).toBeUndefined();
  });
});

// The lesson's own programs and modules, not a server that verify swaps in.
describe.skipIf(verifying('06'))('06-subscriptions: by hand', () => {
  it('the bare program: subscribers hear every ping, bad lines get an error, Ctrl-C removes its folder', async () => {
    const bare = spawnScript('06', 'bare.ts', []);
    const path = (await bare.waitForLine(/^listening on /)).replace(
      'listening on ',
      '',
    );
    const watcher = await subscriber(path);
    const pinger = await connectLines(path);
    pinger.send(`${PING}hello\n`);
    expect(await nextReply(pinger)).toEqual({ type: 'pong', count: 1 });
    expect(await nextReply(pinger)).toMatchObject({ type: 'error' });
    expect(await nextReply(watcher)).toEqual({ type: 'update', count: 1 });
    bare.kill('SIGINT');
    expect((await bare.waitForExit()).code).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it('messages.ts accepts the four requests, names what it expected otherwise, and refuses a count that is not a whole number', () => {
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
    expect(parseReply('{"type":"update","count":"3"}').ok).toBe(false);
    expect(parseReply('{"type":"update","count":3}')).toEqual({
      ok: true,
      message: { type: 'update', count: 3 },
    });
  });
});
