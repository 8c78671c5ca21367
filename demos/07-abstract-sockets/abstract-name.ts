/**
 * Lesson 07's own helpers, shared by its server and client: who has abstract
 * socket names at all, how Node spells one, and how to read back the name the
 * kernel really holds (from /proc/net/unix), padding included.
 */
import { readFileSync } from 'node:fs';
import { errorMessage, fail, usageError } from '../common/cli.ts';

export const DEFAULT_NAME = 'ping-pong-07';

// #region platform
/**
 * The abstract namespace is a Linux extension (Android runs Linux, so it has it
 * too). macOS, the BSDs and Windows have no such thing: there, a path that starts
 * with a NUL byte is just an invalid path. Returns what to tell the user, or
 * `undefined` when this platform is fine. The platform is a parameter so a test
 * on Linux can ask what a Mac would be told.
 */
export function unsupportedPlatformProblem(
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform === 'linux' || platform === 'android') return undefined;
  return (
    `abstract socket names are a Linux-only feature and this is ${platform}: ` +
    'run this lesson on Linux (a VM or container will do), or use the socket files of lesson 01'
  );
}
// #endregion platform

// #region address
/**
 * `struct sockaddr_un` has 108 bytes for the name. A first byte of NUL says
 * "abstract": no file, the rest of the bytes are the name. So 107 bytes are left.
 */
export const MAX_ABSTRACT_NAME_BYTES = 107;

/** The address Node's `net` takes: a NUL byte, then the name. Throws on a name that does not fit. */
export function abstractAddress(name: string): string {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > MAX_ABSTRACT_NAME_BYTES) {
    // Node 20 and 22 would silently cut a longer name short; Node 24 says EINVAL.
    // #region too-long-error
    throw new Error(
      `an abstract name must be 1 to ${MAX_ABSTRACT_NAME_BYTES} bytes, and "${name}" is ${bytes}: choose a shorter --name`,
    );
    // #endregion too-long-error
  }
  return `\0${name}`;
}
// #endregion address

// #region or-exit
/**
 * The first thing the server and the client both do: stop with one line on a
 * platform without abstract names (exit 1), or on a name that does not fit (a
 * usage error, exit 2), and otherwise hand back the address to listen on or dial.
 */
export function abstractAddressOrExit(name: string): string {
  const problem = unsupportedPlatformProblem();
  if (problem !== undefined) fail(problem);
  try {
    return abstractAddress(name);
  } catch (error) {
    usageError(errorMessage(error));
  }
}
// #endregion or-exit

// #region kernel-name
/**
 * How many NUL bytes follow `name` in the address of the listening socket the
 * kernel knows by that name, or `undefined` if no socket is listening on it.
 *
 * /proc/net/unix lists every Unix socket of this network namespace, one per line:
 * `Num RefCount Protocol Flags Type St Inode Path`. An abstract name is printed
 * with each NUL byte shown as '@', so Node 20's `ping-pong-07` appears as
 * `@ping-pong-07@@@@…` (108 characters), Node 22's as `@ping-pong-07`.
 */
export function kernelPadding(
  name: string,
  table = readFileSync('/proc/net/unix', 'utf8'),
): number | undefined {
  const LISTENING = 0x10000; // __SO_ACCEPTCON in the Flags column: listen() was called
  for (const row of table.split('\n').slice(1)) {
    const match =
      /^\S+:\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+\S+\s+\S+\s+\d+ (@.*)$/.exec(row);
    if (!match || (parseInt(match[1] ?? '0', 16) & LISTENING) === 0) continue;
    const path = match[2] ?? '';
    const rest = path.slice(1 + name.length);
    if (path.startsWith(`@${name}`) && /^@*$/.test(rest)) return rest.length;
  }
  return undefined;
}

/**
 * libuv 1.46 and 1.47 (Node 20) hand bind() and connect() the whole 108-byte
 * sun_path, NUL bytes after the name included; libuv 1.48 (Node 22) fixed that
 * and passes the name's exact length.
 */
export function nodePadsAbstractNames(
  libuvVersion: string = process.versions.uv ?? '0.0.0',
): boolean {
  const [major = 0, minor = 0] = libuvVersion.split('.').map(Number);
  return major === 1 && minor < 48;
}

/** One line for humans: the name as `ss -xl` shows it, and what the padding means. */
export function describeKernelName(
  name: string,
  padding: number | undefined,
): string {
  if (padding === undefined)
    return `no socket listens on @${name} in this network namespace`;
  if (padding === 0)
    return `the kernel holds the exact name @${name} (${Buffer.byteLength(name)} bytes after the NUL)`;
  return (
    `the kernel holds @${name} followed by ${padding} NUL bytes: this Node (${process.version}, libuv ` +
    `${process.versions.uv}) pads abstract names to all 108 bytes, so other programs must pad too`
  );
}
// #endregion kernel-name
