/**
 * Loaded before every test file (vitest `setupFiles`): whatever a test started is
 * killed and removed after it, pass or fail.
 */
import { afterEach } from 'vitest';
import { killAll } from '../tools/process.ts';
import { destroyOpenClients, removeTempDirs } from './index.ts';

afterEach(async () => {
  destroyOpenClients();
  await killAll();
  removeTempDirs();
});
