/**
 * Lesson 08 · named pipes (FIFOs) for the ping-pong server and client.
 *
 * A FIFO is a pipe with a name in the file system: `mkfifo` makes the name, any
 * process that may open the file can join, and bytes written at one end come out
 * of the other. Only one way, though: a process reading one FIFO that it also
 * writes would read back its own bytes. So a conversation needs two FIFOs, in a
 * folder of their own that only we may use:
 *
 *   DIR/to-server    the client writes pings, the server reads them
 *   DIR/to-client    the server writes pongs, the client reads them
 *   DIR/server.pid   the live server's pid: a second server refuses the folder
 *   DIR/busy         -> the pid of the client talking now: a second one is refused
 */
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  checkPrivateDir,
  preparePrivateDir,
  runtimeDirPath,
} from '../01-unix-socket/runtime-dir.ts';

/** `<private runtime folder>/08-fifos`: see lesson 01's runtime-dir.ts. */
export const DEFAULT_FIFO_DIR = join(runtimeDirPath(), '08-fifos');

export function fifoPaths(dir: string): { toServer: string; toClient: string } {
  return { toServer: join(dir, 'to-server'), toClient: join(dir, 'to-client') };
}

const pidFile = (dir: string): string => join(dir, 'server.pid');
const busyFile = (dir: string): string => join(dir, 'busy');
const { O_NONBLOCK, O_NOFOLLOW } = constants;

// #region folder
/**
 * The server's folder: made 0700 (with any missing parents, remembered in
 * server.pid so that exactly what was made is removed), then checked with lstat
 * like lesson 01's private folder: ours, a real folder, not a symlink, closed to
 * others. A folder whose server.pid names a live process belongs to another
 * server: refuse it and touch nothing. One whose server was killed (-9) is a
 * leftover: tidy it and carry on. Returns the cleanup to run at exit.
 */
export function claimFifoDir(dir: string): () => void {
  if (dirname(dir) === runtimeDirPath()) preparePrivateDir();
  let made: string | undefined;
  try {
    made = mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  checkPrivateDir(dir); // a symlink, another user's folder, or one open to others: refused
  const previous = readPidFile(dir);
  if (previous !== undefined && isAlive(previous.pid)) {
    throw new Error(
      `another server (pid ${previous.pid}) is already serving ${dir}: stop it first, or choose another --fifo-dir ` +
        `(if pid ${previous.pid} is not a ping-pong server, delete ${pidFile(dir)})`,
    );
  }
  made ??= previous?.made; // a killed server's folder: remove what it made
  removeOurFiles(dir);
  writeFileSync(pidFile(dir), `${process.pid}\n${made ?? ''}\n`, {
    mode: 0o600,
  });
  return () => {
    removeOurFiles(dir);
    if (made === undefined) return; // the folder was there before us
    for (let at = dir; ; at = dirname(at)) {
      try {
        rmdirSync(at); // deepest first, and never above the first folder we made
      } catch {
        return; // someone put a file of their own in it: leave it to them
      }
      if (at === made || at === dirname(at)) break;
    }
  };
}
// #endregion folder

function removeOurFiles(dir: string): void {
  const { toServer, toClient } = fifoPaths(dir);
  for (const path of [toServer, toClient, busyFile(dir), pidFile(dir)])
    rmSync(path, { force: true }); // a folder in their place makes this throw
}

function readPidFile(dir: string): { pid: number; made?: string } | undefined {
  const pid = readPid(pidFile(dir));
  if (pid === undefined) return undefined;
  const made = readFileSync(pidFile(dir), 'utf8').split('\n')[1] ?? '';
  return made === '' ? { pid } : { pid, made };
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // gone meanwhile
  }
}

/** kill(pid, 0) sends nothing: it only asks whether the process exists. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

// #region mkfifo
/**
 * Node has no `mkfifo()`: libuv offers none, and `fs` cannot create special
 * files. The `mkfifo` command calls mknod(path, S_IFIFO | 0600) for us.
 * A fresh pair also means a fresh start: a FIFO keeps unread bytes for as long as
 * anyone holds it open, and unlinking the name leaves them with the old client.
 */
export function createFifos(dir: string): void {
  for (const path of Object.values(fifoPaths(dir))) {
    rmSync(path, { force: true });
    execFileSync('mkfifo', ['-m', '600', path]);
  }
}
// #endregion mkfifo

// #region busy
/**
 * FIFOs have no accept(): two clients would mix their pings in one stream. So a
 * client first makes DIR/busy, a symlink whose target is its pid: symlink()
 * creates the name and its content in one step, and fails with EEXIST when the
 * name exists, so exactly one client wins. The server removes it when it makes
 * fresh FIFOs. A busy link whose client has died is a leftover: take it over.
 */
export function claimConversation(dir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      symlinkSync(String(process.pid), busyFile(dir));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = busyHolder(dir);
    if (holder !== undefined && isAlive(holder)) {
      throw new Error(
        `the server at ${dir} is busy with another client (pid ${holder}): FIFOs carry one conversation at a time, try again when it is done`,
      );
    }
    rmSync(busyFile(dir), { force: true });
  }
  throw new Error(`could not claim ${busyFile(dir)}: try again`);
}

function busyHolder(dir: string): number | undefined {
  try {
    return Number(readlinkSync(busyFile(dir))) || undefined;
  } catch {
    return undefined; // released meanwhile
  }
}

/** The client gives up before talking (no server), or the server made fresh FIFOs. */
export function releaseConversation(dir: string): void {
  rmSync(busyFile(dir), { force: true });
}
// #endregion busy

// #region open
/**
 * Opening a FIFO blocks until the other end is opened too, and `fs.open` would
 * wait on one of libuv's four threadpool threads. O_NONBLOCK makes open()
 * return at once, so we call it on the main thread:
 *
 *   O_RDONLY | O_NONBLOCK   succeeds at once, writer or not (POSIX says so)
 *   O_WRONLY | O_NONBLOCK   fails with ENXIO while nobody reads it
 *
 * O_NOFOLLOW refuses a symlink. Then `net.Socket({ fd })` hands the descriptor
 * to libuv, watched by epoll like any socket.
 */
export function openFifo(path: string, mode: 'read' | 'write'): net.Socket {
  const access = mode === 'read' ? constants.O_RDONLY : constants.O_WRONLY;
  const fd = openSync(path, access | O_NONBLOCK | O_NOFOLLOW);
  const info = fstatSync(fd);
  if (!info.isFIFO() || info.uid !== process.getuid?.()) {
    closeSync(fd);
    throw new Error(`${path} is not a FIFO of yours: refusing to use it`);
  }
  const readable = mode === 'read';
  return new net.Socket({ fd, readable, writable: !readable });
}
// #endregion open
