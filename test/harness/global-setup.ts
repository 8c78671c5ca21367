/**
 * Once per `vitest run`, before any worker starts: every temp file the run makes goes
 * into one folder of its own, removed when the run ends.
 *
 * TMPDIR points at that folder, so it covers the harness's tempDir(), the demos'
 * own temp files (the benchmark's, the default runtime directory when
 * $XDG_RUNTIME_DIR is unset), verify's, even Python's and Chromium's. It is made
 * like /tmp itself (mode 1777), so steps that run as `nobody` behave as they would
 * there. Ctrl-C and kill remove it too; only a run killed with SIGKILL leaves its
 * folder behind, and the next run removes every such folder whose run is gone.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'pp-run-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Folders of earlier runs that died without cleaning up: ours, and their process is gone. */
function removeLeftovers(base: string): void {
  for (const name of readdirSync(base)) {
    const pid = Number(/^pp-run-(\d+)-/.exec(name)?.[1]);
    if (!pid || alive(pid)) continue;
    const path = join(base, name);
    try {
      if (statSync(path).uid !== process.getuid?.()) continue;
      rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}

export default function setup(): () => void {
  const base = tmpdir();
  removeLeftovers(base);
  const root = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  chmodSync(root, 0o1777);
  // tsx keeps its compiled files in <tmpdir>/tsx-<uid>: point the run's one at the usual
  // cache, or every demo start would recompile everything from scratch.
  const cache = `tsx-${process.getuid?.() ?? 0}`;
  mkdirSync(join(base, cache), { recursive: true, mode: 0o700 });
  symlinkSync(join(base, cache), join(root, cache));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;

  const removeRoot = (): void => rmSync(root, { recursive: true, force: true });
  // Ctrl-C (or a kill) ends vitest without its teardown: remove the folder now, and
  // once more a moment later, after the demos still starting up have been killed
  // (tsx would otherwise recreate its cache folder in it), by a process that outlives us.
  const onSignal = (signal: NodeJS.Signals): void => {
    removeRoot();
    spawn('sh', ['-c', 'sleep 3; rm -rf -- "$0"', root], {
      detached: true,
      stdio: 'ignore',
    }).unref();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.once(signal, onSignal);
  process.once('exit', removeRoot);

  return () => {
    for (const signal of signals) process.off(signal, onSignal);
    process.off('exit', removeRoot);
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    removeRoot();
  };
}
