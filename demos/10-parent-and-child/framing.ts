/**
 * Lesson 10 · the Language Server Protocol's base protocol: every message is a
 * header, an empty line, then a body of exactly `Content-Length` bytes.
 *
 *   Content-Length: 40\r\n
 *   \r\n
 *   {"jsonrpc":"2.0","id":1,"method":"ping"}
 *
 * Lesson 04 split a stream on `\n`; here the header says how many bytes follow,
 * so a body may hold any bytes at all, newlines included, and the reader never
 * scans the body. The price: the count is in bytes, not characters, and a writer
 * that gets it wrong throws every later message out of step.
 */

/** The biggest body we accept. A header that announces more is refused before one body byte is kept. */
export const MAX_CONTENT_LENGTH = 1024 * 1024;
/** A header is a few short lines; more than this without an empty line is not our protocol. */
export const MAX_HEADER_BYTES = 1024;

// #region encode
/** One message, framed: the header counts the body's UTF-8 bytes, not its characters. */
export function encodeFrame(body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([
    Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`, 'ascii'),
    bytes,
  ]);
}
// #endregion encode

/** What the reader hands back, in the order the bytes arrived. */
export type FrameEvent =
  | { kind: 'body'; text: string }
  /** The header announced more than the cap: those bytes are skipped as they arrive, never stored. */
  | { kind: 'too-large'; length: number }
  /** The stream is not framed as promised (a stray log line, a bad header): nothing after it can be trusted. */
  | { kind: 'broken'; reason: string };

// #region reader
export class FrameReader {
  /** The start of a header that has not ended yet (at most MAX_HEADER_BYTES). */
  private header: Buffer = Buffer.alloc(0);
  /** The body length the last header announced, while its bytes arrive. */
  private bodyLength: number | undefined;
  /** The body's pieces as they arrived, joined once it is whole (not per chunk: that is quadratic). */
  private body: Buffer[] = [];
  private bodyBytes = 0;
  /** Bytes still to throw away from a body that was over the cap. */
  private skipping = 0;
  private broken = false;

  private readonly maxContentLength: number;

  constructor(maxContentLength = MAX_CONTENT_LENGTH) {
    this.maxContentLength = maxContentLength;
  }

  /** Feeds one chunk, as read() returned it; returns every event it completed. */
  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let rest = chunk;
    // (A body of length 0 is complete with no bytes at all, hence the second test.)
    while ((rest.length > 0 || this.bodyLength === 0) && !this.broken) {
      if (this.skipping > 0) {
        const skipped = Math.min(this.skipping, rest.length);
        this.skipping -= skipped;
        rest = rest.subarray(skipped);
      } else if (this.bodyLength === undefined) {
        rest = this.readHeader(rest, events);
      } else {
        const wanted = this.bodyLength - this.bodyBytes;
        this.body.push(rest.subarray(0, wanted));
        this.bodyBytes += Math.min(wanted, rest.length);
        rest = rest.subarray(wanted);
        if (this.bodyBytes === this.bodyLength) {
          // Decode only the whole body: a character split across two reads would be mangled.
          events.push({
            kind: 'body',
            text: Buffer.concat(this.body).toString('utf8'),
          });
          this.body = [];
          this.bodyBytes = 0;
          this.bodyLength = undefined;
        }
      }
    }
    return events;
  }

  /** The input has ended: a message cut short is a broken stream, not silence. */
  end(): FrameEvent[] {
    const events: FrameEvent[] = [];
    if (this.broken) return events;
    if (this.header.length > 0)
      this.fail(
        events,
        `the input ended inside a header (${this.header.length} bytes)`,
      );
    else if (this.bodyLength !== undefined)
      this.fail(
        events,
        `the input ended inside a body (${this.bodyBytes} of ${this.bodyLength} bytes)`,
      );
    return events;
  }

  /** Collects header bytes up to the empty line; returns what is left of the chunk after it. */
  private readHeader(chunk: Buffer, events: FrameEvent[]): Buffer {
    // The header may arrive in pieces, even one byte at a time: look for its end in all of it.
    const soFar =
      this.header.length === 0 ? chunk : Buffer.concat([this.header, chunk]);
    const end = soFar.indexOf('\r\n\r\n');
    if (end === -1) {
      this.header = soFar;
      if (soFar.length > MAX_HEADER_BYTES)
        this.fail(events, `no end of header within ${MAX_HEADER_BYTES} bytes`);
      return Buffer.alloc(0);
    }
    this.header = Buffer.alloc(0);
    const length = contentLength(soFar.subarray(0, end).toString('latin1'));
    if (typeof length === 'string') this.fail(events, length);
    else if (length > this.maxContentLength) {
      events.push({ kind: 'too-large', length }); // refused on the header alone
      this.skipping = length; // the body is dropped as it streams past, never stored
    } else this.bodyLength = length;
    return soFar.subarray(end + 4);
  }

  private fail(events: FrameEvent[], reason: string): void {
    this.broken = true;
    this.header = Buffer.alloc(0);
    events.push({ kind: 'broken', reason });
  }
}
// #endregion reader

/** The body length a header announces, or why the header is not one. */
export function contentLength(header: string): number | string {
  let length: number | undefined;
  for (const line of header.split('\r\n')) {
    const match = /^([A-Za-z-]+): *(.*)$/.exec(line);
    if (!match)
      return `not a header line: ${JSON.stringify(line.slice(0, 60))}`;
    const [, name = '', value = ''] = match;
    if (name.toLowerCase() !== 'content-length') continue; // Content-Type and friends: allowed, ignored
    if (!/^\d{1,15}$/.test(value))
      return `bad Content-Length: ${JSON.stringify(value.slice(0, 20))}`;
    length = Number(value);
  }
  return length ?? 'header without Content-Length';
}
