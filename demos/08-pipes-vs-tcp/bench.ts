/**
 * Lesson 08 · `npm run bench`: every transport, server and client in separate
 * processes, strict ping-pong (5 B and 1 KiB) and pipelined (64 in flight), with
 * the C reference beside Node. Prints a table (or `--json`) and writes an SVG chart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseCli, usageError } from '../common/cli.ts';
import {
  FOLDER,
  nodeScript,
  runClient,
  startServer,
  stopServer,
} from './bench/run.ts';
import { compileReference } from './bench/reference.ts';
import {
  Progress,
  formatTable,
  type BenchReport,
  type Row,
} from './bench/report.ts';
import { drawChart } from './bench/svg.ts';

const flags = parseCli({
  usage: 'npm run bench --   (or: npx tsx demos/08-pipes-vs-tcp/bench.ts)',
  summary:
    'Measures ping-pong over fifo, unix and tcp, Node beside a C reference, and draws a chart.',
  flags: {
    quick: {
      type: 'boolean',
      description: 'fewer round trips: done in a few seconds (tests, the tour)',
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
      default: join(FOLDER, 'bench.svg'),
      description: 'where to write the chart',
    },
  },
});
if (!['same', 'split', 'none'].includes(flags.pin))
  usageError(`--pin must be same, split or none, got "${flags.pin}"`);

// #region placement
/**
 * Where the two processes run matters more than the transport on a small VM. On
 * one CPU, a ping makes the kernel switch straight to the waiting server; on two,
 * it must wake the other CPU (an inter-processor interrupt, and a CPU coming out
 * of idle), which costs tens of microseconds per hop.
 */
function placement(pin: string): {
  server: string[];
  client: string[];
  description: string;
} {
  const canPin = (() => {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (pin === 'none' || !canPin) {
    const why = pin === 'none' ? '' : ' (taskset is not available here)';
    return {
      server: [],
      client: [],
      description: `unpinned: the scheduler places both processes${why}`,
    };
  }
  if (pin === 'split' && cpus().length > 1) {
    return {
      server: ['taskset', '-c', '0'],
      client: ['taskset', '-c', '1'],
      description: 'split: server on CPU 0, client on CPU 1 (taskset)',
    };
  }
  return {
    server: ['taskset', '-c', '0'],
    client: ['taskset', '-c', '0'],
    description: 'same: server and client both on CPU 0 (taskset -c 0)',
  };
}
// #endregion placement

const where = placement(flags.pin);
const strictCount = flags.quick ? 3_000 : 30_000;
const pipelinedCount = flags.quick ? 20_000 : 300_000;
const transports = ['fifo', 'unix', 'tcp'] as const;
const scenarios = [
  { name: 'strict 5 B', size: 5, inFlight: 1, count: strictCount },
  { name: 'strict 1 KiB', size: 1024, inFlight: 1, count: strictCount },
  { name: 'pipelined 64', size: 5, inFlight: 64, count: pipelinedCount },
] as const;

const workDir = mkdtempSync(join(tmpdir(), 'pp-bench-'));
const reference = compileReference(workDir);
const notes: string[] = 'missing' in reference ? [reference.missing] : [];
if (flags.quick)
  notes.push(
    '--quick: short runs, rough numbers; run without it for numbers worth quoting',
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
  transport: (typeof transports)[number],
): Promise<Row[]> {
  const serverArgs = [
    '--transport',
    transport,
    '--socket',
    join(workDir, 'node.sock'),
    '--fifo-dir',
    join(workDir, 'node-fifos'),
  ];
  const { server, address } = await startServer(
    nodeScript('server.ts', serverArgs),
    where.server,
  );
  const rows: Row[] = [];
  try {
    for (const scenario of scenarios) {
      progress.step(`node ${transport} ${scenario.name}`);
      const args = [
        ...clientAddress(transport, address),
        '--json',
        '--count',
        String(scenario.count),
        '--size',
        String(scenario.size),
      ];
      // Untimed round trips first: V8 compiles the hot loop only after a few thousand runs.
      args.push(
        '--in-flight',
        String(scenario.inFlight),
        '--warmup',
        String(Math.max(2_000, scenario.count / 10)),
      );
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
  if ('binary' in reference) {
    const target = {
      fifo: join(workDir, 'c-fifos'),
      unix: join(workDir, 'c.sock'),
      tcp: '0',
    }[transport];
    if (transport === 'fifo') execFileSync('mkdir', ['-p', target]);
    const c = await startServer(
      [reference.binary, 'server', transport, target],
      where.server,
    );
    try {
      for (const row of rows.filter((r) => r.inFlight === 1)) {
        progress.step(`C ${transport} ${row.scenario}`);
        const count = String(strictCount);
        row.c = await runClient(
          [
            reference.binary,
            'client',
            transport,
            c.address,
            count,
            String(row.size),
          ],
          where.client,
        );
      }
    } finally {
      await stopServer(c.server);
    }
  }
  return rows;
}

let rows: Row[] = [];
try {
  for (const transport of transports)
    rows = rows.concat(await measureTransport(transport));
} finally {
  progress.done();
  rmSync(workDir, { recursive: true, force: true });
}

const report: BenchReport = {
  command: `npm run bench --${flags.quick ? ' --quick' : ''} --pin ${flags.pin}`,
  machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${process.platform} ${execFileSync('uname', ['-r']).toString().trim()}, Node ${process.version}`,
  placement: where.description,
  quick: flags.quick,
  notes,
  rows,
};
writeFileSync(flags.svg, drawChart(report));
if (flags.json) console.log(JSON.stringify(report, null, 2));
else console.log(`${formatTable(report)}\nchart written to ${flags.svg}`);
