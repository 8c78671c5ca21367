/**
 * What lesson 04 teaches about message boundaries, kept for every later lesson.
 *
 * A stream socket delivers bytes, not messages: the kernel may hand one read()
 * half a line or three of them, however the other side wrote them. So a reader
 * must put the messages back together itself. Ours are delimited by `\n`.
 * `LineSplitter` turns chunks into whole lines, and refuses to buffer without
 * limit while it waits for a newline that may never come.
 */
import type { Duplex } from 'node:stream';

/** The longest line a server accepts before it gives up on the connection. */
export const MAX_LINE_BYTES = 64 * 1024;

export class LineTooLongError extends Error {
  readonly limit: number;
  /** Whole lines that arrived in the same chunk before the long one: still worth answering. */
  readonly linesBefore: string[];

  constructor(limit: number, linesBefore: string[] = []) {
    super(`line longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
    this.limit = limit;
    this.linesBefore = linesBefore;
  }
}

/**
 * The limit, exactly (lesson 08's TextLineSplitter must behave the same):
 * - a line may hold up to `maxLineBytes` bytes, counted before the `\r` is
 *   stripped (`\r\n` endings count the `\r`), not counting the `\n`;
 * - the check runs as bytes arrive, so a line that passes the limit throws
 *   without waiting for its `\n`, in the push() whose chunk takes it past;
 * - the LineTooLongError carries, as `linesBefore`, the whole lines that the
 *   same chunk completed before the long one (lines from earlier pushes were
 *   already returned); nothing after the long line is delivered;
 * - after throwing, the splitter holds nothing: the stream is out of step with
 *   the protocol, and the caller should stop reading it.
 */
// #region splitter
export class LineSplitter {
  /** The start of the line still waiting for its newline, as the pieces arrived. */
  private pending: Buffer[] = [];
  /** How many bytes `pending` holds, so the limit check costs nothing. */
  private pendingBytes = 0;

  private readonly maxLineBytes: number;

  constructor(maxLineBytes = MAX_LINE_BYTES) {
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * Feeds one chunk from the socket; returns the lines it completed, without the
   * `\n` (and without a `\r` before it, so `nc -C` and telnet work too).
   * (The exact rules for the limit are above the class.)
   */
  // #region splitter-push
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    let newline = chunk.indexOf(0x0a);
    while (newline !== -1) {
      this.keep(chunk.subarray(start, newline), lines);
      // Decode only whole lines: a UTF-8 character split across two chunks would
      // come out as U+FFFD replacement characters if each chunk were decoded alone.
      lines.push(
        Buffer.concat(this.pending, this.pendingBytes)
          .toString('utf8')
          .replace(/\r$/, ''),
      );
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    this.keep(chunk.subarray(start), lines);
    return lines;
  }
  // #endregion splitter-push

  // #region splitter-keep
  private keep(part: Buffer, linesSoFar: string[]): void {
    if (part.length === 0) return;
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxLineBytes) {
      this.pending = []; // let the garbage go; we will not answer it
      this.pendingBytes = 0;
      throw new LineTooLongError(this.maxLineBytes, linesSoFar);
    }
    // Keep a list of pieces and join them once, at the newline. Appending each
    // chunk to one growing Buffer would copy the whole line again per chunk:
    // quadratic work for a long line that trickles in.
    this.pending.push(part);
  }
  // #endregion splitter-keep
}
// #endregion splitter

// #region read-lines
export interface ReadLinesOptions {
  maxLineBytes?: number;
  /**
   * Called once when a line passes the limit, after the whole lines before it;
   * no more lines are delivered after it. Without it, the socket is destroyed
   * with the error (so give the socket an 'error' listener).
   */
  onTooLong?: (error: LineTooLongError) => void;
}

/** Calls `onLine` for every complete line the socket delivers, in order. */
export function readLines(
  socket: Duplex,
  onLine: (line: string) => void,
  options: ReadLinesOptions = {},
): void {
  const splitter = new LineSplitter(options.maxLineBytes);
  const onData = (chunk: Buffer): void => {
    let lines: string[];
    try {
      lines = splitter.push(chunk);
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      socket.off('data', onData); // from here on the bytes are noise: ignore them
      for (const line of error.linesBefore) onLine(line);
      if (options.onTooLong) options.onTooLong(error);
      else socket.destroy(error);
      return;
    }
    for (const line of lines) onLine(line);
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
