/**
 * Lesson 09: who is on the other end? Every attack the lesson shows is driven
 * from outside the server, as user `nobody` (Python read from stdin, so nobody
 * needs no access to this clone), first against the naive pair, which falls,
 * then against the course's defaults, which hold.
 *
 * The lesson's commands use the default addresses (/tmp/ping-pong-naive.sock,
 * @ping-pong-naive, port 7009, ...); the tests run them verbatim with those
 * swapped for fresh ones in a world-writable, sticky folder made per test: a /tmp
 * of its own. The defaults' private folder lands there too (TMPDIR).
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import {
  DemoProcess,
  REPO_ROOT,
  connectLines,
  demoScript,
  hasCommand,
  runScript,
  serverScript,
  spawnScript,
  startServer,
  tempDir,
  withTimeout,
} from './harness/index.ts';
import { startServerProcess } from './tools/process.ts';
import { LineQueue } from '../demos/04-bidirectional/lines.ts';
import { nonce, proof } from '../demos/09-who-is-there/cookie.ts';

const NOBODY = 65534;
// Switching to nobody needs root (CI runs as root). /usr/bin/python3: a per-user
// python3 (pyenv under /root) is not executable by nobody.
const canBeNobody =
  process.getuid?.() === 0 &&
  hasCommand('setpriv') &&
  existsSync('/usr/bin/python3');
if (process.env.CI && !canBeNobody)
  throw new Error('CI must run lesson 09 as root, with setpriv and python3');
const AS_NOBODY = 'setpriv --reuid=nobody --regid=nogroup --clear-groups';
/**
 * The lesson says `sudo -u nobody`; as root, the tests use setpriv, which needs no
 * sudoers set-up. sudo resets PATH to the system's, and so do we.
 */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';

/** A folder like /tmp: world-writable, sticky, ours. Attacks and victims meet here. */
function sharedTmp(): string {
  const dir = tempDir();
  chmodSync(dir, 0o1777);
  return dir;
}

/** What to swap in a lesson's command: the default addresses for this test's own. */
type Swaps = Record<string, string>;

function shellLine(command: string, swaps: Swaps): string {
  const froms = Object.keys(swaps).sort((a, b) => b.length - a.length);
  const escape = (text: string): string =>
    text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = froms.length
    ? command.replace(
        new RegExp(froms.map(escape).join('|'), 'g'),
        (from) => swaps[from] ?? from,
      )
    : command;
  return line.replaceAll('sudo -u nobody', AS_NOBODY);
}

/** Starts a lesson command (an impostor, a Python server) and waits for its first line. */
async function spawnCommand(
  command: string,
  swaps: Swaps,
  ready: RegExp | string,
): Promise<DemoProcess> {
  const proc = new DemoProcess(shellLine(command, swaps), [], {
    launcher: ['sh', '-c'],
    ownProcessGroup: true,
    env: { PATH: SYSTEM_PATH },
  });
  await proc.waitForLine(ready);
  return proc;
}

/** Runs a lesson command to its end; resolves with its exit code and output. */
async function runCommand(
  command: string,
  swaps: Swaps = {},
): Promise<{ code: number | null; output: string }> {
  const proc = new DemoProcess(shellLine(command, swaps), [], {
    launcher: ['sh', '-c'],
    ownProcessGroup: true,
    env: { PATH: SYSTEM_PATH },
  });
  const { code } = await proc.waitForExit();
  return { code, output: proc.output };
}

/** Runs a demo to its end as the learner (root here), with extra environment. */
async function runDemo(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  const proc = await runScript('09', script, args, { env });
  return { code: proc.exitStatus.code, output: proc.output };
}

const IMPOSTOR_PONG = `(from uid ${NOBODY}, not your server)`;
const PY = 'demos/09-who-is-there/impostor.py';

// The commands lessons/09-who-is-there.md shows, verbatim.
const SQUAT_NAIVE =
  'sudo -u nobody python3 - listen /tmp/ping-pong-naive.sock < demos/09-who-is-there/impostor.py';
const LISTEN_ELSEWHERE =
  'sudo -u nobody python3 - listen /tmp/impostor.sock < demos/09-who-is-there/impostor.py';
const PLANT_SYMLINK =
  'sudo -u nobody ln -s /tmp/impostor.sock /tmp/ping-pong-naive.sock';
const SQUAT_NAME =
  'sudo -u nobody python3 - listen @ping-pong-naive < demos/09-who-is-there/impostor.py';
const KNOCK_NAIVE =
  'sudo -u nobody python3 - knock 127.0.0.1:7009 ping < demos/09-who-is-there/impostor.py';
const KNOCK_SERVER =
  'sudo -u nobody python3 - knock 127.0.0.1:41563 ping < demos/09-who-is-there/impostor.py';
const TAKE_FIFO_DIR = 'sudo -u nobody mkdir -m 777 /tmp/ping-pong-naive-fifos';
const SWAP_FIFOS =
  'sudo -u nobody python3 - fifos /tmp/ping-pong-naive-fifos < demos/09-who-is-there/impostor.py';
const TAKE_PRIVATE_DIR = 'sudo -u nobody mkdir -m 777 /tmp/ping-pong-1000';
const SQUAT_PRIVATE =
  'sudo -u nobody python3 - listen /tmp/ping-pong-1000/09.sock < demos/09-who-is-there/impostor.py';
const PEERCRED_SERVER = 'python3 demos/09-who-is-there/peercred.py';
const PEERCRED_NOBODY =
  'sudo -u nobody python3 - knock @ping-pong-09-peercred ping < demos/09-who-is-there/impostor.py';
const PEERCRED_ME =
  'python3 - knock @ping-pong-09-peercred ping < demos/09-who-is-there/impostor.py';
const PEERCRED_SS = 'ss -xlp | grep ping-pong-09-peercred';

/** The defaults' environment: no XDG_RUNTIME_DIR, so the private folder is <TMPDIR>/ping-pong-<uid>. */
function defaultsIn(tmp: string): {
  env: NodeJS.ProcessEnv;
  privateDir: string;
  swaps: Swaps;
} {
  const privateDir = join(tmp, `ping-pong-${process.getuid?.()}`);
  return {
    env: { TMPDIR: tmp, XDG_RUNTIME_DIR: '' },
    privateDir,
    swaps: { '/tmp/ping-pong-1000': privateDir, '/tmp/': `${tmp}/` },
  };
}

/** A name no other test or run uses. */
function uniqueName(tmp: string): string {
  return `pp09-${basename(tmp)}`;
}

const startNaive = (args: string[]): ReturnType<typeof startServerProcess> =>
  startServerProcess(demoScript('09', 'naive-server.ts'), args);

describe.skipIf(!canBeNobody)('09 the naive pair falls to every attack', () => {
  it('the naive client talks to whoever took its path: a squatter in a restart, or a planted symlink; the restart then fails', async () => {
    const tmp = sharedTmp();
    const path = `${tmp}/ping-pong-naive.sock`;
    // The daemon runs, then restarts: in the gap, nobody binds its predictable path.
    const { server } = await startNaive(['--socket', path]);
    server.kill('SIGTERM');
    expect((await server.waitForExit()).code).toBe(0);
    const squatter = await spawnCommand(
      SQUAT_NAIVE,
      { '/tmp/': `${tmp}/` },
      'listening on',
    );
    // Elsewhere, nobody plants a symlink at the path, pointing at its own socket.
    const other = sharedTmp();
    const planter = await spawnCommand(
      LISTEN_ELSEWHERE,
      { '/tmp/': `${other}/` },
      'listening on',
    );
    expect(
      (await runCommand(PLANT_SYMLINK, { '/tmp/': `${other}/` })).code,
    ).toBe(0);

    const [restart, squatted, followed] = await Promise.all([
      runDemo('naive-server.ts', ['--socket', path]),
      runDemo('naive-client.ts', ['--socket', path]),
      runDemo('naive-client.ts', ['--socket', `${other}/ping-pong-naive.sock`]),
    ]);
    expect(squatted.code).toBe(0); // and it thinks all is well
    expect(squatted.output).toContain(`ping 1 → "pong 1 ${IMPOSTOR_PONG}"`);
    expect(followed.code).toBe(0);
    expect(followed.output).toContain(`pong 2 ${IMPOSTOR_PONG}`);
    expect(squatter.output).toContain('impostor heard "ping 1"');
    expect(planter.output).toContain('impostor heard "ping 2"');
    expect(restart.code).toBe(1);
    expect(restart.output).toContain('EADDRINUSE');
  });

  it('a folder another user made for the FIFOs: the naive server uses it and nobody swaps the FIFOs; lesson 08 refuses it', async () => {
    const tmp = sharedTmp();
    const swaps = { '/tmp/': `${tmp}/` };
    const dir = `${tmp}/ping-pong-naive-fifos`;
    const foreign = `${tmp}/foreign-fifos`; // another one of nobody's, for lesson 08
    expect((await runCommand(TAKE_FIFO_DIR, swaps)).code).toBe(0);
    expect(
      (await runCommand(`${AS_NOBODY} mkdir -m 777 ${foreign}`)).code,
    ).toBe(0);
    const lesson08 = new DemoProcess(demoScript('08', 'server.ts'), [
      '--transport',
      'fifo',
      '--fifo-dir',
      foreign,
    ]);
    await startNaive(['--transport', 'fifo', '--fifo-dir', dir]);
    expect((await lesson08.waitForExit(10_000)).code).toBe(1);
    expect(lesson08.output).toContain(
      `${foreign} is owned by uid ${NOBODY}, not you`,
    );

    const impostor = await spawnCommand(SWAP_FIFOS, swaps, 'swapped the FIFOs');
    const client = await runDemo('naive-client.ts', [
      '--transport',
      'fifo',
      '--fifo-dir',
      dir,
    ]);
    expect(client.code).toBe(0);
    expect(client.output).toContain(`pong 1 ${IMPOSTOR_PONG}`);
    expect(impostor.output).toContain('impostor heard "ping 2"');
    expect(statSync(join(dir, 'to-server')).uid).toBe(NOBODY);
  });
});

describe.skipIf(!canBeNobody)('09 the defaults hold', () => {
  it('a socket file in the private folder: nobody cannot take the folder, the path, or the gap in a restart; the client checks the owner', async () => {
    const taken = defaultsIn(sharedTmp()); // where nobody made the private folder first
    const tmp = sharedTmp();
    const { env, privateDir, swaps } = defaultsIn(tmp);
    expect((await runCommand(TAKE_PRIVATE_DIR, taken.swaps)).code).toBe(0);
    // Impostors outside the folder, for the client's owner check.
    const impostor = await spawnCommand(
      LISTEN_ELSEWHERE,
      { '/tmp/': `${tmp}/` },
      'listening on',
    );
    expect((await runCommand(PLANT_SYMLINK, { '/tmp/': `${tmp}/` })).code).toBe(
      0,
    );
    const someCookie = join(tempDir(), 'cookie');
    writeFileSync(someCookie, `${'cd'.repeat(32)}\n`, { mode: 0o600 });
    const clientTo = (path: string): ReturnType<typeof runDemo> =>
      runDemo(
        'client.ts',
        ['--transport', 'file', '--socket', path, '--cookie', someCookie],
        env,
      );
    const [refused, running, foreign, symlink] = await Promise.all([
      runDemo('server.ts', ['--transport', 'file'], taken.env),
      startServer('09', ['--transport', 'file'], { env }),
      clientTo(`${tmp}/impostor.sock`),
      clientTo(`${tmp}/ping-pong-naive.sock`),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      `${taken.privateDir} is owned by uid ${NOBODY}, not you: refusing to use it`,
    );
    // Our server made the folder 0700, the socket and the cookie 0600.
    const socket = join(privateDir, '09.sock');
    expect(running.address).toBe(socket);
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(privateDir, '09.cookie')).mode & 0o777).toBe(0o600);
    // The client checks before it talks.
    expect(foreign.code).toBe(1);
    expect(foreign.output).toContain(
      `${tmp}/impostor.sock is owned by uid ${NOBODY}, not you: refusing to talk to it`,
    );
    expect(symlink.code).toBe(1);
    expect(symlink.output).toContain('is a symlink: refusing to follow it');
    expect(impostor.output).not.toContain('heard');

    // The restart race: our server crashes (-9); in the gap, nobody cannot get in;
    // the restart works at once, and SIGHUP leaves nothing behind.
    running.server.kill('SIGKILL');
    await running.server.waitForExit();
    const squat = await runCommand(SQUAT_PRIVATE, swaps);
    expect(squat.code).toBe(1);
    expect(squat.output).toContain(
      `could not take ${socket}: Permission denied`,
    );
    const restarted = await startServer('09', ['--transport', 'file'], { env });
    const cookie = readCookieFile(join(privateDir, '09.cookie'));
    const conn = await connectLines(socket);
    expect(await handshake(conn, cookie)).toBe('ok');
    conn.send('ping after the restart\n');
    expect(await conn.nextLine()).toBe('pong after the restart');
    restarted.server.kill('SIGHUP');
    expect((await restarted.server.waitForExit()).code).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('a squatter on an abstract name gets the naive client, but not one ping from the cookie client; our server refuses to start', async () => {
    const name = uniqueName(sharedTmp());
    const cookie = join(tempDir(), 'cookie');
    writeFileSync(cookie, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const [impostor, naiveSquatter] = await Promise.all([
      spawnCommand(
        SQUAT_NAME.replace('@ping-pong-naive', '@ping-pong-09'),
        { 'ping-pong-09': name },
        'listening on',
      ),
      spawnCommand(
        SQUAT_NAME,
        { 'ping-pong-naive': `${name}-naive` },
        'listening on',
      ),
    ]);
    const [server, naive, ours] = await Promise.all([
      runDemo('server.ts', [
        '--transport',
        'abstract',
        '--name',
        name,
        '--cookie',
        cookie,
      ]),
      runDemo('naive-client.ts', [
        '--transport',
        'abstract',
        '--name',
        `${name}-naive`,
      ]),
      runDemo('client.ts', [
        '--transport',
        'abstract',
        '--name',
        name,
        '--cookie',
        cookie,
      ]),
    ]);
    expect(server.code).toBe(1);
    expect(server.output).toContain('the address is taken (EADDRINUSE)');
    expect(naive.code).toBe(0);
    expect(naive.output).toContain(`pong 1 ${IMPOSTOR_PONG}`);
    expect(naiveSquatter.output).toContain('impostor heard "ping 1"');
    expect(ours.code).toBe(1);
    expect(ours.output).toContain(
      `whoever answers on @${name} does not know the cookie in ${cookie}: not our server`,
    );
    expect(impostor.matching('impostor heard')).toHaveLength(1); // our hello: one random number
    expect(impostor.output).toMatch(/impostor heard "hello [0-9a-f]{32}"/);
  });

  it('TCP on 127.0.0.1: any user and any web page reach the naive server; ours answers only the cookie', async () => {
    const cookieDir = tempDir();
    const cookie = join(cookieDir, 'cookie');
    const [naive, ours] = await Promise.all([
      startNaive(['--transport', 'tcp', '--port', '0']),
      startServer('09', [
        '--cookie',
        cookie,
        '--max-clients',
        '2',
        '--auth-seconds',
        '1',
      ]),
    ]);
    const port = ours.address.split(':')[1] ?? '';
    // Another local user, and what a browser tab can send (fetch() to 127.0.0.1 needs no permission).
    const webPage = (address: string): Promise<unknown> =>
      fetch(`http://${address}/`, {
        method: 'POST',
        body: 'ping from a web page\n',
      }).catch(() => undefined);
    const [naiveKnock, ourKnock] = await Promise.all([
      runCommand(KNOCK_NAIVE, { '127.0.0.1:7009': naive.address }),
      runCommand(KNOCK_SERVER, { '127.0.0.1:41563': ours.address }),
      webPage(naive.address),
      webPage(ours.address),
    ]);
    expect(naiveKnock.output).toContain(
      `connected to ${naive.address} as uid ${NOBODY}`,
    );
    expect(naiveKnock.output).toContain('got "pong"');
    await naive.server.waitForLine('"ping from a web page"');
    expect(naive.server.output).toContain('"POST / HTTP/1.1"');

    expect(ourKnock.output).toContain(
      'got "error authenticate first: send hello <32 hex digits>"',
    );
    expect(ourKnock.output).not.toContain('pong');
    await ours.server.waitForLine('refused', { count: 2 });
    expect(ours.server.output).not.toContain('authenticated');

    // The cookie's owner gets in: our client, and a Python client (another language).
    const client = await runDemo('client.ts', [
      '--port',
      port,
      '--cookie',
      cookie,
    ]);
    expect(client.code, client.output).toBe(0);
    expect(client.output).toContain(
      `127.0.0.1:${port} proved it knows the cookie`,
    );
    expect(client.output).toContain('3 pings, 3 pongs');
    const python = await withTimeout(
      pythonClient(port, cookie),
      10_000,
      'python client',
    );
    expect(python).toEqual(['ok', 'pong from python', 'error wrong cookie']);

    // The limits: a line too long, a client that never authenticates, too many clients.
    const [first, second] = await Promise.all([tcpLines(port), tcpLines(port)]);
    const third = await tcpLines(port);
    expect(await third.nextLine()).toBe(
      'error too many clients, try again later',
    );
    first.send('x'.repeat(70 * 1024));
    expect(await first.nextLine()).toBe('error line longer than 65536 bytes');
    expect(await second.nextLine()).toBe('error too slow to authenticate'); // --auth-seconds 1
    expect(await second.nextLine()).toBeUndefined();

    // Both stop cleanly on a signal, mid-connection.
    ours.server.kill('SIGINT');
    naive.server.kill('SIGTERM');
    expect((await ours.server.waitForExit()).code).toBe(0);
    expect((await naive.server.waitForExit()).code).toBe(0);
  });
});

describe.skipIf(!canBeNobody)('09 asking the kernel: SO_PEERCRED', () => {
  it('peercred.py serves its own user and refuses nobody, by the uid the kernel reports; ss -xlp shows who holds the name', async () => {
    const name = uniqueName(tempDir());
    const swaps = { 'ping-pong-09-peercred': name };
    const server = await spawnCommand(
      PEERCRED_SERVER + ' --name ping-pong-09-peercred',
      swaps,
      'listening on',
    );
    const nobody = await runCommand(PEERCRED_NOBODY, swaps);
    expect(nobody.output).toContain(
      `got "error uid ${NOBODY} may not use this server, only uid 0"`,
    );
    await server.waitForLine(`refused uid ${NOBODY}`);
    const me = await runCommand(PEERCRED_ME, swaps);
    expect(me.output).toMatch(/got "welcome, uid 0 \(pid \d+\)"/);
    expect(me.output).toContain('got "pong"');
    expect(server.output).toMatch(
      new RegExp(`client pid=\\d+ uid=${NOBODY} gid=${NOBODY}`),
    );
    const ss = await runCommand(PEERCRED_SS, swaps);
    expect(ss.output).toContain(`@${name}`);
    expect(ss.output).toMatch(/users:\(\("python3/);
  });
});

describe('09 bare.ts and the scripts', () => {
  it('bare.ts serves only a client that sends the cookie, and removes it on Ctrl-C', async () => {
    const { server, address } = await startServerProcess(
      demoScript('09', 'bare.ts'),
      [],
    );
    const cookiePath = /cookie in ([^\s)]+)/.exec(server.output)?.[1] ?? '';
    expect(statSync(cookiePath).mode & 0o777).toBe(0o600);
    const port = address.split(':')[1] ?? '';
    const wrong = await tcpLines(port);
    wrong.send('ping\n');
    expect(await wrong.nextLine()).toBe('error wrong cookie');
    expect(await wrong.nextLine()).toBeUndefined();
    const right = await tcpLines(port);
    right.send(readFileSync(cookiePath, 'utf8'));
    expect(await right.nextLine()).toBe('ok');
    right.send('ping\n');
    expect(await right.nextLine()).toBe('pong');
    server.kill('SIGINT');
    expect((await server.waitForExit()).code).toBe(0);
    expect(existsSync(cookiePath)).toBe(false);
  });

  it.skipIf(!hasCommand('python3'))(
    'the Python scripts explain themselves with --help',
    async () => {
      for (const script of ['impostor.py', 'peercred.py']) {
        const { code, output } = await runCommand(
          `python3 ${join('demos/09-who-is-there', script)} --help`,
        );
        expect(code).toBe(0);
        expect(output).toContain(`usage: ${script}`);
      }
    },
  );
});

const tcpSockets = new Set<net.Socket>();
afterEach(() => {
  for (const socket of tcpSockets) socket.destroy();
  tcpSockets.clear();
});

/** A raw TCP line connection to 127.0.0.1:port: what `nc 127.0.0.1 PORT` would do. */
async function tcpLines(port: string): Promise<{
  send(text: string): void;
  nextLine(): Promise<string | undefined>;
}> {
  const socket = net.connect(Number(port), '127.0.0.1');
  tcpSockets.add(socket);
  await once(socket, 'connect');
  socket.on('error', () => {}); // a reset shows up as the end of the lines
  const lines = new LineQueue(socket, { maxLineBytes: 1024 * 1024 });
  return {
    send: (text) => void socket.write(text),
    nextLine: () =>
      withTimeout(lines.next(), 10_000, `no line from port ${port}`),
  };
}

/** Reads a cookie file as cookie.ts does: 64 hex digits → 32 bytes. */
function readCookieFile(path: string): Buffer {
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}

/** The client's side of the handshake over a raw line connection; resolves with the server's verdict. */
async function handshake(
  conn: Awaited<ReturnType<typeof connectLines>>,
  cookie: Buffer,
): Promise<string | undefined> {
  const mine = nonce();
  conn.send(`hello ${mine}\n`);
  const [, theirs = '', serverProof] =
    (await conn.nextLine())?.split(' ') ?? [];
  expect(serverProof).toBe(proof(cookie, 'server', mine, theirs));
  conn.send(`auth ${proof(cookie, 'client', mine, theirs)}\n`);
  return conn.nextLine();
}

/** The handshake from Python, with the right cookie and then a wrong one: what another language needs. */
async function pythonClient(
  port: string,
  cookiePath: string,
): Promise<string[]> {
  const program = String.raw`
import hashlib, hmac, os, socket, sys
port, path = int(sys.argv[1]), sys.argv[2]
cookie = bytes.fromhex(open(path).read().strip())
def talk(key):
    conn = socket.create_connection(("127.0.0.1", port))
    lines = conn.makefile("r")
    mine = os.urandom(16).hex()
    conn.sendall(f"hello {mine}\n".encode())
    _, theirs, proof = lines.readline().split()
    sign = lambda side: hmac.new(key, f"{side} {mine} {theirs}".encode(), hashlib.sha256).hexdigest()
    conn.sendall(f"auth {sign('client')}\nping from python\n".encode())
    return [lines.readline().strip() for _ in range(2 if key == cookie else 1)]
print("\n".join(talk(cookie) + talk(os.urandom(32))))
`;
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) =>
    execFile(
      'python3',
      ['-c', program, port, cookiePath],
      { encoding: 'utf8' },
      (error, stdout) =>
        error ? reject(error) : resolve(stdout.trim().split('\n')),
    ),
  );
}
