/**
 * Lesson 08 · bench: the chart, as a hand-written SVG (no dependency): one panel
 * per scenario, one horizontal bar per transport for Node and, where measured, C.
 */
import type { BenchReport, Row } from './report.ts';

const WIDTH = 760;
const LABEL = 150;
const BAR = 16;
const COLOURS = { node: '#3c873a', c: '#555555' };

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const rounded = (perSecond: number): string =>
  Math.round(perSecond).toLocaleString('en-US');

interface Bar {
  transport: Row['transport'];
  runtime: 'node' | 'c';
  value: number;
}

function panel(
  title: string,
  bars: Bar[],
  top: number,
): { svg: string; height: number } {
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const scale = (WIDTH - LABEL - 110) / max;
  const parts = [
    `<text x="10" y="${top + 18}" class="title">${escape(title)}</text>`,
  ];
  bars.forEach((bar, index) => {
    const y = top + 30 + index * (BAR + 6);
    const width = Math.max(1, bar.value * scale);
    const label = `${bar.transport} · ${bar.runtime === 'node' ? 'Node' : 'C'}`;
    parts.push(
      `<text x="${LABEL - 8}" y="${y + 12}" text-anchor="end">${label}</text>`,
      `<rect class="bar" data-transport="${bar.transport}" data-runtime="${bar.runtime}" x="${LABEL}" y="${y}" ` +
        `width="${width.toFixed(1)}" height="${BAR}" fill="${COLOURS[bar.runtime]}"/>`,
      `<text x="${(LABEL + width + 6).toFixed(1)}" y="${y + 12}">${rounded(bar.value)}/s</text>`,
    );
  });
  return { svg: parts.join('\n'), height: 40 + bars.length * (BAR + 6) };
}

export function drawChart(report: BenchReport): string {
  const barsFor = (scenario: string, withC: boolean): Bar[] =>
    report.rows
      .filter((row) => row.scenario === scenario)
      .flatMap((row) => [
        {
          transport: row.transport,
          runtime: 'node' as const,
          value: row.node.perSecond,
        },
        ...(withC && row.c
          ? [
              {
                transport: row.transport,
                runtime: 'c' as const,
                value: row.c.perSecond,
              },
            ]
          : []),
      ]);
  const panels = [
    {
      title: 'Strict ping-pong, 5-byte pings: round trips per second',
      bars: barsFor('strict 5 B', true),
    },
    {
      title: 'Strict ping-pong, 1 KiB pings: round trips per second',
      bars: barsFor('strict 1 KiB', true),
    },
    {
      title: 'Pipelined, 64 pings in flight: messages per second',
      bars: barsFor('pipelined 64', false),
    },
  ];
  let top = 40;
  const drawn = panels.map((p) => {
    const result = panel(p.title, p.bars, top);
    top += result.height + 10;
    return result.svg;
  });
  const footer = `${report.machine} · ${report.placement} · ${report.command}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 20}" viewBox="0 0 ${WIDTH} ${top + 20}" font-family="sans-serif" font-size="12">`,
    '<style>.title { font-weight: bold; font-size: 13px; }</style>',
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="22" class="title" font-size="15">Node.js IPC on one machine: FIFO vs Unix socket vs TCP localhost</text>`,
    ...drawn,
    `<text x="10" y="${top + 8}" fill="#666666" font-size="10">${escape(footer)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
