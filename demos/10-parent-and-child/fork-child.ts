/**
 * Lesson 10 · the child that fork.ts starts. Node gave it a channel to its parent
 * on fd 3 (the environment variable NODE_CHANNEL_FD says which fd), and
 * `process.send` / `process.on('message')` speak over it.
 */
import type { Serializable } from 'node:child_process';

/** What the parent sends: a value to send straight back, or numbered messages to check the order of. */
export type ToChild =
  | { kind: 'echo'; value: Serializable }
  | { kind: 'number'; n: number }
  | { kind: 'count' };
export type FromChild =
  | { kind: 'echo'; value: Serializable }
  | { kind: 'order'; received: number; inOrder: boolean };

// #region child
let received = 0;
let inOrder = true;
process.on('message', (message: ToChild) => {
  if (message.kind === 'echo')
    process.send?.({ kind: 'echo', value: message.value } satisfies FromChild);
  if (message.kind === 'number') inOrder &&= message.n === ++received;
  if (message.kind === 'count')
    process.send?.({ kind: 'order', received, inOrder } satisfies FromChild);
});

// The channel closed: the parent called disconnect(), or exited, or was killed.
// Nothing else keeps this process alive, so it exits on its own after this line.
process.on('disconnect', () =>
  console.log(
    `child ${process.pid}: channel closed, nothing left to do, exiting`,
  ),
);
// #endregion child
