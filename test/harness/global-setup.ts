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
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readSync,
  openSync,
  closeSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/**
 * Fills the type-stripping cache before the first demo starts: one compiler for every
 * file, rather than the first dozen demo processes each loading esbuild at once.
 */
async function warmTypeStripping(): Promise<void> {
  const features = process.features as { typescript?: string | false };
  if (process.env.PING_PONG_TS_RUNNER !== 'strip' || features.typescript)
    return;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const hooks = '../tools/strip-types/hooks.mjs';
  const { compile } = (await import(hooks)) as {
    compile: (source: string) => string | Promise<string>;
  };
  const sources = ['demos', 'test'].flatMap((top) =>
    readdirSync(join(root, top), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(join(root, top, file), 'utf8')),
  );
  // A file that does not compile fails in its own tests, with a clearer message.
  const quietly = async (source: string): Promise<unknown> =>
    Promise.resolve()
      .then(() => compile(source))
      .catch(() => undefined);
  await Promise.all(sources.map(quietly));
}

/** The first `python3` on PATH, if it is a script (a pyenv or asdf shim) rather than Python. */
function pythonShim(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir || '.', 'python3');
    let start: string;
    try {
      if (!statSync(candidate).isFile()) continue;
      const fd = openSync(candidate, 'r');
      const bytes = Buffer.alloc(2);
      readSync(fd, bytes, 0, 2, 0);
      closeSync(fd);
      start = bytes.toString();
    } catch {
      continue; // not there, or not ours to read
    }
    return start === '#!' ? candidate : undefined;
  }
  return undefined;
}

/**
 * A version manager's `python3` is a shell script that works out which Python to run
 * at every call: about 150 ms, and the suite starts Python dozens of times. The run
 * gets a `python3` that is that same Python, found once. Not for a virtualenv: its
 * Python finds the environment from the path it was called by, not a symlink's target.
 * Only a speed-up: whatever goes wrong, the run keeps the shim.
 */
function skipPythonShim(root: string): void {
  try {
    const shim = pythonShim();
    if (!shim) return;
    const [python = '', inVenv] = execFileSync(
      shim,
      [
        '-c',
        'import sys; print(sys.executable); print(sys.prefix != sys.base_prefix)',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n');
    if (!python.startsWith('/') || inVenv !== 'False') return;
    const bin = join(root, 'bin');
    mkdirSync(bin);
    symlinkSync(python, join(bin, 'python3'));
    process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  } catch {
    // no Python behind the shim (the tests that need it say so), or no way to link it
  }
}

export default async function setup(): Promise<() => void> {
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
  const previousPath = process.env.PATH;
  process.env.TMPDIR = root;
  // Demos start by erasing their types, as `node demos/…/server.ts` does on Node ≥ 22.18:
  // half of tsx's start-up cost (see defaultLauncher in test/tools/process.ts).
  process.env.PING_PONG_TS_RUNNER ??= 'strip';
  await warmTypeStripping();
  skipPythonShim(root);
  // Node 20 reads and parses NODE_EXTRA_CA_CERTS at every start, TLS or not: about
  // 70 ms per process where it names the system bundle (as on our CI machines). No
  // demo or tool the tests start makes a TLS connection, and they start hundreds.
  delete process.env.NODE_EXTRA_CA_CERTS;

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
    process.env.PATH = previousPath;
    removeRoot();
  };
}
