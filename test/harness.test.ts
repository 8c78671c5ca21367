/**
 * The harness every lesson's tests stand on: if it lies, every test does.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DemoProcess, tempDir } from './harness/index.ts';
import { running } from './tools/process.ts';

function script(source: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const path = join(dir, 'script.ts');
  writeFileSync(path, source);
  return path;
}

describe('the test harness', () => {
  it('waits for a line printed later, counting matches from the start', async () => {
    const proc = new DemoProcess(
      script(
        "for (const n of [1, 2, 3]) setTimeout(() => console.log('tick ' + n), n * 20);",
      ),
      [],
    );
    await expect(proc.waitForLine(/tick/, { count: 3 })).resolves.toBe(
      'tick 3',
    );
    expect(proc.matching('tick')).toEqual(['tick 1', 'tick 2', 'tick 3']);
  });

  it('fails a wait that times out and quotes what the process printed', async () => {
    const proc = new DemoProcess(
      script("console.log('almost ready'); setInterval(() => {}, 1000);"),
      [],
    );
    await proc.waitForLine('almost');
    await expect(
      proc.waitForLine('listening on', { timeoutMs: 300 }),
    ).rejects.toThrow(
      /did not print listening on within 300 ms[\s\S]*almost ready/,
    );
  });

  it('fails a wait at once when the process exits first', async () => {
    const proc = new DemoProcess(
      script("console.error('boom'); process.exit(3);"),
      [],
    );
    await expect(proc.waitForLine('listening on')).rejects.toThrow(
      /exited \(code 3\)[\s\S]*boom/,
    );
  });

  it('keeps track of what is running so teardown can kill it', async () => {
    const proc = new DemoProcess(script('setInterval(() => {}, 1000);'), []);
    expect(running.has(proc)).toBe(true);
    proc.kill('SIGKILL');
    await proc.exited;
    expect(running.has(proc)).toBe(false);
  });

  it("puts every temp file of the run in the run's own folder, which the run removes", () => {
    expect(process.env.TMPDIR).toMatch(/\/pp-run-\d+-[^/]+$/);
    expect(tempDir().startsWith(`${process.env.TMPDIR}/`)).toBe(true);
  });
});
