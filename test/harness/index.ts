/**
 * What every lesson's tests share: a fresh temp directory per test, the lesson's
 * server started and ready, its clients run to completion, a raw line-speaking
 * socket for poking at servers, and a check for outside tools (python3, socat).
 *
 * Demos start the way defaultLauncher() (test/tools/process.ts) says: types erased,
 * as `node demos/…/server.ts` runs them on Node ≥ 22.18.
 */
import net from 'node:net';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DemoProcess,
  REPO_ROOT,
  startServerProcess,
  type SpawnOptions,
} from '../tools/process.ts';
import { LineQueue } from '../../demos/04-bidirectional/lines.ts';

export {
  DemoProcess,
  REPO_ROOT,
  READY_LINE,
  type OutputLine,
} from '../tools/process.ts';
export {
  VERIFY_LESSON_ENV,
  VERIFY_SERVER_ENV,
  lessonFolder,
} from '../tools/lesson-folders.ts';
import {
  VERIFY_LESSON_ENV,
  VERIFY_SERVER_ENV,
  lessonFolder,
} from '../tools/lesson-folders.ts';

const createdDirs: string[] = [];

/** A fresh, short temp directory (socket paths must stay under 108 bytes), removed after the test. */
export function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'pp-')));
  createdDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of createdDirs.splice(0))
    rmSync(dir, { recursive: true, force: true });
}

/** The path of a demo script, e.g. `demoScript('05', 'client.ts')`. */
export function demoScript(lesson: string, script: string): string {
  return join(REPO_ROOT, 'demos', lessonFolder(lesson), script);
}

/**
 * The lesson's server script. (It used to be swapped for a learner's by `npm run verify`;
 * verify now runs demos/NN-name/exercise/checks.ts instead, so nothing sets the override.
 * Prefer demoScript(lesson, 'server.ts') in new tests.)
 */
export function serverScript(lesson: string): string {
  const override = process.env[VERIFY_SERVER_ENV];
  if (override && process.env[VERIFY_LESSON_ENV] === lessonFolder(lesson))
    return resolve(override);
  return demoScript(lesson, 'server.ts');
}

/**
 * Always false now: `npm run verify` no longer runs the lesson's tests against a
 * learner's server. Kept so the lesson tests that ask compile; drop it when you touch them.
 */
export function verifying(lesson: string): boolean {
  return serverScript(lesson) !== demoScript(lesson, 'server.ts');
}

/** Starts the lesson's server with `args` and resolves once it prints `listening on`. */
export async function startServer(
  lesson: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<{ server: DemoProcess; address: string }> {
  return startServerProcess(serverScript(lesson), args, options);
}

/** Starts any demo script (a client, a watcher) without waiting for it. */
export function spawnScript(
  lesson: string,
  script: string,
  args: string[],
  options: SpawnOptions = {},
): DemoProcess {
  return new DemoProcess(demoScript(lesson, script), args, options);
}

/** Runs a demo script to completion; resolves with the process (exit status and output). */
export async function runScript(
  lesson: string,
  script: string,
  args: string[],
  {
    timeoutMs = 20_000,
    ...options
  }: SpawnOptions & { timeoutMs?: number } = {},
): Promise<
  DemoProcess & { exitStatus: NonNullable<DemoProcess['exitStatus']> }
> {
  const proc = spawnScript(lesson, script, args, options);
  await proc.waitForExit(timeoutMs);
  return proc as DemoProcess & {
    exitStatus: NonNullable<DemoProcess['exitStatus']>;
  };
}

/**
 * Lessons 02 and 03: starts the lesson's client with `--hold` (demos/02-blocking/hold.ts) and
 * resolves once it is connected and silent and the server has seen it as `client 1`.
 */
export async function startHoldingClient(
  lesson: string,
  socket: string,
  server: DemoProcess,
): Promise<DemoProcess> {
  const holder = spawnScript(lesson, 'client.ts', [
    '--socket',
    socket,
    '--hold',
  ]);
  await holder.waitForLine('holding the line');
  await server.waitForLine('client 1 connected');
  return holder;
}

/** A raw connection that speaks lines: what `nc -U` would do by hand. */
export interface LineClient {
  socket: net.Socket;
  send(text: string): void;
  /** The next line from the server, or `undefined` once it closed the connection. */
  nextLine(timeoutMs?: number): Promise<string | undefined>;
  close(): Promise<void>;
}

const openClients = new Set<net.Socket>();

export function connectLines(path: string): Promise<LineClient> {
  return new Promise((resolveClient, reject) => {
    const socket = net.connect(path);
    openClients.add(socket);
    socket.once('close', () => openClients.delete(socket));
    socket.once('error', reject);
    const lines = new LineQueue(socket, { maxLineBytes: 16 * 1024 * 1024 });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // a reset shows up as a closed queue, which tests assert on
      resolveClient({
        socket,
        send: (text) => void socket.write(text),
        nextLine: (timeoutMs = 10_000) =>
          withTimeout(lines.next(), timeoutMs, `no line from ${path}`),
        close: () =>
          new Promise((done) => {
            if (socket.destroyed) return done();
            socket.once('close', () => done());
            socket.end();
          }),
      });
    });
  });
}

export function destroyOpenClients(): void {
  for (const socket of openClients) socket.destroy();
  openClients.clear();
}

export function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a shell command (one a lesson shows, say) from the repo root; resolves with its stdout, rejects if it fails. */
export async function runShell(
  command: string,
  timeoutMs = 15_000,
): Promise<string> {
  const { stdout } = await promisify(execFile)('sh', ['-c', command], {
    cwd: REPO_ROOT,
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  return stdout;
}

/** How a finished shell command went: its exit code and what it printed. */
export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a shell command from the repo root like `runShell`, but resolves whatever its exit
 * code, for commands a lesson shows failing (`cat` on a socket, a refused connection).
 * Rejects only if it cannot run or does not finish in time.
 */
export function runShellResult(
  command: string,
  timeoutMs = 15_000,
): Promise<ShellResult> {
  return new Promise((resolveResult, reject) => {
    execFile(
      'sh',
      ['-c', command],
      { cwd: REPO_ROOT, timeout: timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) return resolveResult({ code: 0, stdout, stderr });
        if (typeof error.code === 'number' && !error.killed)
          return resolveResult({ code: error.code, stdout, stderr });
        // Killed (by the timeout or a signal), or sh itself could not start.
        reject(
          new Error(
            `"${command}" ended without an exit code (timeout ${timeoutMs} ms): ${error.message}`,
          ),
        );
      },
    );
  });
}

/**
 * Starts a long-lived shell command (strace, a Python server) without waiting for it.
 * It gets a process group of its own, so killing it kills everything it started.
 */
export function spawnShell(
  command: string,
  options: SpawnOptions = {},
): DemoProcess {
  return new DemoProcess(command, [], {
    ...options,
    launcher: ['sh', '-c'],
    ownProcessGroup: true,
  });
}

/** Whether an outside tool is installed; tests that need it skip, naming it, when it is not. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a short python3 program with arguments; resolves with its stdout. */
export async function runPython(
  program: string,
  args: string[] = [],
  timeoutMs = 10_000,
): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'python3',
    ['-c', program, ...args],
    { encoding: 'utf8', timeout: timeoutMs },
  );
  return stdout;
}

/** What `script --help` prints (script is relative to the repo root). */
export async function runScriptHelp(script: string): Promise<string> {
  const proc = new DemoProcess(join(REPO_ROOT, script), ['--help']);
  await proc.waitForExit();
  return proc.stdout;
}
