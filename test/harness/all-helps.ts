/**
 * `--help` of many demo scripts in one process, for test/cli.test.ts: each script is
 * imported with `process.argv` set to `[node, script, '--help']`, and `process.exit`
 * turned into a throw so that parseCli's exit ends only that import. Starting one
 * process per script cost about 0.25 s of CPU each, some 50 times per test run.
 * Prints one JSON line: script → { code, stdout }, or { error } when a script did not
 * end in process.exit (the test then runs that one in a process of its own).
 */
import { pathToFileURL } from 'node:url';

class Exit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

const results: Record<
  string,
  { code?: number; stdout?: string; error?: string }
> = {};
const realWrite = process.stdout.write.bind(process.stdout);
const realExit = process.exit.bind(process);
let captured = '';
process.stdout.write = ((chunk: string | Uint8Array): boolean => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  return true;
}) as typeof process.stdout.write;
process.exit = ((code?: number): never => {
  throw new Exit(code ?? 0);
}) as typeof process.exit;

for (const script of process.argv.slice(2)) {
  captured = '';
  process.argv = [process.argv[0] ?? 'node', script, '--help'];
  try {
    await import(pathToFileURL(script).href);
    results[script] = { error: 'did not exit' };
  } catch (error) {
    results[script] =
      error instanceof Exit
        ? { code: error.code, stdout: captured }
        : { error: String(error) };
  }
}
process.stdout.write = realWrite;
realWrite(`${JSON.stringify(results)}\n`);
realExit(0);
