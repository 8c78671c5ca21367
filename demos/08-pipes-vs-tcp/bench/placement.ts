/**
 * Lesson 08 · bench: where the server and the client run (`--pin`).
 */
import { execFileSync } from 'node:child_process';

export type Pin = 'same' | 'split' | 'none';

export interface Placement {
  /** Prefixes for the two command lines, e.g. `['taskset', '-c', '0']`. */
  server: string[];
  client: string[];
  /** The `placement:` line of the report. */
  description: string;
}

// #region placement
/**
 * Where the two processes run matters more than the transport on a small VM. On
 * one CPU, a ping makes the kernel switch straight to the waiting server; on two,
 * it must wake the other CPU (an inter-processor interrupt, and a CPU coming out
 * of idle), which costs tens of microseconds per hop. `taskset -c N` starts a
 * program pinned to CPU N (sched_setaffinity); without it, or on one CPU, we say
 * what we did instead.
 */
export function placement(
  pin: Pin,
  machine: { canPin: boolean; cpuCount: number },
): Placement {
  if (pin === 'none' || !machine.canPin) {
    const why = pin === 'none' ? '' : ' (taskset is not available here)';
    return {
      server: [],
      client: [],
      description: `unpinned: the scheduler places both processes${why}`,
    };
  }
  if (pin === 'split' && machine.cpuCount > 1) {
    return {
      server: ['taskset', '-c', '0'],
      client: ['taskset', '-c', '1'],
      description: 'split: server on CPU 0, client on CPU 1 (taskset)',
    };
  }
  const why =
    pin === 'split' ? ' (split needs two CPUs, this machine has one)' : '';
  return {
    server: ['taskset', '-c', '0'],
    client: ['taskset', '-c', '0'],
    description: `same: server and client both on CPU 0 (taskset -c 0)${why}`,
  };
}
// #endregion placement

/** Whether `taskset` is installed and allowed to read our affinity. */
export function tasksetWorks(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
