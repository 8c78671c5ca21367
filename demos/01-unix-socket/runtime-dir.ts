/**
 * Lesson 01 · where the default socket files live: a folder only you can use.
 *
 * A predictable name in the shared temp folder (`/tmp/ping-pong-01.sock`) can be
 * taken first by any other user on the machine, who then hears your clients and
 * answers them. So every default address in this course lives in a private runtime
 * folder: `$XDG_RUNTIME_DIR/ping-pong/` (XDG_RUNTIME_DIR is `/run/user/<uid>`, made
 * for you at login and readable by you only), or else `<tmpdir>/ping-pong-<uid>/`,
 * created 0700. Lesson 09 shows the attacks this stops, and its limits.
 */
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// #region runtime-dir
/** The private folder for this user's default socket files (not created here). */
export function runtimeDirPath(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime
    ? join(runtime, 'ping-pong')
    : join(tmpdir(), `ping-pong-${process.getuid?.() ?? 'user'}`);
}

/** `defaultSocketPath('04')` → `<private folder>/04.sock`: one default per lesson. */
export function defaultSocketPath(lesson: string): string {
  return join(runtimeDirPath(), `${lesson}.sock`);
}

/**
 * Makes the private folder if it is missing (mode 0700: rwx for you, nothing for
 * anyone else), then checks it, because someone may have made it first: with
 * lstat(), which looks at a symlink itself instead of following it.
 */
export function preparePrivateDir(dir = runtimeDirPath()): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') throw new Error(cannotUse(dir, code));
  }
  checkPrivateDir(dir);
}

/** Why the folder's parent (say, another user's XDG_RUNTIME_DIR kept by su) is no use, and what to do. */
function cannotUse(dir: string, code: string | undefined): string {
  const why = code === 'ENOENT' ? 'does not exist' : `is not yours (${code})`;
  return `cannot use ${dir}: ${dirname(dir)} ${why}; set XDG_RUNTIME_DIR to a folder of yours, or pass --socket PATH`;
}

/** Throws, in one line with what to do, unless `dir` is a real folder of ours that nobody else may use. */
export function checkPrivateDir(dir: string): void {
  let info: Stats;
  try {
    info = lstatSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new Error(cannotUse(dir, code));
    throw error; // ENOENT: the caller decides what a missing folder means
  }
  const fix = `remove it (if it is yours) or set XDG_RUNTIME_DIR to a private folder`;
  if (info.isSymbolicLink())
    throw new Error(
      `${dir} is a symlink, not a folder: refusing to use it; ${fix}`,
    );
  if (!info.isDirectory())
    throw new Error(`${dir} is not a folder: refusing to use it; ${fix}`);
  if (info.uid !== process.getuid?.()) {
    throw new Error(
      `${dir} is owned by uid ${info.uid}, not you: refusing to use it; ${fix}`,
    );
  }
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8);
    throw new Error(
      `${dir} is mode ${mode}, open to other users: refusing to use it; run chmod 700 ${dir}`,
    );
  }
}
// #endregion runtime-dir

// #region own-socket
/**
 * Before a client talks: is the file at `path` a socket (not a symlink to
 * one) that we own? Anyone who could write to its folder could have put an
 * impostor there. A missing file is left to connect(), which explains ENOENT.
 */
export function checkOwnSocket(path: string): void {
  let info: Stats;
  try {
    if (dirname(path) === runtimeDirPath()) checkPrivateDir(dirname(path));
    info = lstatSync(path);
  } catch (error) {
    // No folder or no file yet: no server has started; connect() says so (ENOENT).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (info.isSymbolicLink())
    // #region symlink-error
    throw new Error(
      `${path} is a symlink: refusing to follow it to whoever it points at`,
    );
  // #endregion symlink-error
  if (!info.isSocket())
    throw new Error(`${path} is not a socket: check the path`);
  if (info.uid !== process.getuid?.()) {
    // #region owner-error
    throw new Error(
      `${path} is owned by uid ${info.uid}, not you: refusing to talk to it`,
    );
    // #endregion owner-error
  }
}
// #endregion own-socket
