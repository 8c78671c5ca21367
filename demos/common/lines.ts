/**
 * What lesson 04 teaches about message boundaries, kept for every later lesson.
 *
 * A stream socket delivers bytes, not messages: one read may hold half a line or
 * three of them. `LineSplitter` turns chunks into whole lines, and refuses to
 * buffer without limit while it waits for a newline that may never come.
 */
import type { Duplex } from 'node:stream';

/** The longest line a server accepts before it gives up on the connection. */
export const MAX_LINE_BYTES = 64 * 1024;

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`);
  }
}

// #region splitter
export class LineSplitter {
  /** Bytes of the line still waiting for its newline, as they arrived. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** Feeds one chunk from the socket; returns the lines it completed (without `\n`). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    let newline = chunk.indexOf(0x0a);
    while (newline !== -1) {
      this.keep(chunk.subarray(start, newline));
      lines.push(Buffer.concat(this.pending, this.pendingBytes).toString('utf8').replace(/\r$/, ''));
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    this.keep(chunk.subarray(start));
    return lines;
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
    this.pending.push(part); // a list of pieces, joined once: no copying per byte
  }
}
// #endregion splitter

// #region read-lines
export interface ReadLinesOptions {
  maxLineBytes?: number;
  /** Called once when a line passes the limit; the splitter stops reading after it. */
  onTooLong?: (error: LineTooLongError) => void;
}

/** Calls `onLine` for every complete line the socket delivers, in order. */
export function readLines(socket: Duplex, onLine: (line: string) => void, options: ReadLinesOptions = {}): void {
  const splitter = new LineSplitter(options.maxLineBytes);
  const onData = (chunk: Buffer): void => {
    try {
      for (const line of splitter.push(chunk)) onLine(line);
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      socket.off('data', onData);
      if (options.onTooLong) options.onTooLong(error);
      else socket.destroy(error);
    }
  };
  socket.on('data', onData);
}
// #endregion read-lines

/**
 * For clients that ask and wait: `await lines.next()` resolves with the next line,
 * or `undefined` once the other side has closed the connection.
 */
export class LineQueue {
  private readonly ready: string[] = [];
  private readonly waiting: Array<(line: string | undefined) => void> = [];
  private ended = false;

  constructor(socket: Duplex, options: ReadLinesOptions = {}) {
    readLines(socket, (line) => this.deliver(line), options);
    socket.once('close', () => {
      this.ended = true;
      for (const resolve of this.waiting.splice(0)) resolve(undefined);
    });
  }

  next(): Promise<string | undefined> {
    const line = this.ready.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private deliver(line: string): void {
    const resolve = this.waiting.shift();
    if (resolve) resolve(line);
    else this.ready.push(line);
  }
}
