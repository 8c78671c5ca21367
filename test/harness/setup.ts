/**
 * Loaded before every test file (vitest `setupFiles`): whatever a test started is
 * killed and removed after it, pass or fail, and whatever is still running when the
 * worker itself goes (an interrupted run) is killed on the way out.
 */
import { afterEach } from 'vitest';
import { killAll, running } from '../tools/process.ts';
import { destroyOpenClients, removeTempDirs } from './index.ts';

afterEach(async () => {
  destroyOpenClients();
  await killAll();
  removeTempDirs();
});

// Once per worker: a worker runs many test files (vitest.config.ts: isolate false).
const key = Symbol.for('ping-pong.killOnExit');
const worker = globalThis as { [key]?: true };
if (!worker[key]) {
  worker[key] = true;
  process.once('exit', () => {
    for (const proc of running) proc.kill('SIGKILL');
    removeTempDirs();
  });
}
