/**
 * Running demo scripts as a learner would (`node --import tsx script.ts ...`; see
 * defaultLauncher for the tests' cheaper way), reading their output line by line, waiting for a line (never a fixed sleep), and killing them.
 * Used by the tests, the tour (`npm start`) and `npm run verify`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const REPO_ROOT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
);

/** Absolute, so a learner's script outside the repo still finds tsx. */
const TSX_LOADER = import.meta.resolve('tsx');

/**
 * How a `.ts` script is started. A learner runs `npx tsx …`, and so does verify (a
 * learner's file may use TypeScript that Node cannot strip): `node --import tsx`. The
 * test suite and the tour set PING_PONG_TS_RUNNER=strip (test/harness/global-setup.ts,
 * tour.ts) to run the demos as `node script.ts` runs them on Node ≥ 22.18, by erasing
 * types (the demos use erasable syntax only): natively where Node can, else through
 * the small hooks in strip-types/, which start in half of tsx's CPU time. Hundreds of
 * processes per run make that the suite's biggest cost.
 */
export function defaultLauncher(): string[] {
  if (process.env.PING_PONG_TS_RUNNER !== 'strip')
    return [process.execPath, '--import', TSX_LOADER];
  const features = process.features as { typescript?: string | false };
  if (features.typescript)
    return [process.execPath, '--disable-warning=ExperimentalWarning'];
  return [process.execPath, '--import', STRIP_TYPES];
}
const STRIP_TYPES = fileURLToPath(
  new URL('./strip-types/register.mjs', import.meta.url),
);

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called for every line the process prints, as it prints it. */
  onLine?: (line: OutputLine) => void;
  /** What runs the script; defaultLauncher() unless told otherwise (`['sh', '-c']` for a shell command). */
  launcher?: string[];
  /**
   * Start it in a process group of its own so that kill() reaches what it started too
   * (strace and its tracee, a shell's children). Off by default: Ctrl-C in a terminal
   * reaches only the terminal's process group, and the tour's children should get it.
   */
  ownProcessGroup?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class TimeoutError extends Error {}

/** Every process started here, so a test's teardown can kill what it started. */
export const running = new Set<DemoProcess>();

export class DemoProcess {
  readonly child: ChildProcess;
  readonly lines: OutputLine[] = [];
  readonly exited: Promise<ExitStatus>;
  exitStatus: ExitStatus | undefined;
  private readonly ownProcessGroup: boolean;
  private readonly listeners = new Set<() => void>();
  readonly script: string;
  readonly args: string[];

  constructor(script: string, args: string[], options: SpawnOptions = {}) {
    this.script = script;
    this.args = args;
    this.ownProcessGroup = options.ownProcessGroup ?? false;
    const [command = process.execPath, ...launcherArgs] =
      options.launcher ?? defaultLauncher();
    this.child = spawn(command, [...launcherArgs, script, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: options.ownProcessGroup ?? false,
    });
    running.add(this);
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = this.child[stream];
      if (!source) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on(
        'line',
        (text) => {
          const line = { stream, text };
          this.lines.push(line);
          options.onLine?.(line);
          for (const listener of this.listeners) listener();
        },
      );
    }
    this.exited = new Promise((resolveExit) => {
      // 'close' rather than 'exit': by then every line of output has been read.
      this.child.once('close', (code, signal) => {
        this.exitStatus = { code, signal };
        running.delete(this);
        for (const listener of this.listeners) listener();
        resolveExit(this.exitStatus);
      });
    });
  }

  /** Everything printed so far, both streams, in order. */
  get output(): string {
    return this.lines.map((line) => line.text).join('\n');
  }

  get stdout(): string {
    return this.lines
      .filter((line) => line.stream === 'stdout')
      .map((line) => line.text)
      .join('\n');
  }

  get stderr(): string {
    return this.lines
      .filter((line) => line.stream === 'stderr')
      .map((line) => line.text)
      .join('\n');
  }

  /** Lines printed so far that match. */
  matching(pattern: RegExp | string): string[] {
    return this.lines
      .map((line) => line.text)
      .filter((text) => matches(text, pattern));
  }

  /**
   * Resolves with the `count`-th line (counting from the process's start) that
   * matches. Rejects, quoting the output, if the process exits or time runs out first.
   */
  waitForLine(
    pattern: RegExp | string,
    { count = 1, timeoutMs = 10_000 } = {},
  ): Promise<string> {
    return new Promise((resolveLine, reject) => {
      const check = (): boolean => {
        const found = this.matching(pattern)[count - 1];
        if (found !== undefined) {
          finish();
          resolveLine(found);
          return true;
        }
        if (this.exitStatus) {
          finish();
          reject(
            new Error(
              `${this.describe()} exited (${formatExit(this.exitStatus)}) before printing ${String(pattern)}${this.quoteOutput()}`,
            ),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new TimeoutError(
            `${this.describe()} did not print ${String(pattern)} within ${timeoutMs} ms${this.quoteOutput()}`,
          ),
        );
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (): void => void check();
      if (!check()) this.listeners.add(listener);
    });
  }

  /** Resolves with the exit status; kills the process and rejects if it takes too long. */
  async waitForExit(timeoutMs = 15_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill('SIGKILL');
        reject(
          new TimeoutError(
            `${this.describe()} did not exit within ${timeoutMs} ms${this.quoteOutput()}`,
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Signals the process (its whole group, if it has its own), so nothing it started outlives it. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exitStatus || this.child.pid === undefined) return;
    try {
      if (this.ownProcessGroup) process.kill(-this.child.pid, signal);
      else this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  describe(): string {
    return [this.script, ...this.args].join(' ');
  }

  private quoteOutput(): string {
    const text = this.output;
    return text
      ? `\n--- its output ---\n${text}\n------------------`
      : ' (it printed nothing)';
  }
}

export function formatExit(status: ExitStatus): string {
  return status.signal ? `signal ${status.signal}` : `code ${status.code}`;
}

function matches(text: string, pattern: RegExp | string): boolean {
  return typeof pattern === 'string'
    ? text.includes(pattern)
    : pattern.test(text);
}

/** The readiness line every server prints: `... listening on <address>`. */
export const READY_LINE = /listening on (\S+)/;

/** Starts a server script and waits until it accepts connections. */
export async function startServerProcess(
  script: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<{ server: DemoProcess; address: string }> {
  const server = new DemoProcess(script, args, options);
  const ready = await server.waitForLine(READY_LINE, {
    timeoutMs: options.timeoutMs ?? 15_000,
  });
  return { server, address: READY_LINE.exec(ready)?.[1] ?? '' };
}

/** Kills every process still running: SIGKILL, because a test that failed may have left it wedged. */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const proc of left) proc.kill('SIGKILL');
  await Promise.all(left.map((proc) => proc.exited));
}
