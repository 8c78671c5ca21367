/**
 * Lesson 06 · the rally protocol, shared by the daemon and every client.
 *
 * One JSON object per line (NDJSON). Both sides import these types, so a message
 * the server sends and the client reads is checked by the same compiler. But the
 * compiler cannot see across a socket: whatever arrives is just text, so each side
 * also checks it at run time with the parsers below before it believes a byte.
 *
 *   → {"type":"ping"}         ← {"type":"pong","count":3}        (and every subscriber gets an update)
 *   → {"type":"get"}          ← {"type":"count","count":3}
 *   → {"type":"subscribe"}    ← {"type":"subscribed","count":3}  then {"type":"update","count":4} ...
 *   → {"type":"unsubscribe"}  ← {"type":"unsubscribed"}
 *   → anything else           ← {"type":"error","message":"..."}  (the connection stays)
 */

// #region types
/** What a client may ask. `type` is the tag that tells the variants apart. */
export type Request =
  | { type: 'ping' }
  | { type: 'get' }
  | { type: 'subscribe' }
  | { type: 'unsubscribe' };

/** What the daemon says: replies to requests, plus `update`, which it pushes unasked. */
export type Reply =
  | { type: 'pong'; count: number }
  | { type: 'count'; count: number }
  | { type: 'subscribed'; count: number } // carries the count at the moment you joined
  | { type: 'unsubscribed' }
  | { type: 'update'; count: number }
  | { type: 'error'; message: string };

/** The one union both sides share. */
export type Message = Request | Reply;
// #endregion types

const REQUEST_TYPES = ['ping', 'get', 'subscribe', 'unsubscribe'] as const;

/** A parser's answer: the message, or words that say what was wrong with the line. */
export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

// #region parse-request
/** Checks a line from a client. Never throws: bad input is an answer, not a crash. */
export function parseRequest(line: string): Parsed<Request> {
  const value = parseObject(line);
  if (!value.ok) return value;
  const type = value.message.type;
  if (typeof type !== 'string') {
    return { ok: false, error: 'missing "type": send e.g. {"type":"ping"}' };
  }
  for (const known of REQUEST_TYPES) {
    if (type === known) return { ok: true, message: { type: known } };
  }
  return {
    ok: false,
    error: `unknown type ${JSON.stringify(type.slice(0, 40))}: expected ping, get, subscribe or unsubscribe`,
  };
}

/** JSON.parse, then insist on a plain object: `null`, `[1]` and `"ping"` are valid JSON too. */
function parseObject(line: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return {
      ok: false,
      error: `bad JSON ${JSON.stringify(line.slice(0, 40))}: send one JSON object per line, e.g. {"type":"ping"}`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      error: 'expected a JSON object with a "type", e.g. {"type":"ping"}',
    };
  }
  return { ok: true, message: value as Record<string, unknown> };
}
// #endregion parse-request

/** Checks a line from the daemon, so a client never trusts a count that is not a number. */
export function parseReply(line: string): Parsed<Reply> {
  const value = parseObject(line);
  if (!value.ok) return value;
  const { type, count, message } = value.message;
  const hasCount = typeof count === 'number' && Number.isSafeInteger(count);
  switch (type) {
    case 'pong':
    case 'count':
    case 'subscribed':
    case 'update':
      if (hasCount) return { ok: true, message: { type, count } };
      return { ok: false, error: `"${type}" without a whole-number "count"` };
    case 'unsubscribed':
      return { ok: true, message: { type } };
    case 'error':
      return {
        ok: true,
        message: {
          type,
          message: typeof message === 'string' ? message : 'unknown error',
        },
      };
    default:
      return {
        ok: false,
        error: `unexpected message type ${JSON.stringify(type)}`,
      };
  }
}

/** One message, one line: JSON never contains a raw newline, so `\n` is a safe boundary. */
export function encode(message: Message): string {
  return `${JSON.stringify(message)}\n`;
}
