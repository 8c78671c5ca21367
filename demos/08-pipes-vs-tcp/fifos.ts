/**
 * Lesson 08 · named pipes (FIFOs) for the ping-pong server and client.
 *
 * A FIFO is a pipe with a name in the file system: `mkfifo` makes the name, any
 * process that may open the file can join, and bytes written at one end come out
 * of the other. Only one way, though: a process reading one FIFO that it also
 * writes would read back its own bytes. So a conversation needs two FIFOs:
 *
 *   DIR/to-server   the client writes pings, the server reads them
 *   DIR/to-client   the server writes pongs, the client reads them
 */
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { constants, lstatSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_FIFO_DIR = join(tmpdir(), 'ping-pong-08-fifos');

export function fifoPaths(dir: string): { toServer: string; toClient: string } {
  return { toServer: join(dir, 'to-server'), toClient: join(dir, 'to-client') };
}

// #region mkfifo
/**
 * Node has no `mkfifo()`: libuv offers none, and `fs` cannot create special
 * files. The `mkfifo` command calls mknod(path, S_IFIFO | 0600) for us.
 * A fresh pair also means a fresh start: a FIFO keeps unread bytes for as long as
 * anyone holds it open, and deleting it drops them with it.
 */
export function createFifos(dir: string): void {
  for (const path of Object.values(fifoPaths(dir))) {
    removeFifo(path);
    execFileSync('mkfifo', ['-m', '600', path]);
  }
}
// #endregion mkfifo

export function removeFifos(dir: string): void {
  for (const path of Object.values(fifoPaths(dir))) removeFifo(path);
}

function removeFifo(path: string): void {
  let isFifo: boolean;
  try {
    isFifo = lstatSync(path).isFIFO();
  } catch {
    return; // nothing there
  }
  if (!isFifo)
    throw new Error(
      `${path} exists and is not a FIFO; not touching it: choose another --fifo-dir`,
    );
  rmSync(path);
}

// #region open
/**
 * Opening a FIFO blocks until the other end is opened too. `fs.open` would do
 * that wait on one of libuv's four threadpool threads, and four waiting opens
 * stall every other `fs` call in the process. O_NONBLOCK makes open() return at
 * once, so we can call it synchronously on the main thread:
 *
 *   O_RDONLY | O_NONBLOCK   succeeds at once, writer or not (POSIX says so)
 *   O_WRONLY | O_NONBLOCK   fails with ENXIO while nobody has it open for reading
 *   O_RDWR   | O_NONBLOCK   succeeds at once on Linux: we are a reader ourselves
 *
 * Then `net.Socket({ fd })` hands the descriptor to libuv as a pipe, watched by
 * epoll like any socket. (`fs.createReadStream` would instead send every read()
 * through the threadpool.)
 */
export function openFifo(
  path: string,
  mode: 'read' | 'write' | 'read-write',
): net.Socket {
  const access = {
    read: constants.O_RDONLY,
    write: constants.O_WRONLY,
    'read-write': constants.O_RDWR,
  }[mode];
  const fd = openSync(path, access | constants.O_NONBLOCK);
  // Only 'read' may be readable: given an fd, net.Socket starts reading at once, and
  // a read-write FIFO would hand our own writes back to us.
  return new net.Socket({
    fd,
    readable: mode === 'read',
    writable: mode !== 'read',
  });
}
// #endregion open
