/**
 * Assertions about the order of events: the lessons on blocking and polling are
 * about what happens before what, never about how long it took.
 */
import { expect } from 'vitest';
import type { DemoProcess } from '../tools/process.ts';

/** Asserts that `proc` printed a line matching each pattern, in this order. */
export function expectOrder(proc: DemoProcess, patterns: RegExp[]): void {
  const indices = patterns.map((pattern) =>
    proc.lines.findIndex((line) => pattern.test(line.text)),
  );
  for (const [position, index] of indices.entries()) {
    expect(
      index,
      `${String(patterns[position])} was printed\n${proc.output}`,
    ).toBeGreaterThanOrEqual(0);
  }
  expect(
    indices,
    `printed in the order ${patterns.map(String).join(', ')}\n${proc.output}`,
  ).toEqual([...indices].sort((a, b) => a - b));
}
