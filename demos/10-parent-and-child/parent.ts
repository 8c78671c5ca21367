/**
 * Lesson 10 · a parent that drives a JSON-RPC child over its stdin and stdout,
 * the way an editor drives a language server. It walks through the protocol:
 * ids, a slow request overtaken by a quick one, a multi-byte body, a notification,
 * each error code, a clean shutdown, and what a write to a dead child gets (EPIPE).
 *
 * The child is rpc-child.ts, or rpc-child.py with `--child python`: the framing
 * is the contract, not the language.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fail, parseCli } from '../common/cli.ts';
import { FrameReader, encodeFrame } from './framing.ts';
import type { Id, Response } from './json-rpc.ts';

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
        'which child to drive: node (rpc-child.ts) or python (rpc-child.py)',
    },
    'chatty-child': {
      type: 'boolean',
      description:
        'start the Node child with --chatty: one stray console.log on its stdout',
    },
  },
});
const here = (file: string): string =>
  fileURLToPath(new URL(file, import.meta.url));
const [command, args] =
  flags.child === 'python'
    ? ['python3', [here('rpc-child.py')]]
    : flags.child === 'node'
      ? [
          process.execPath,
          [
            ...process.execArgv,
            here('rpc-child.ts'),
            ...(flags['chatty-child'] ? ['--chatty'] : []),
          ],
        ]
      : fail(
          `--child must be node or python, got ${JSON.stringify(flags.child)}`,
        );

// #region spawn
// stdin and stdout become channels between us (libuv makes a socketpair for each);
// stderr is inherited, so the child's logs go straight to our terminal.
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
child.on('error', (error) =>
  fail(`could not start ${command}: ${error.message}`),
); // ENOENT: not installed
// #endregion spawn

// #region requests
let nextId = 1;
const pending = new Map<
  Id,
  { resolve: (response: Response) => void; reject: (error: Error) => void }
>();

/** Sends a request; resolves with the response that carries its id, whenever it comes. */
function request(method: string, params?: unknown): Promise<Response> {
  return expect(nextId, () =>
    send({ jsonrpc: '2.0', id: nextId++, method, params }),
  );
}

/** Waits for the response with this id (null: an error that could not name its request). */
function expect(id: Id, sendIt: () => void): Promise<Response> {
  const response = new Promise<Response>((resolve, reject) =>
    pending.set(id, { resolve, reject }),
  );
  sendIt();
  return response;
}

function send(message: object | string): void {
  child.stdin.write(
    encodeFrame(
      typeof message === 'string' ? message : JSON.stringify(message),
    ),
  );
}

const frames = new FrameReader();
child.stdout.on('data', (chunk: Buffer) => {
  for (const event of frames.push(chunk)) {
    if (event.kind === 'broken') {
      child.kill();
      fail(
        `the child's stdout is not framed (${event.reason}): a console.log in the child? stdout is the channel, logs go to stderr`,
      );
    }
    if (event.kind === 'too-large')
      fail(`the child sent a ${event.length}-byte message, over our cap`);
    if (event.kind !== 'body') continue;
    const response = JSON.parse(event.text) as Response;
    const waiting = pending.get(response.id);
    pending.delete(response.id);
    if (waiting) waiting.resolve(response);
    else console.log(`  ← unmatched ${show(response)}`);
  }
});
// #endregion requests

/** A response as one short line: its id and its result, or its error code and message. */
function show(response: Response): string {
  if ('error' in response)
    return `id ${response.id}: error ${response.error.code} ${response.error.message}`;
  return `id ${response.id}: ${JSON.stringify(response.result)}`;
}

// A child that exits never answers what is still pending: fail those requests, or they wait forever.
const exited = new Promise<number | null>((resolve) => {
  child.once('exit', (code, signal) => {
    for (const [id, waiting] of pending)
      waiting.reject(
        new Error(
          `the child exited (${signal ?? `code ${code}`}) before answering request ${id}`,
        ),
      );
    pending.clear();
    resolve(code);
  });
});
console.log(
  `spawned child ${child.pid}: ${flags.child === 'python' ? 'python3 rpc-child.py' : 'node rpc-child.ts'}`,
);

console.log(`→ ping             ← ${show(await request('ping'))}`);

// #region out-of-order
// Two requests back to back: the slow one is answered last; the ids say which is which.
const slow = request('sleep', { ms: 200 }).then((response) =>
  console.log(`  ← sleep answered: ${show(response)}`),
);
const quick = request('ping', { text: 'overtaking' }).then((response) =>
  console.log(`  ← ping answered:  ${show(response)}`),
);
console.log('→ sleep 200 ms, then ping, back to back');
await Promise.all([slow, quick]);
// #endregion out-of-order

const turtle = 'żółw 🐢';
const body = JSON.stringify({
  jsonrpc: '2.0',
  id: nextId,
  method: 'ping',
  params: { text: turtle },
});
console.log(
  `→ ping "${turtle}": a body of ${body.length} characters is ${Buffer.byteLength(body)} bytes, Content-Length counts bytes`,
);
console.log(
  `                   ← ${show(await request('ping', { text: turtle }))}`,
);

send({
  jsonrpc: '2.0',
  method: 'log',
  params: ['a notification: no id, so no response'],
});
console.log('→ log notification (no id): nothing comes back');

console.log(`→ no such method   ← ${show(await request('pong'))}`);
const parseError = expect(null, () =>
  send('{"jsonrpc": "2.0", "id": 9, "method": '),
);
console.log(`→ cut-off JSON     ← ${show(await parseError)}`);
const invalid = expect(42, () => send({ id: 42, method: 'ping' })); // no "jsonrpc": "2.0"
console.log(`→ no "jsonrpc"     ← ${show(await invalid)}`);

// #region shutdown
console.log(`→ shutdown         ← ${show(await request('shutdown'))}`);
const unanswered = request('sleep', { ms: 1000 }).catch(
  (error: Error) => error.message,
);
send({ jsonrpc: '2.0', method: 'exit' });
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
