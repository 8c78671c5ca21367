/**
 * What lesson 01 teaches about socket files, kept for every later lesson:
 * where the file goes, how long its path may be, who may connect, how to tell a
 * stale file from a live server, and what a client's connect errors mean.
 */
import net from 'node:net';
import { once } from 'node:events';
import { lstatSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { fail, errorMessage } from '../common/cli.ts';
import {
  checkOwnSocket,
  preparePrivateDir,
  runtimeDirPath,
} from './runtime-dir.ts';

// #region path-limit
/**
 * bind() and connect() take the path inside `struct sockaddr_un`, in a fixed array,
 * `sun_path`: 108 bytes on Linux, 104 on macOS and the BSDs. Portable code keeps one
 * byte for the terminating NUL. Node 20 (libuv 1.46) cuts a longer path short without
 * a word: the file appears under the shortened name, while server.address() still
 * reports the long one. So check the length ourselves, before anything is created.
 */
export const MAX_SOCKET_PATH_BYTES =
  (process.platform === 'linux' ? 108 : 104) - 1;

export function checkSocketPath(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    // #region too-long-error
    throw new Error(
      `socket path is ${bytes} bytes, but a Unix socket path can hold at most ${MAX_SOCKET_PATH_BYTES} ` +
        `on ${process.platform}: choose a shorter path (${path})`,
    );
    // #endregion too-long-error
  }
}
// #endregion path-limit

// #region stale-probe
/**
 * A socket file outlives the server that made it if the server crashed. To tell a
 * leftover from a live server, knock: connect() to a dead file is refused at once
 * (ECONNREFUSED); connect() to a live one is accepted. Never delete a live socket.
 */
export function isStaleSocket(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve(true);
      else if (error.code === 'ENOENT')
        resolve(true); // gone by itself in the meantime
      else reject(error);
    });
  });
}
// #endregion stale-probe

// #region listen
/**
 * bind() + listen() on a socket file that only this user may use, cleaning up a
 * stale file first. Rejects with a clear message when a live server owns the path.
 */
export async function listenOnSocketFile(
  server: net.Server,
  path: string,
  backlog = 511,
): Promise<void> {
  checkSocketPath(path);
  // The default place is our private folder: make it (0700) and check nobody else owns it.
  if (dirname(path) === runtimeDirPath()) preparePrivateDir();
  try {
    await listenUserOnly(server, path, backlog);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES') {
      // libuv reports a missing directory (ENOENT from bind) as EACCES too.
      throw new Error(
        `cannot create ${path}: its directory is missing or not writable by you`,
      );
    }
    if (code !== 'EADDRINUSE') throw error;
    const existing = lstatSync(path);
    if (!existing.isSocket()) {
      throw new Error(
        `${path} exists and is not a socket; not touching it: choose another --socket path`,
      );
    }
    if (existing.uid !== process.getuid?.()) {
      throw new Error(
        `${path} belongs to uid ${existing.uid}, not you; not touching it: choose another --socket path`,
      );
    }
    if (!(await isStaleSocket(path))) {
      throw new Error(
        `another server is already listening on ${path}: stop it first, or choose another --socket path (see lessons/troubleshooting.md#eaddrinuse)`,
      );
    }
    removeStaleSocket(path); // refused: nobody is home, the file is a leftover
    await listenUserOnly(server, path, backlog);
  }
}

/** unlink() a leftover socket file, saying in one line why when we may not. */
function removeStaleSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // it went away by itself meanwhile
    // Removing a name is a write to its folder, not to the file itself.
    throw new Error(
      `${path} is a stale socket, but you may not remove it (${code}: its folder ${dirname(path)} is not writable by you): choose another --socket path`,
    );
  }
}

/**
 * bind() creates the socket file with the process's umask applied, and connect()
 * needs write permission on it. Narrowing the umask around bind() makes the file
 * 0600 (srw-------) from its first instant: there is no window in which another
 * user could connect, as there would be with a chmod() after listening.
 */
function listenUserOnly(
  server: net.Server,
  path: string,
  backlog: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    const previousUmask = process.umask(0o177);
    try {
      server.listen({ path, backlog }, () => {
        server.off('error', onError);
        resolve();
      });
    } finally {
      process.umask(previousUmask); // listen() binds synchronously, so the file exists by now
    }
  });
}
// #endregion listen

// #region connect-errors
/**
 * What a failed connect() means to a client, in words, with what to do next.
 * `startHint` names the server to start, e.g. `npx tsx demos/01-unix-socket/server.ts`.
 */
export function explainConnectError(
  error: NodeJS.ErrnoException,
  path: string,
  startHint: string,
): string {
  switch (error.code) {
    case 'ENOENT':
      return `no socket file at ${path}: is the server running? Start it with: ${startHint}`;
    case 'ECONNREFUSED':
      // Linux refuses a connect() to a file that is not a socket the same way.
      if (isOtherKindOfFile(path))
        return `${path} is not a socket: check the path`;
      return `${path} exists but nobody is listening (a crashed server left it behind?): start the server with: ${startHint}`;
    case 'EACCES':
      return `permission denied on ${path}: the server belongs to another user (see lessons/troubleshooting.md#eacces)`;
    case 'EAGAIN':
      return `the server's accept queue at ${path} is full: it is overloaded, try again shortly (see lessons/troubleshooting.md#eagain)`;
    default:
      return `could not connect to ${path}: ${error.message}`;
  }
}

/** A plain file or directory at the path (false for sockets, missing files, abstract names). */
function isOtherKindOfFile(path: string): boolean {
  try {
    return !lstatSync(path).isSocket();
  } catch {
    return false;
  }
}
// #endregion connect-errors

// #region shutdown
/**
 * On Ctrl-C (SIGINT), `kill` (SIGTERM) or a closed terminal (SIGHUP): stop accepting,
 * close every client, and exit 0. Closing the server makes libuv unlink() the socket
 * file it created. Only SIGKILL (or a crash) leaves the file behind.
 * `clients` is read when the signal comes; `beforeExit` is the server's own last word.
 */
export function closeOnSignals(
  server: net.Server,
  clients: Iterable<net.Socket>,
  { beforeExit }: { beforeExit?: () => void } = {},
): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return; // a second signal while closing changes nothing
    closing = true;
    console.log(`${signal}: closing clients and removing the socket`);
    for (const client of clients) client.destroy();
    beforeExit?.();
    server.close(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);
}
// #endregion shutdown

// #region connect
/**
 * A client's way in: check that the socket file is ours (runtime-dir.ts), then
 * socket() + connect(). On a Unix socket connect() succeeds or fails at once: there
 * is no network to wait for. Any failure is one line saying what to do, and exit 1.
 */
export async function connectOrExit(
  path: string,
  startHint: string,
): Promise<net.Socket> {
  try {
    checkSocketPath(path);
    checkOwnSocket(path);
  } catch (error) {
    fail(errorMessage(error));
  }
  const socket = net.connect(path);
  try {
    await once(socket, 'connect');
  } catch (error) {
    fail(explainConnectError(error as NodeJS.ErrnoException, path, startHint));
  }
  return socket;
}
// #endregion connect
