/**
 * Lesson 09 · a cookie: a secret in a file only you can read, so that a server
 * on an address anybody can reach (an abstract name, a TCP port on 127.0.0.1)
 * can tell your clients from everyone else's. X11 does this with
 * ~/.Xauthority; Tor's control port with its `control_auth_cookie` file.
 *
 * Sending the cookie itself (X11's MIT-MAGIC-COOKIE-1, and bare.ts) proves the
 * client to the server, but hands the secret to whoever answers: a squatter on
 * the name. So, like Tor's SAFECOOKIE, both sides prove they know the cookie
 * without ever sending it, over two fresh random numbers (nonces):
 *
 *   client → hello <client nonce>
 *   server → proof <server nonce> <HMAC(cookie, "server" + both nonces)>
 *   client → auth <HMAC(cookie, "client" + both nonces)>
 *   server → ok                      and from here on, lesson 04's ping protocol
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  checkPrivateDir,
  preparePrivateDir,
  runtimeDirPath,
} from '../01-unix-socket/runtime-dir.ts';

/** `<private dir>/09.cookie`: one cookie per user, like ~/.Xauthority. */
export function defaultCookiePath(): string {
  return join(runtimeDirPath(), '09.cookie');
}

const COOKIE = /^[0-9a-f]{64}$/; // 32 random bytes, written as hex
export const NONCE = /^[0-9a-f]{32}$/; // 16 random bytes, written as hex

// #region cookie-file
/**
 * The server's side: read the cookie, or make one if there is none. The file is
 * created with O_CREAT|O_EXCL (`flag: 'wx'`) and mode 0600: it never exists with
 * looser permissions, and if something (a symlink, a file) appeared at the path
 * first, the open fails instead of writing our secret through it.
 */
export function loadOrCreateCookie(path: string): Buffer {
  const dir = dirname(path);
  if (dir === runtimeDirPath()) preparePrivateDir();
  else if (!existsSync(dir))
    throw new Error(
      `${dir} does not exist: create it with mkdir -m 700 ${dir}`,
    );
  checkPrivateDir(dir);
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readCookie(path);
}

/**
 * Both sides: the file must sit in a private folder, be a plain file of ours
 * (lstat: not a symlink to someone else's), and be readable by nobody else.
 */
export function readCookie(path: string): Buffer {
  if (!existsSync(path)) throw new Error(`no cookie at ${path}`);
  checkPrivateDir(dirname(path));
  const info = lstatSync(path);
  if (!info.isFile() || info.uid !== process.getuid?.() || info.mode & 0o077)
    throw new Error(
      `${path} is not a private file of yours (mode 600): refusing to use it as a cookie; remove it and restart the server`,
    );
  const cookie = readFileSync(path, 'utf8').trim();
  if (!COOKIE.test(cookie))
    throw new Error(`${path} does not hold a cookie (64 hex digits)`);
  return Buffer.from(cookie, 'hex');
}
// #endregion cookie-file

// #region proofs
/** A fresh random number for one handshake: never reused, so old proofs are worthless. */
export function nonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * What only a holder of the cookie can compute. `side` differs for the two
 * directions, so the server's proof can never be replayed as the client's.
 */
export function proof(
  cookie: Buffer,
  side: 'server' | 'client',
  clientNonce: string,
  serverNonce: string,
): string {
  return createHmac('sha256', cookie)
    .update(`${side} ${clientNonce} ${serverNonce}`)
    .digest('hex');
}

/**
 * Compares in constant time: `===` stops at the first wrong character, and how
 * long it took would tell an attacker how many they got right.
 */
export function sameProof(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
// #endregion proofs
