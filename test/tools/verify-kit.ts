/**
 * The kit a lesson's `demos/NN-name/exercise/checks.ts` is written with, and the
 * runner `npm run verify` uses to run those checks against a learner's server.
 *
 *   import type { Contract } from '../../../test/tools/verify-kit.ts';
 *   export default {
 *     promises: ['answer each `ping` line with `pong`'],
 *     checks: [
 *       { promise: 1, name: 'ping gets pong', async run(kit) {
 *           await kit.start();                  // the server under test, --socket kit.socket
 *           const conn = await kit.connect();   // a line connection to kit.socket
 *           conn.send('ping\n');
 *           await conn.expectLine('pong', 'ping\n');
 *       } },
 *     ],
 *   } satisfies Contract;
 *
 * A check passes when `run` resolves and fails when it throws. `kit.fail()` and the
 * `expect…` helpers throw a CheckFailure: one paragraph saying what was sent, what was
 * expected and what came back, truncated and escaped so a learner's terminal never
 * receives 64 KiB of `yyyy…` or a raw control character. Everything a check starts
 * (processes, connections, its temp directory) is cleaned up after it, pass or fail.
 */
import net from 'node:net';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineQueue } from '../../demos/04-bidirectional/lines.ts';
import {
  DemoProcess,
  READY_LINE,
  REPO_ROOT,
  TimeoutError,
  type ExitStatus,
} from './process.ts';
import { lessonFolder } from './lesson-folders.ts';

// ---------------------------------------------------------------------------
// What checks.ts exports
// ---------------------------------------------------------------------------

/** A lesson's exercise contract: what the learner's server promises, and how each promise is checked. */
export interface Contract {
  /**
   * The promises, worded exactly as the lesson's "Your server must…" list words them
   * (a test checks each one appears verbatim in the lesson text). Numbered from 1.
   */
  promises: readonly string[];
  /** Run in order; verify stops at the first one that fails. */
  checks: readonly Check[];
  /**
   * An outside program the checks need (lesson 11: `nats-server`), and how to install
   * it. Without it the checks fail, saying so; the test suite skips them outside CI.
   */
  requires?: { command: string; install: string };
}

export interface Check {
  /** Which promise (1-based index into `promises`) this check tests. */
  promise: number;
  /** Short, shown after ✔/✘: "ping gets pong". */
  name: string;
  /** Passes by resolving; fails by throwing (use kit.fail or the expect… helpers). */
  run(kit: Kit): Promise<void>;
}

// ---------------------------------------------------------------------------
// The kit
// ---------------------------------------------------------------------------

export interface Kit {
  /** The lesson number, e.g. `'04'`. */
  readonly lesson: string;
  /** A fresh temp directory for this check, removed after it. */
  readonly dir: string;
  /** `<dir>/NN.sock`: where `start()` asks the server to listen by default. */
  readonly socket: string;
  /** Absolute path of the server script under test. */
  readonly server: string;
  /**
   * Starts the server under test (default args `--socket kit.socket`) and waits for
   * its `listening on <address>` line. Fails fast, saying so, if it exits first or
   * prints a different readiness line.
   */
  start(args?: string[]): Promise<RunningServer>;
  /** Runs the server under test to its exit (a start that must be refused, say). */
  runServer(args?: string[]): Promise<Finished>;
  /** A line connection to `address` (default kit.socket; a `{ port }` for TCP). */
  connect(
    address?: string | { port: number; host?: string },
  ): Promise<Connection>;
  /** Runs one of the lesson's own scripts (`'client.ts'`) to its exit. */
  run(script: string, args?: string[]): Promise<Finished>;
  /** Starts one of the lesson's own scripts and leaves it running (killed after the check). */
  spawn(script: string, args?: string[]): DemoProcess;
  /** Throws the one-paragraph failure. `sent` is raw data (quoted for you); the rest is prose. */
  fail(failure: Failure): never;
  /** Raw data as a short, escaped, quoted string, for your own `expected`/`got` prose. */
  quote(data: string | Buffer): string;
}

export interface RunningServer {
  proc: DemoProcess;
  /** What the server printed after `listening on`. */
  address: string;
  /** Waits for a line of the server's output (its `n`-th match with `{ count: n }`); fails, quoting the output, otherwise. */
  waitForLine(
    pattern: RegExp | string,
    options?: { count?: number },
  ): Promise<string>;
  /** Sends `signal` and waits for the exit; fails if it does not exit in time. */
  stop(signal?: NodeJS.Signals): Promise<ExitStatus>;
}

export interface Connection {
  socket: net.Socket;
  send(data: string | Buffer): void;
  /**
   * The next line must be `expected` (a string: exactly that line; a RegExp: a
   * matching line). `sent` says what provoked it, for the failure message.
   * Resolves with the line.
   */
  expectLine(expected: string | RegExp, sent?: Sent): Promise<string>;
  /** The server must close this connection (after any lines still on their way, which are ignored). */
  expectClosed(sent?: Sent): Promise<void>;
  /** The next line, or `undefined` once the server closed the connection; fails on timeout. */
  nextLine(): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  stdout: string;
  stderr: string;
}

/**
 * What a check sent: the raw data (quoted and escaped for you), or the data and how,
 * `{ data: 'ping\n', how: 'one byte per write' }`.
 */
export type Sent = string | { data: string; how: string };

export interface Failure {
  sent?: Sent;
  /** What a server that keeps the promise does, in words. */
  expected: string;
  /** What happened instead, in words (quote data with kit.quote). */
  got: string;
}

/** Thrown by kit.fail and the expect… helpers; verify prints its message as the one paragraph. */
export class CheckFailure extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(formatFailure(failure));
    this.name = 'CheckFailure';
    this.failure = failure;
  }
}

/** How much longer than usual the kit waits: PING_PONG_VERIFY_PATIENCE, 1 unless set (tests on a busy machine). */
export function patienceFromEnv(): number {
  const factor = Number(process.env.PING_PONG_VERIFY_PATIENCE ?? '1');
  return Number.isFinite(factor) && factor > 0 ? factor : 1;
}
const READY_MS = 4_000;
const READY_MAX_MS = 30_000;
const IDLE_MS = 1_000;
const LINE_MS = 3_000;
const EXIT_MS = 5_000;
const CHECK_MS = 45_000;

const MAX_QUOTE = 200;

/** `"ping\n"`, or `"yyyyyyyy…" (65537 characters)` for long data: never more than ~200 characters. */
export function quote(data: string | Buffer): string {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (text.length <= MAX_QUOTE) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, MAX_QUOTE - 40))}… (${text.length} characters in all)`;
}

/** Prose from a check may still hold a learner's bytes: escape control characters, cut it short. */
function tidy(prose: string, max = 2 * MAX_QUOTE): string {
  const escaped = prose.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return escaped.length <= max
    ? escaped
    : `${escaped.slice(0, max - 40)}… (${escaped.length} characters in all)`;
}

function describeSent(sent: Sent): string {
  return typeof sent === 'string'
    ? quote(sent)
    : `${quote(sent.data)} ${tidy(sent.how)}`;
}

export function formatFailure({ sent, expected, got }: Failure): string {
  const parts = [
    sent === undefined ? undefined : `Sent ${describeSent(sent)}.`,
    `Expected ${tidy(expected)}.`,
    `Got ${tidy(got)}.`,
  ];
  return parts.filter((part) => part !== undefined).join(' ');
}

function describeExpected(expected: string | RegExp): string {
  return typeof expected === 'string'
    ? `the line ${quote(expected)}`
    : `a line matching ${tidy(String(expected))}`;
}

/** The last few lines a process printed, for a failure message. */
function lastOutput(proc: DemoProcess, lines = 3): string {
  const tail = proc.lines.slice(-lines).map((line) => quote(line.text));
  return tail.length === 0 ? 'nothing' : tail.join(', ');
}

function exitWords(status: ExitStatus): string {
  return status.signal
    ? `was killed by ${status.signal}`
    : `exited with code ${status.code}`;
}

/** CPU time (user + system, in clock ticks) a process has used so far; undefined where /proc is missing. */
function cpuTime(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Resolves with `promise`, or rejects with a CheckFailure built by `onTimeout`. */
async function within<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Failure,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(onTimeout())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The kit for one check, and what it must clean up afterwards. */
class CheckKit implements Kit {
  readonly lesson: string;
  readonly dir: string;
  readonly socket: string;
  readonly server: string;
  private readonly processes: DemoProcess[] = [];
  private readonly sockets: net.Socket[] = [];

  private readonly factor: number;

  constructor(lesson: string, server: string, factor: number) {
    this.lesson = lesson;
    this.factor = factor;
    this.server = server;
    this.dir = realpathSync(mkdtempSync(join(tmpdir(), 'pp-verify-')));
    this.socket = join(this.dir, `${lesson}.sock`);
  }

  /** `ms`, stretched by the run's patience factor. */
  patience(ms: number): number {
    return Math.round(ms * this.factor);
  }

  private track(proc: DemoProcess): DemoProcess {
    this.processes.push(proc);
    return proc;
  }

  async start(args = ['--socket', this.socket]): Promise<RunningServer> {
    const proc = this.track(new DemoProcess(this.server, args));
    const line = await this.waitForReady(proc);
    return {
      proc,
      address: READY_LINE.exec(line)?.[1] ?? '',
      waitForLine: (pattern, options = {}) =>
        proc
          .waitForLine(pattern, {
            count: options.count ?? 1,
            timeoutMs: this.patience(LINE_MS),
          })
          .catch(() => {
            this.fail({
              expected: `the server to print a line matching ${String(pattern)}`,
              got: proc.exitStatus
                ? `the server ${exitWords(proc.exitStatus)}; its last lines: ${lastOutput(proc)}`
                : `no such line within ${this.patience(LINE_MS)} ms; its last lines: ${lastOutput(proc)}`,
            });
          }),
      stop: async (signal = 'SIGTERM') => {
        proc.kill(signal);
        return within(proc.exited, this.patience(EXIT_MS), () => ({
          expected: `the server to exit after ${signal}`,
          got: `it was still running ${this.patience(EXIT_MS)} ms later`,
        }));
      },
    };
  }

  /**
   * The readiness line, or a fast, clear failure: at once if the server exits or
   * prints another `listen…` line; after READY_MS if it prints nothing and sits idle.
   * A server still busy starting (its CPU time still growing: a loaded machine) gets
   * more time, up to READY_MAX_MS.
   */
  private waitForReady(proc: DemoProcess): Promise<string> {
    const must =
      'the server to print a line containing `listening on <address>` once it accepts connections';
    const started = Date.now();
    let lastCpu: number | undefined = -1;
    let lastBusy = started;
    return new Promise((resolve, reject) => {
      const stop = (error: CheckFailure | undefined, line = ''): void => {
        clearInterval(poll);
        if (error) reject(error);
        else resolve(line);
      };
      const check = (): void => {
        for (const { text } of proc.lines) {
          if (READY_LINE.test(text)) return stop(undefined, text);
          // "Listening at …", "listening: …": almost, but not the promised wording.
          if (/listen/i.test(text))
            return stop(
              new CheckFailure({
                expected: must,
                got: `the line ${quote(text)}`,
              }),
            );
        }
        if (proc.exitStatus)
          return stop(
            new CheckFailure({
              expected: must,
              got: `the server ${exitWords(proc.exitStatus)} first; it printed ${lastOutput(proc)}`,
            }),
          );
        const now = Date.now();
        const cpu = cpuTime(proc.child.pid);
        if (cpu !== lastCpu) {
          lastCpu = cpu;
          lastBusy = now;
        }
        const waited = now - started;
        const idle = cpu === undefined || now - lastBusy >= IDLE_MS;
        if (
          (waited >= this.patience(READY_MS) && idle) ||
          waited >= this.patience(READY_MAX_MS)
        )
          stop(
            new CheckFailure({
              expected: must,
              got: `no such line within ${Math.round(waited / 1000)} s; it printed ${lastOutput(proc)}`,
            }),
          );
      };
      const poll = setInterval(check, 50);
      check();
    });
  }

  async runServer(args = ['--socket', this.socket]): Promise<Finished> {
    return this.finish(this.track(new DemoProcess(this.server, args)));
  }

  async run(script: string, args: string[] = []): Promise<Finished> {
    return this.finish(this.spawn(script, args));
  }

  spawn(script: string, args: string[] = []): DemoProcess {
    const path = join(REPO_ROOT, 'demos', lessonFolder(this.lesson), script);
    return this.track(new DemoProcess(path, args));
  }

  private async finish(proc: DemoProcess): Promise<Finished> {
    const status = await within(proc.exited, this.patience(EXIT_MS), () => ({
      expected: `${proc.describe()} to finish`,
      got: `it was still running after ${this.patience(EXIT_MS)} ms; it printed ${lastOutput(proc)}`,
    }));
    return {
      ...status,
      output: proc.output,
      stdout: proc.stdout,
      stderr: proc.stderr,
    };
  }

  connect(
    address: string | { port: number; host?: string } = this.socket,
  ): Promise<Connection> {
    const where =
      typeof address === 'string' ? quote(address) : `port ${address.port}`;
    return new Promise((resolve, reject) => {
      const socket =
        typeof address === 'string'
          ? net.connect(address)
          : net.connect(address.port, address.host ?? '127.0.0.1');
      this.sockets.push(socket);
      socket.once('error', (error) =>
        reject(
          new CheckFailure({
            expected: `to connect to ${where}`,
            got: `the error ${tidy(error.message)}`,
          }),
        ),
      );
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        socket.on('error', () => {}); // a reset shows up as a closed connection
        resolve(this.connection(socket));
      });
    });
  }

  private connection(socket: net.Socket): Connection {
    // Generous: a wrong line limit should be reported, not make us give up reading.
    const lines = new LineQueue(socket, { maxLineBytes: 4 * 1024 * 1024 });
    const next = (expected: string, sent: Sent | undefined) =>
      within(lines.next(), this.patience(LINE_MS), () => ({
        ...(sent === undefined ? {} : { sent }),
        expected,
        got: `nothing within ${this.patience(LINE_MS)} ms`,
      }));
    return {
      socket,
      send: (data) => void socket.write(data),
      nextLine: () => next('a line from the server', undefined),
      expectLine: async (expected, sent) => {
        const wanted = describeExpected(expected);
        const line = await next(wanted, sent);
        const ok =
          line !== undefined &&
          (typeof expected === 'string'
            ? line === expected
            : expected.test(line));
        if (!ok)
          this.fail({
            ...(sent === undefined ? {} : { sent }),
            expected: wanted,
            got:
              line === undefined
                ? 'the connection closed'
                : `the line ${quote(line)}`,
          });
        return line as string;
      },
      expectClosed: async (sent) => {
        const closed = new Promise<void>((resolve) => {
          if (socket.destroyed) resolve();
          else socket.once('close', () => resolve());
        });
        await within(closed, this.patience(LINE_MS), () => ({
          ...(sent === undefined ? {} : { sent }),
          expected: 'the server to close the connection',
          got: `it was still open ${this.patience(LINE_MS)} ms later`,
        }));
      },
      close: () =>
        new Promise((resolve) => {
          if (socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          socket.end();
        }),
    };
  }

  fail(failure: Failure): never {
    throw new CheckFailure(failure);
  }

  quote(data: string | Buffer): string {
    return quote(data);
  }

  /** Kills what the check started, drops its connections, removes its directory. */
  async cleanUp(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    for (const proc of this.processes) proc.kill('SIGKILL');
    await Promise.all(this.processes.map((proc) => proc.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Running a contract
// ---------------------------------------------------------------------------

export interface CheckResult {
  check: Check;
  /** Position in `checks`, from 1. */
  number: number;
  passed: boolean;
  /** The one paragraph, when it failed. */
  message?: string;
  ms: number;
}

/**
 * Runs the checks in order against `server` (an absolute path), stopping at the first
 * failure. `onResult` is called as each check finishes.
 */
export async function runContract(
  contract: Contract,
  options: {
    lesson: string;
    server: string;
    onResult?: (result: CheckResult) => void;
    /** Multiplies every wait (default: PING_PONG_VERIFY_PATIENCE, else 1). */
    patience?: number;
  },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [index, check] of contract.checks.entries()) {
    const kit = new CheckKit(
      options.lesson,
      options.server,
      options.patience ?? patienceFromEnv(),
    );
    const started = Date.now();
    let message: string | undefined;
    try {
      await within(check.run(kit), kit.patience(CHECK_MS), () => ({
        expected: `the check to finish within ${kit.patience(CHECK_MS)} ms`,
        got: 'it was still waiting',
      }));
    } catch (error) {
      message =
        error instanceof CheckFailure
          ? error.message
          : error instanceof TimeoutError || error instanceof Error
            ? tidy(error.message)
            : tidy(String(error));
    } finally {
      await kit.cleanUp();
    }
    const result: CheckResult = {
      check,
      number: index + 1,
      passed: message === undefined,
      ...(message === undefined ? {} : { message }),
      ms: Date.now() - started,
    };
    results.push(result);
    options.onResult?.(result);
    if (!result.passed) break;
  }
  return results;
}

/** Loads `demos/NN-*\/exercise/checks.ts` (or `path`), or undefined when there is none. */
export async function loadContract(
  lesson: string,
  path = contractPath(lesson),
): Promise<Contract | undefined> {
  if (!existsSync(path)) return undefined;
  const module = (await import(pathToFileURL(path).href)) as {
    default: Contract;
  };
  return module.default;
}

export function contractPath(lesson: string): string {
  return join(
    REPO_ROOT,
    'demos',
    lessonFolder(lesson),
    'exercise',
    'checks.ts',
  );
}

// ---------------------------------------------------------------------------
// Checks many lessons share
// ---------------------------------------------------------------------------

/** "take `--socket PATH` and print `listening on PATH`": the readiness line names the socket. */
export function saysWhereItListens(promise: number): Check {
  return {
    promise,
    name: 'says where it listens',
    async run(kit) {
      const server = await kit.start();
      if (server.address !== kit.socket)
        kit.fail({
          expected: `the readiness line to name the socket, ${kit.quote(kit.socket)}`,
          got: `it named ${kit.quote(server.address)}`,
        });
    },
  };
}

/** "on SIGTERM, close its connections, remove its socket file and exit with code 0". */
export function cleanExitOnSigterm(
  promise: number,
  /** What to do on the connection first (lesson 10: a ping, so a worker holds it). */
  before?: (conn: Connection) => Promise<unknown>,
): Check {
  return {
    promise,
    name: 'SIGTERM: clean exit, socket file removed',
    async run(kit) {
      const server = await kit.start();
      const conn = await kit.connect();
      await before?.(conn);
      const status = await server.stop('SIGTERM');
      if (status.code !== 0)
        kit.fail({
          sent: { data: 'SIGTERM', how: 'with a client connected' },
          expected: 'exit code 0',
          got: status.signal
            ? `killed by ${status.signal}`
            : `exit code ${status.code}`,
        });
      await conn.expectClosed({ data: 'SIGTERM', how: 'to the server' });
      if (existsSync(kit.socket))
        kit.fail({
          sent: { data: 'SIGTERM', how: 'to the server' },
          expected: `the socket file ${kit.quote(kit.socket)} to be gone`,
          got: 'it is still there',
        });
    },
  };
}
