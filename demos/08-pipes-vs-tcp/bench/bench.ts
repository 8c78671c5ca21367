/**
 * Lesson 08 · `npm run bench`: every transport, server and client in separate
 * processes, strict ping-pong (5 B and 1 KiB) and pipelined (64 in flight), with
 * the C reference beside Node. Prints a table (or `--json`) and draws an SVG
 * chart into bench-results/ (git-ignored); `--svg PATH` puts it elsewhere, e.g.
 * over the lesson's own chart, bench/bench.svg, when you mean to refresh it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  errorMessage,
  fail,
  parseCli,
  parseInteger,
  usageError,
} from '../../common/cli.ts';
import {
  FOLDER,
  nodeScript,
  runClient,
  startServer,
  stopAll,
  stopServer,
} from './run.ts';
import { compileReference } from './reference.ts';
import { Progress, formatTable, type BenchReport, type Row } from './report.ts';
import { drawChart } from './svg.ts';
import { placement, tasksetWorks, type Pin } from './placement.ts';

const flags = parseCli({
  usage:
    'npm run bench --   (or: npx tsx demos/08-pipes-vs-tcp/bench/bench.ts)',
  summary:
    'Measures ping-pong over fifo, unix and tcp, Node beside a C reference, and draws a chart.',
  flags: {
    quick: {
      type: 'boolean',
      description: 'fewer round trips (3,000): done in seconds, rough numbers',
    },
    count: {
      type: 'string',
      valueName: 'N',
      description:
        'round trips per strict run (pipelined: 10 × N); default 30,000',
    },
    transport: {
      type: 'string',
      valueName: 'all|fifo|unix|tcp',
      default: 'all',
      description: 'measure every transport, or only one',
    },
    json: {
      type: 'boolean',
      description: 'print the results as JSON instead of a table',
    },
    pin: {
      type: 'string',
      valueName: 'same|split|none',
      default: 'same',
      description:
        "CPU placement: both on CPU 0, server 0 + client 1, or the scheduler's choice",
    },
    svg: {
      type: 'string',
      valueName: 'PATH',
      default: join(FOLDER, '..', '..', 'bench-results', 'bench.svg'),
      description: 'where to write the chart',
    },
  },
});
const pin = flags.pin as Pin;
if (!['same', 'split', 'none'].includes(pin))
  usageError(`--pin must be same, split or none, got "${flags.pin}"`);
const all = ['fifo', 'unix', 'tcp'] as const;
const transports = all.filter((t) => [t, 'all'].includes(flags.transport));
if (transports.length === 0)
  usageError(
    `--transport must be all, fifo, unix or tcp, got "${flags.transport}"`,
  );

const where = placement(pin, {
  canPin: tasksetWorks(),
  cpuCount: cpus().length,
});
const strictCount =
  flags.count !== undefined
    ? parseInteger(flags.count, 'count', 1, 10_000_000)
    : flags.quick
      ? 3_000
      : 30_000;
const scenarios = [
  { name: 'strict 5 B', size: 5, inFlight: 1, count: strictCount },
  { name: 'strict 1 KiB', size: 1024, inFlight: 1, count: strictCount },
  { name: 'pipelined 64', size: 5, inFlight: 64, count: 10 * strictCount },
] as const;

// Everything this run makes (sockets, FIFOs, the C binary) lives here, and goes.
const workDir = mkdtempSync(join(tmpdir(), 'pp-bench-'));
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, async () => {
    interrupted = true;
    await stopAll(); // servers and clients first: they may still hold files there
    rmSync(workDir, { recursive: true, force: true });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.error(`${signal}: benchmark stopped, ${workDir} removed`);
    process.exit(1);
  });
}
const reference = compileReference(workDir);
const notes: string[] = 'missing' in reference ? [reference.missing] : [];
if (flags.quick || flags.count !== undefined)
  notes.push(
    'short runs, rough numbers: run without --quick/--count for numbers worth quoting',
  );
const progress = new Progress(
  transports.length * (scenarios.length + ('binary' in reference ? 2 : 0)),
);

/** Each transport's address flags for client.ts, from what its server printed. */
function clientAddress(transport: string, address: string): string[] {
  if (transport === 'tcp') return ['--transport', 'tcp', '--port', address];
  if (transport === 'fifo')
    return ['--transport', 'fifo', '--fifo-dir', address];
  return ['--transport', 'unix', '--socket', address];
}

async function measureTransport(
  transport: (typeof all)[number],
): Promise<Row[]> {
  const { server, address } = await startServer(
    nodeScript('server.ts', [
      '--transport',
      transport,
      '--socket',
      join(workDir, 'node.sock'),
      '--fifo-dir',
      join(workDir, 'node-fifos'),
    ]),
    where.server,
  );
  const rows: Row[] = [];
  try {
    for (const scenario of scenarios) {
      progress.step(`node ${transport} ${scenario.name}`);
      const args = [
        ...clientAddress(transport, address),
        ...['--json', '--count', String(scenario.count)],
        ...['--size', String(scenario.size)],
        ...['--in-flight', String(scenario.inFlight)],
        // Untimed round trips first: V8 compiles the hot loop only after a few thousand runs.
        ...['--warmup', String(Math.ceil(scenario.count / 10))],
      ];
      rows.push({
        transport,
        scenario: scenario.name,
        size: scenario.size,
        inFlight: scenario.inFlight,
        node: await runClient(nodeScript('client.ts', args), where.client),
      });
    }
  } finally {
    await stopServer(server);
  }
  if (!('binary' in reference)) return rows;
  const target = {
    fifo: join(workDir, 'c-fifos'),
    unix: join(workDir, 'c.sock'),
    tcp: '0',
  }[transport];
  if (transport === 'fifo') mkdirSync(target);
  const c = await startServer(
    [reference.binary, 'server', transport, target],
    where.server,
  );
  try {
    for (const row of rows.filter((r) => r.inFlight === 1)) {
      progress.step(`C ${transport} ${row.scenario}`);
      row.c = await runClient(
        [
          ...[reference.binary, 'client', transport, c.address],
          ...[String(strictCount), String(row.size)],
        ],
        where.client,
      );
    }
  } finally {
    await stopServer(c.server);
  }
  return rows;
}

let rows: Row[] = [];
try {
  for (const transport of transports)
    rows = rows.concat(await measureTransport(transport));
} catch (error) {
  if (interrupted) await new Promise(() => {}); // the signal handler exits
  rmSync(workDir, { recursive: true, force: true });
  fail(`the benchmark failed: ${errorMessage(error)}`);
}
progress.done();
rmSync(workDir, { recursive: true, force: true });

const report: BenchReport = {
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${process.platform} ${release()}, Node ${process.version}`,
  placement: where.description,
  quick: flags.quick || flags.count !== undefined,
  notes,
  rows,
};
mkdirSync(dirname(flags.svg), { recursive: true });
writeFileSync(flags.svg, drawChart(report));
if (flags.json) console.log(JSON.stringify(report, null, 2));
else console.log(`${formatTable(report)}\nchart written to ${flags.svg}`);
