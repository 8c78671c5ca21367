/**
 * Lesson 08 · bench: start a server, run one client against it, read its numbers.
 * Server and client are always separate processes, each pinned to a CPU (or not)
 * by `taskset`, so what we time is real IPC between two processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const FOLDER = fileURLToPath(new URL('..', import.meta.url));

/** A command line: the program and its arguments. */
export type Command = string[];

/** A demo script, run the way this process runs (`npx tsx`'s loader flags and all). */
export const nodeScript = (script: string, args: string[]): Command => [
  process.execPath,
  ...process.execArgv,
  `${FOLDER}${script}`,
  ...args,
];

/** What one client run measured: its own JSON line (Node's client.ts or the C reference). */
export interface Measurement {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  count: number;
}

/** Every process started and not yet exited, so an interrupted run can stop them. */
const running = new Set<ChildProcess>();

function start(command: Command, pin: string[]): ChildProcess {
  const [program = '', ...args] = [...pin, ...command];
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Ctrl-C or kill: stop every server and client we started, and wait until they are gone. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopServer(child)));
}

/** Starts a server and resolves with its address once it prints `listening on ADDRESS`. */
export function startServer(
  command: Command,
  pin: string[],
): Promise<{ server: ChildProcess; address: string }> {
  const server = start(command, pin);
  let output = '';
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: server.stdout! });
    lines.on('line', (line) => {
      output += `${line}\n`;
      const address = /listening on (\S+)/.exec(line)?.[1];
      if (address) resolve({ server, address });
    });
    server.once('exit', (code) =>
      reject(
        new Error(
          `${command.join(' ')} exited (${code}) before it was ready:\n${output}`,
        ),
      ),
    );
  });
}

export async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

/** Runs a client to the end; its last stdout line is a JSON Measurement. */
export function runClient(
  command: Command,
  pin: string[],
): Promise<Measurement> {
  const client = start(command, pin);
  let stdout = '';
  let stderr = '';
  client.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  client.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    client.once('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        return reject(
          new Error(
            `${command.join(' ')} failed (exit ${code}): ${stderr.trim() || stdout.trim()}`,
          ),
        );
      }
      resolve(JSON.parse(last) as Measurement);
    });
  });
}
