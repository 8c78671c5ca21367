/**
 * Why freeze.ts restarts itself when run with `npx tsx`.
 *
 * `npx tsx file.ts` is two processes: tsx's launcher, and a child node that runs
 * the file. On Ctrl-C (or a SIGTERM sent to the launcher) the launcher waits about
 * 60 ms for its child to say "got it", and then kills the child with SIGKILL. A
 * frozen process cannot say anything, so it would die mid-freeze without closing
 * its clients or removing its socket file: a supervisor's stop timeout, in small.
 *
 * So under the launcher we start the same script again as a plain `node` process,
 * stay responsive ourselves (we never freeze), and pass signals on to it.
 */
import { spawn } from 'node:child_process';

/** tsx's launcher starts its child with `--require …/tsx/dist/preflight.cjs`. */
const isPreflight = (arg: string): boolean => /tsx.dist.preflight/.test(arg);

/**
 * Returns at once unless we run under tsx's launcher. Otherwise it runs this script
 * again directly under node, passes SIGINT/SIGTERM/SIGHUP on, and exits with its code.
 */
export async function leaveTsxLauncher(): Promise<void> {
  const preflight = process.execArgv.findIndex(isPreflight);
  if (preflight < 1) return;
  const execArgv = [...process.execArgv];
  execArgv.splice(preflight - 1, 2); // the --require and its file; the loader stays
  const child = spawn(
    process.execPath,
    [...execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
  // Never resolves: everything from now on happens in the child.
  await new Promise<never>(() => {});
}
