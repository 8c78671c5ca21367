/**
 * Lesson 10 · the pipe-buffer deadlock, shown happening and then fixed.
 *
 * The child writes `--bytes` to its stdout and exits. The parent waits for the
 * child to exit and only then reads what it wrote. While the output fits in the
 * kernel's buffer (plus what Node reads ahead), that works. Past it, the child's
 * write() blocks until someone reads, and the parent will not read until the
 * child exits: both wait forever. Here "forever" is cut short by `--timeout-ms`.
 * Then the fix: read while you wait.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCli, parseInteger } from '../common/cli.ts';

const flags = parseCli({
  usage: 'npx tsx demos/10-parent-and-child/deadlock.ts',
  summary:
    'A parent that waits for its child before reading its output hangs; one that reads while waiting does not.',
  flags: {
    bytes: {
      type: 'string',
      valueName: 'N',
      default: '1048576',
      description: 'how many bytes the child writes to its stdout',
    },
    'timeout-ms': {
      type: 'string',
      valueName: 'MS',
      default: '1000',
      description: 'how long to wait before calling it a deadlock',
    },
  },
});
const bytes = parseInteger(flags.bytes, 'bytes', 1, 256 * 1024 * 1024);
const timeoutMs = parseInteger(flags['timeout-ms'], 'timeout-ms', 100, 60_000);

// #region child
// The child is an ordinary blocking writer, as C's printf and Python's print are:
// writeSync(1) is a plain write() on fd 1, which sleeps in the kernel while the
// buffer is full. (A plain `node -e`, not tsx: under tsx's loader fd 1 is already
// non-blocking, and writeSync would fail with EAGAIN instead of sleeping.)
const CHILD_PROGRAM = `
  const { writeSync } = require('node:fs');
  writeSync(2, 'writing\\n'); // on stderr: the parent reads that one
  const chunk = Buffer.alloc(4096, 'x');
  for (let left = Number(process.argv[1]); left > 0; left -= chunk.length) {
    writeSync(1, chunk, 0, Math.min(left, chunk.length));
  }`;

async function startChild() {
  const child = spawn(process.execPath, ['-e', CHILD_PROGRAM, String(bytes)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(() => 'exited' as const);
  await once(child.stderr, 'data'); // it is running and about to write
  return { child, exited };
}
// #endregion child

/** Where the kernel has the child asleep, and how many bytes its write()s got out (Linux /proc). */
function kernelView(pid: number): { wchan: string; written: number } {
  const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
  const wchar = /^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return { wchan, written: Number(wchar?.[1]) }; // wchar: bytes its write()s took, on any fd
}

// #region deadlock
console.log(
  `1. waiting for the child to exit, then reading its ${bytes} bytes`,
);
const first = await startChild();
const outcome = await Promise.race([
  first.exited,
  sleep(timeoutMs).then(() => 'timed out' as const),
]);
if (outcome === 'exited') {
  console.log(
    `   the child exited: ${bytes} bytes fit in the buffers, no deadlock (try a bigger --bytes)`,
  );
} else {
  console.log(`   after ${timeoutMs} ms the child has not exited: deadlock`);
  const readAhead = first.child.stdout.readableLength; // Node read it; nobody consumed it
  if (process.platform === 'linux' && first.child.pid !== undefined) {
    const { wchan, written } = kernelView(first.child.pid);
    const kib = (n: number): string => `${Math.round(n / 1024)} KiB`;
    console.log(
      `   the child sleeps in write(), in the kernel's ${wchan}, having written ${kib(written)}:`,
    );
    console.log(
      `   ${kib(readAhead)} read ahead by Node into the stream, ${kib(written - readAhead)} queued in the kernel`,
    );
  }
  console.log(
    "   the parent waits for 'exit', which cannot come until someone reads",
  );
  first.child.kill('SIGKILL');
  await first.exited;
  console.log('   killed the child to end it');
}
// #endregion deadlock

// #region fixed
console.log('2. the fix: read while waiting');
const second = await startChild();
let received = 0;
second.child.stdout.on('data', (chunk: Buffer) => (received += chunk.length)); // drain as it comes
await second.exited;
console.log(`   the child exited and we read all ${received} bytes`);
// #endregion fixed
