/**
 * Lesson 10 · a JSON-RPC child, the way a language server runs under an editor:
 * requests arrive on stdin, responses leave on stdout, each in a Content-Length
 * frame (framing.ts). stderr is for logs: it goes to the parent's terminal.
 *
 *   ping                 → "pong"      ping {"text":"hi"} → "pong hi"
 *   sleep {"ms":200}     → {"slept":200}, 200 ms later: later requests overtake it
 *   log [...] (a notification, no id) → a line on stderr, no response
 *   shutdown, then the notification exit → exits 0 (exit alone: 1, as in LSP)
 *
 * Try it by hand (the body is 40 bytes, so the header says 40):
 *   printf 'Content-Length: 40\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"ping"}' | npx tsx demos/10-parent-and-child/rpc-child.ts
 */
import { parseCli, usageError } from '../common/cli.ts';
import { readLines } from '../04-bidirectional/lines.ts';
import {
  FrameReader,
  MAX_CONTENT_LENGTH,
  encodeFrame,
  type FrameEvent,
} from './framing.ts';
import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  PARSE_ERROR,
  RpcError,
  handleMessage,
  type Method,
  type Response,
} from './json-rpc.ts';

const flags = parseCli({
  usage: 'npx tsx demos/10-parent-and-child/rpc-child.ts',
  summary:
    'A JSON-RPC 2.0 child: reads requests on stdin, answers on stdout, logs on stderr.',
  flags: {
    framing: {
      type: 'string',
      valueName: 'KIND',
      default: 'content-length',
      description:
        'content-length (LSP) or ndjson (one JSON per line, like MCP)',
    },
    chatty: {
      type: 'boolean',
      description:
        'console.log a greeting at start: the stray line that breaks the protocol',
    },
  },
});
if (flags.framing !== 'content-length' && flags.framing !== 'ndjson')
  usageError(
    `--framing must be content-length or ndjson, got ${JSON.stringify(flags.framing)}`,
  );
const framed = flags.framing === 'content-length';
if (flags.chatty) console.log('child started'); // the bug: console.log writes to stdout, our channel

// #region methods
let shutdownRequested = false;
const methods: Record<string, Method> = {
  ping: (params) => {
    if (params === undefined) return 'pong';
    const text = (params as { text?: unknown } | null)?.text;
    if (typeof text !== 'string')
      throw new RpcError(
        INVALID_PARAMS,
        'ping takes no params, or {"text": string}',
      );
    return `pong ${text}`;
  },
  sleep: async (params) => {
    const ms = (params as { ms?: unknown } | null)?.ms;
    if (typeof ms !== 'number' || !(ms >= 0 && ms <= 10_000))
      throw new RpcError(INVALID_PARAMS, 'sleep takes {"ms": 0 to 10000}');
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { slept: ms };
  },
  log: (params) =>
    console.error(`child ${process.pid} log: ${JSON.stringify(params)}`),
  shutdown: () => {
    shutdownRequested = true;
    return null;
  },
  exit: () => process.exit(shutdownRequested ? 0 : 1),
};
// #endregion methods

// #region answer
/** Writes one response. If the parent is not reading, stop reading its requests until it does. */
function reply(response: Response): void {
  const text = JSON.stringify(response);
  const roomForMore = process.stdout.write(
    framed ? encodeFrame(text) : `${text}\n`,
  );
  if (!roomForMore && !process.stdin.isPaused()) {
    process.stdin.pause();
    process.stdout.once('drain', () => process.stdin.resume());
  }
}

function answer(body: string): void {
  // Not awaited: a slow request must not hold up the ones behind it. Each
  // response is written when it is ready, and its id says which request it answers.
  void handleMessage(body, methods).then(
    (response) => response && reply(response),
  );
}

// If the parent dies or closes its end, our next write fails with EPIPE. Unhandled,
// that 'error' would crash the child with a stack trace; the conversation is over, so leave.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  console.error(
    `child ${process.pid}: writing a response failed with ${error.code}: the parent is gone; exiting`,
  );
  process.exit(1);
});

/** The stream lost its framing: say so once, in-band and on stderr, and leave. */
function giveUp(reason: string): void {
  console.error(`child ${process.pid}: ${reason}; exiting`);
  reply({
    jsonrpc: '2.0',
    id: null,
    error: { code: PARSE_ERROR, message: `framing error: ${reason}` },
  });
  process.stdin.destroy();
  process.exitCode = 1; // exit once stdout is flushed
}
// #endregion answer

// #region read
if (framed) {
  const frames = new FrameReader(MAX_CONTENT_LENGTH);
  const handle = (events: FrameEvent[]): void => {
    for (const event of events) {
      if (event.kind === 'body') answer(event.text);
      else if (event.kind === 'broken') giveUp(event.reason);
      else {
        const message = `Content-Length ${event.length} is over the cap of ${MAX_CONTENT_LENGTH} bytes: refused, body skipped unread`;
        reply({
          jsonrpc: '2.0',
          id: null,
          error: { code: INVALID_REQUEST, message },
        });
      }
    }
  };
  process.stdin.on('data', (chunk: Buffer) => handle(frames.push(chunk)));
  process.stdin.on('end', () => handle(frames.end()));
} else {
  // NDJSON, as MCP's stdio transport frames: one message per line. JSON.stringify
  // never writes a raw newline, so lesson 04's line reader is all the framing needed.
  readLines(process.stdin, (line) => line.trim() !== '' && answer(line), {
    maxLineBytes: MAX_CONTENT_LENGTH,
    onTooLong: (error) => giveUp(error.message),
  });
}
// #endregion read
// When the parent closes our stdin, nothing is left to do: Node exits once pending sleeps answer.
