/**
 * Lesson 06 · what a subscriber that never reads costs the daemon, measured.
 *
 * Connects a reader that never reads, fills the kernel's buffer for it, then queues
 * --lines 32-byte updates two ways: through socket.write() (Node's queue) and in a
 * Backlog (backlog.ts, what the daemon does). After a full garbage collection it
 * prints how much memory each held, per line. Run it with the collector exposed:
 *
 *   node --expose-gc --import tsx demos/06-subscriptions/queue-cost.ts
 */
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail, parseCli, parseInteger } from '../common/cli.ts';
import { Backlog } from './backlog.ts';

const flags = parseCli({
  usage: 'node --expose-gc --import tsx demos/06-subscriptions/queue-cost.ts',
  summary:
    "Measures the memory a stalled subscriber's queued updates hold: Node's write queue vs a joined backlog.",
  flags: {
    lines: {
      type: 'string',
      valueName: 'N',
      default: '8000',
      description: 'how many 32-byte updates to queue (8000 is about 256 KiB)',
    },
  },
});
const lineCount = parseInteger(flags.lines, 'lines', 1, 1_000_000);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect)
  fail(
    'run it with the garbage collector exposed: node --expose-gc --import tsx demos/06-subscriptions/queue-cost.ts',
  );

/** Bytes the heap and buffers hold after a full collection. */
function held(): number {
  collect?.();
  collect?.();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/** A fresh update line, as publish() makes one per ping: `{"type":"update","count":…}\n`. */
const update = (i: number): string =>
  `{"type":"update","count":${10_000_000 + i}}\n`;

/** A connected pair whose reading end never reads, with the kernel's buffer already full. */
async function stalledPair(path: string): Promise<net.Socket> {
  const server = net.createServer();
  server.listen(path);
  await once(server, 'listening');
  const reader = net.connect(path);
  reader.pause(); // never reads
  const [writer] = (await once(server, 'connection')) as [net.Socket];
  while (writer.write(update(0))); // until Node starts queueing: the kernel is full
  await new Promise((resolve) => setTimeout(resolve, 50));
  return writer;
}

const dir = mkdtempSync(join(tmpdir(), 'queue-cost-'));
try {
  const writer = await stalledPair(join(dir, 'q.sock'));
  const bytes = lineCount * Buffer.byteLength(update(0));

  let before = held();
  for (let i = 1; i <= lineCount; i++) writer.write(update(i));
  const nodeQueue = held() - before;

  const backlog = new Backlog();
  before = held();
  for (let i = 1; i <= lineCount; i++) backlog.add(update(i));
  const joined = held() - before;

  const row = (what: string, memory: number): string =>
    `  ${what}: ${Math.round(memory / 1024)} KiB, ${Math.round(memory / lineCount)} bytes per line`;
  console.log(
    `${lineCount} updates of ${bytes / lineCount} bytes (${Math.round(bytes / 1024)} KiB) for a reader that never reads:`,
  );
  console.log(row("Node's write queue (socket.write each)", nodeQueue));
  console.log(row('a Backlog, joined every 512 lines', joined));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0); // the stalled pair would keep the process alive
