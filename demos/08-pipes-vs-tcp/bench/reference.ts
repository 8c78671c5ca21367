/**
 * Lesson 08 · bench: compile the C reference (bench/pingpong.c) with `cc -O2`.
 * It speaks the same protocol with plain blocking read()/write() and no runtime,
 * so its numbers are what the kernel costs; Node's ratio to it is Node's share.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REFERENCE_SOURCE = fileURLToPath(
  new URL('pingpong.c', import.meta.url),
);

/** Compiles into `outputDir` and returns the binary's path, or why it could not. */
export function compileReference(
  outputDir: string,
): { binary: string } | { missing: string } {
  const binary = join(outputDir, 'pingpong');
  try {
    execFileSync('cc', ['-O2', '-o', binary, REFERENCE_SOURCE], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return { binary };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return {
        missing:
          'no C compiler (cc) on this machine: the C reference rows are left out',
      };
    const stderr =
      (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    return {
      missing: `cc could not compile ${REFERENCE_SOURCE}: ${stderr.split('\n')[0] ?? ''}`,
    };
  }
}
