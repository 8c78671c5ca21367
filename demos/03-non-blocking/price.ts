/**
 * Lesson 03: what polling costs. For each --interval, starts the polling server,
 * lets it idle, sends pings at random moments, and prints a table: how long a
 * ping waited before the loop noticed it, and how much CPU the loop burnt.
 * A measurement that prints its numbers; nothing here is asserted.
 */
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCli, parseInteger, usageError } from '../common/cli.ts';

const flags = parseCli({
  usage: 'npx tsx demos/03-non-blocking/price.ts',
  summary:
    'Measures ping latency and CPU use of the polling server for several --interval values.',
  flags: {
    intervals: {
      type: 'string',
      valueName: 'LIST',
      default: '0,1,10,100',
      description: 'comma-separated --interval values (ms) to try',
    },
    pings: {
      type: 'string',
      valueName: 'N',
      default: '20',
      description: 'pings per interval',
    },
    idle: {
      type: 'string',
      valueName: 'MS',
      default: '2000',
      description: 'how long to let each server idle first',
    },
  },
});
const intervals = flags.intervals
  .split(',')
  .map((value) => parseInteger(value.trim(), 'intervals', 0, 10_000));
const pings = parseInteger(flags.pings, 'pings', 1, 1000);
const idleMs = parseInteger(flags.idle, 'idle', 0, 60_000);
if (intervals.length === 0) usageError('--intervals needs at least one value');

const serverPath = join(import.meta.dirname, 'server.ts');
const dir = mkdtempSync(join(tmpdir(), 'pp-price-'));

interface Result {
  interval: number;
  medianMs: number;
  maxMs: number;
  cpu: string;
}

/** Runs one server, measures it, stops it. */
async function measure(interval: number): Promise<Result> {
  const socketPath = join(dir, `${interval}.sock`);
  const server = spawn(
    process.execPath,
    // The server runs the way this process runs (`npx tsx`'s loader flags and all).
    [
      ...process.execArgv,
      serverPath,
      '--socket',
      socketPath,
      '--interval',
      String(interval),
      '--quiet',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const waiting = new Map<string, () => void>();
  let ready: () => void = () => {};
  const listening = new Promise<void>((resolve) => (ready = resolve));
  let cpu = '';
  createInterface({ input: server.stdout }).on('line', (line) => {
    if (line.includes('listening on')) ready();
    if (line.includes('passes,')) cpu = /\((\d+\.\d)%\)/.exec(line)?.[1] ?? '?';
    for (const [message, done] of waiting)
      if (line.includes(`"${message}"`)) done();
  });
  const exited = new Promise<void>((resolve) =>
    server.once('close', () => resolve()),
  );
  await listening;
  await sleep(idleMs);

  const latencies: number[] = [];
  for (let index = 1; index <= pings; index += 1) {
    // A random moment, spread over a whole nap, so pings land anywhere in it.
    await sleep(5 + Math.random() * (interval + 10));
    const message = `ping ${index}`;
    const seen = new Promise<void>((resolve) => waiting.set(message, resolve));
    const started = performance.now();
    const client = net.connect(socketPath, () => client.end(`${message}\n`));
    await seen;
    latencies.push(performance.now() - started);
    waiting.delete(message);
  }
  server.kill('SIGTERM');
  await exited;
  latencies.sort((a, b) => a - b);
  return {
    interval,
    medianMs: latencies[Math.floor(latencies.length / 2)] ?? 0,
    maxMs: latencies[latencies.length - 1] ?? 0,
    cpu,
  };
}

console.log(
  `| --interval | ping seen after (median) | (worst of ${pings}) | server CPU |`,
);
console.log('|---:|---:|---:|---:|');
try {
  for (const interval of intervals) {
    const result = await measure(interval);
    console.log(
      `| ${result.interval} ms | ${result.medianMs.toFixed(1)} ms | ${result.maxMs.toFixed(1)} ms | ${result.cpu}% |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
