/**
 * Lesson 10 · a parent that drives a JSON-RPC child over its stdin and stdout,
 * the way an editor drives a language server. It walks through the protocol:
 * ids, a slow request overtaken by a quick one, a multi-byte body, a
 * notification, each error code, shutdown, and writing to a child that is gone.
 *
 * The child is rpc-child.ts, or rpc-child.py with `--child python`: the framing
 * is the contract, not the language.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fail, parseCli, usageError } from '../common/cli.ts';
import type { Response } from './json-rpc.ts';
import { RpcClient } from './rpc-client.ts';
import { encodeFrame } from './framing.ts';

const flags = parseCli({
  usage: 'npx tsx demos/10-parent-and-child/parent.ts',
  summary:
    'Spawns a JSON-RPC child and walks through requests, notifications and errors over its stdin/stdout.',
  flags: {
    child: {
      type: 'string',
      valueName: 'LANG',
      default: 'node',
      description:
        'the child to drive: node (rpc-child.ts) or python (rpc-child.py)',
    },
    'chatty-child': {
      type: 'boolean',
      description:
        'start the Node child with --chatty: one stray console.log on its stdout',
    },
  },
});
const script = (file: string): string =>
  fileURLToPath(new URL(file, import.meta.url));
if (flags.child !== 'node' && flags.child !== 'python')
  usageError(
    `--child must be node or python, got ${JSON.stringify(flags.child)}`,
  );
const chatty = flags['chatty-child'] ? ['--chatty'] : [];
const [command, args] =
  flags.child === 'python'
    ? ['python3', [script('rpc-child.py')]]
    : [
        process.execPath,
        [...process.execArgv, script('rpc-child.ts'), ...chatty],
      ];

// #region spawn
// The child's stdin and stdout become channels to us (libuv makes a socketpair
// for each); its stderr is ours, so its logs go straight to the terminal.
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
child.on('error', (error) =>
  fail(`could not start ${command}: ${error.message}`),
); // ENOENT: not installed
// A write that races the child's death reaches the kernel and gets EPIPE: say so, not crash.
child.stdin.on('error', (error) =>
  console.log(`writing to the child: ${error.message}`),
);
const rpc = new RpcClient(child.stdout, child.stdin, (reason) => {
  child.kill();
  fail(
    `the child's stdout is not framed (${reason}): a console.log in the child? stdout is the channel, logs go to stderr`,
  );
});
const exited = new Promise<number | null>((resolve) => {
  child.once('exit', (code, signal) => {
    rpc.closed(`the child exited (${signal ?? `code ${code}`})`);
    resolve(code);
  });
});
// #endregion spawn

/** A response as one short line: its id and its result, or its error code and message. */
function show(response: Response): string {
  if ('error' in response)
    return `id ${response.id}: error ${response.error.code} ${response.error.message}`;
  return `id ${response.id}: ${JSON.stringify(response.result)}`;
}

console.log(
  `spawned child ${child.pid}: ${flags.child === 'python' ? 'python3 rpc-child.py' : 'node rpc-child.ts'}`,
);
console.log(`→ ping             ← ${show(await rpc.request('ping'))}`);

// #region out-of-order
// Two requests back to back: the slow one is answered last; the ids say which is which.
console.log('→ sleep 200 ms, then ping, back to back');
await Promise.all([
  rpc
    .request('sleep', { ms: 200 })
    .then((response) => console.log(`  ← sleep answered: ${show(response)}`)),
  rpc
    .request('ping', { text: 'overtaking' })
    .then((response) => console.log(`  ← ping answered:  ${show(response)}`)),
]);
// #endregion out-of-order

const text = 'żółw 🐢';
console.log(
  `→ ping "${text}": its .length is ${text.length}, its UTF-8 is ${Buffer.byteLength(text)} bytes: Content-Length counts bytes`,
);
console.log(
  `                   ← ${show(await rpc.request('ping', { text }))}`,
);

rpc.notify('log', ['a notification: no id, so no response']);
console.log('→ log notification (no id): nothing comes back');

// #region errors
console.log(`→ no such method   ← ${show(await rpc.request('pong'))}`);
const cutOff = rpc.expect(null, () =>
  rpc.send('{"jsonrpc": "2.0", "id": 9, "method": '),
);
console.log(`→ cut-off JSON     ← ${show(await cutOff)}`);
const noVersion = rpc.expect(42, () =>
  rpc.send('{"id": 42, "method": "ping"}'),
);
console.log(`→ no "jsonrpc"     ← ${show(await noVersion)}`);
// #endregion errors

// #region shutdown
console.log(`→ shutdown         ← ${show(await rpc.request('shutdown'))}`);
const unanswered = rpc
  .request('sleep', { ms: 1000 })
  .catch((error: Error) => error.message);
rpc.notify('exit');
console.log('→ sleep 1000 ms, then the exit notification before its answer');
console.log(
  `  the child exited with code ${await exited}, and ${await unanswered}`,
);

// Node destroyed child.stdin when it saw the child exit, so a write now fails at
// once. (A write that races the death reaches the kernel and gets EPIPE instead.)
child.stdin.write(encodeFrame('{"jsonrpc":"2.0","method":"log"}'), (error) => {
  console.log(`→ one more message: ${error?.message ?? 'written?!'}`);
});
// #endregion shutdown
