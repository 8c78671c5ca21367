/**
 * Lesson 10 · child_process.fork(): Node's own channel between a parent and a
 * Node child. Not stdin/stdout: a Unix socketpair on fd 3, carrying serialized
 * messages. This demo looks at the channel, at what survives `serialization:
 * 'json'` and `'advanced'`, at ordering, at disconnect() and at either side dying.
 */
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { once } from 'node:events';
import { readlinkSync } from 'node:fs';
import { inspect } from 'node:util';
import { parseCli } from '../common/cli.ts';
import type { FromChild, ToChild } from './fork-child.ts';

parseCli({
  usage: 'npx tsx demos/10-parent-and-child/fork.ts',
  summary:
    'Forks Node children and shows their IPC channel: the socketpair, what each serialization keeps, and endings.',
  flags: {},
});
const childScript = new URL('fork-child.ts', import.meta.url);

// #region fork
// fork() = spawn() of another Node with the same flags (tsx included), plus a
// channel: libuv makes a socketpair and the child finds its end on fd 3.
const viaJson = fork(childScript, { serialization: 'json' }); // the default
const viaAdvanced = fork(childScript, { serialization: 'advanced' }); // V8's structured clone
const bystander = fork(childScript);
// #endregion fork

function nextMessage(child: ChildProcess): Promise<FromChild> {
  return once(child, 'message').then(([message]) => message as FromChild);
}

// Linux shows what fd 3 is in /proc; elsewhere, lsof -p PID does.
const fd3 =
  process.platform === 'linux'
    ? readlinkSync(`/proc/${viaJson.pid}/fd/3`)
    : '(see lsof -p PID)';
console.log(`1. the channel: in child ${viaJson.pid}, fd 3 is ${fd3}`);

// #region serialization
const value = {
  map: new Map([['a', 1]]),
  date: new Date(0),
  bytes: Uint8Array.of(1, 2, 3),
  nan: NaN,
  missing: undefined,
};
for (const [name, child] of [
  ['json', viaJson],
  ['advanced', viaAdvanced],
] as const) {
  const echoed = nextMessage(child);
  child.send({ kind: 'echo', value } satisfies ToChild);
  const back = ((await echoed) as { value: Serializable }).value;
  console.log(`2. sent and echoed back with serialization '${name}':`);
  console.log(`   ${inspect(back, { breakLength: Infinity })}`);
  try {
    child.send({ kind: 'echo', value: 10n } satisfies ToChild); // BigInt
    console.log(
      `   BigInt: ${inspect(((await nextMessage(child)) as { value: Serializable }).value)} came back`,
    );
  } catch (error) {
    console.log(
      `   BigInt: send() threw ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
}
// #endregion serialization

// #region ordering
for (let n = 1; n <= 10_000; n++)
  viaAdvanced.send({ kind: 'number', n } satisfies ToChild);
const order = nextMessage(viaAdvanced);
viaAdvanced.send({ kind: 'count' } satisfies ToChild);
console.log(`3. 10000 messages sent without waiting: ${inspect(await order)}`);
// #endregion ordering

// #region endings
viaJson.disconnect(); // close our end of the channel; the child sees 'disconnect'
const [code] = await once(viaJson, 'exit');
console.log(
  `4. disconnect(): child ${viaJson.pid} exited by itself with code ${code}`,
);

viaAdvanced.kill('SIGKILL');
await once(viaAdvanced, 'exit');
console.log(
  `5. child ${viaAdvanced.pid} killed: 'exit' with ${viaAdvanced.signalCode}, connected is now ${viaAdvanced.connected}`,
);
viaAdvanced.send({ kind: 'count' } satisfies ToChild, (error) =>
  console.log(`   a send() now fails: ${error?.message}`),
);
await new Promise((resolve) => setImmediate(resolve));

console.log(
  `6. this parent exits now without a word; child ${bystander.pid} will notice:`,
);
process.exit(0); // the kernel closes our end of the channel, and the child reads end-of-file
// #endregion endings
