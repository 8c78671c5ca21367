/**
 * Lesson 08 · bench: the results, the table a human reads, and a progress bar.
 */
import type { Measurement } from './run.ts';

export interface Row {
  transport: 'fifo' | 'unix' | 'tcp';
  scenario: string;
  size: number;
  inFlight: number;
  node: Measurement;
  /** The C reference in the same run and placement; strict rows only. */
  c?: Measurement;
}

export interface BenchReport {
  command: string;
  machine: string;
  placement: string;
  quick: boolean;
  notes: string[];
  rows: Row[];
}

const rate = (perSecond: number): string =>
  `${Math.round(perSecond).toLocaleString('en-US')}/s`;
const ms = (value: number): string => `${value.toFixed(3)} ms`;
const ratio = (value: number): string => `${value.toFixed(2)}×`;

/** One row per transport and scenario; ratios to `unix` (same scenario) and to C. */
export function formatTable(report: BenchReport): string {
  const header = [
    'transport',
    'scenario',
    'Node',
    'p50',
    'p99',
    'vs unix',
    'C',
    'Node/C',
  ];
  const lines = report.rows.map((row) => {
    const unix = report.rows.find(
      (other) => other.transport === 'unix' && other.scenario === row.scenario,
    );
    return [
      row.transport,
      row.scenario,
      rate(row.node.perSecond),
      ms(row.node.p50Ms),
      ms(row.node.p99Ms),
      unix ? ratio(row.node.perSecond / unix.node.perSecond) : '',
      row.c ? rate(row.c.perSecond) : '',
      row.c ? ratio(row.node.perSecond / row.c.perSecond) : '',
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column < 2
          ? cell.padEnd(widths[column] ?? 0)
          : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [
    `machine:   ${report.machine}`,
    `placement: ${report.placement}`,
    `command:   ${report.command}`,
    '',
    format(header),
    ...lines.map(format),
    '',
    'strict = one ping in flight, rate in round trips/s; pipelined 64 = 64 in flight, rate in messages/s.',
    ...report.notes.map((note) => `note: ${note}`),
  ].join('\n');
}

/** `[#####·····] 5/15 node unix strict 5 B` on stderr, redrawn in place on a terminal. */
export class Progress {
  private completed = 0;
  private readonly total: number;

  constructor(total: number) {
    this.total = total;
  }

  step(what: string): void {
    const filled = Math.round((20 * this.completed) / this.total);
    const bar = `[${'#'.repeat(filled)}${'·'.repeat(20 - filled)}] ${this.completed + 1}/${this.total} ${what}`;
    this.completed++;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${bar}`);
    else process.stderr.write(`${bar}\n`);
  }

  done(): void {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  }
}
