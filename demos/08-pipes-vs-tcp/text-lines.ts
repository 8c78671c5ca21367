/**
 * Lesson 08 · lesson 04's line splitting, made cheap per message.
 *
 * `LineSplitter` (demos/04-bidirectional/lines.ts) copies each line out of the
 * chunk and decodes it on its own: two allocations per line. When 64 pipelined
 * pings arrive in one read() that adds up, so this splitter decodes the whole
 * chunk once and cuts the string at its newlines. The rules are LineSplitter's,
 * and a test feeds both the same bytes: lines without `\n` (and `\r`), sizes
 * counted in bytes as they arrived, at most `maxLineBytes` each, and past that a
 * `LineTooLongError` carrying the whole lines that came before the long one.
 */
import { StringDecoder } from 'node:string_decoder';
import { LineTooLongError, MAX_LINE_BYTES } from '../04-bidirectional/lines.ts';

// #region text-lines
export class TextLineSplitter {
  /** The line still waiting for its newline, already decoded, and its size in bytes. */
  private pending = '';
  private pendingBytes = 0;
  /** Keeps a UTF-8 character cut in two by a chunk boundary until its other half arrives. */
  private readonly decoder = new StringDecoder('utf8');

  private readonly maxLineBytes: number;

  constructor(maxLineBytes = MAX_LINE_BYTES) {
    this.maxLineBytes = maxLineBytes;
  }

  push(chunk: Buffer): string[] {
    const text = this.pending + this.decoder.write(chunk); // one decode per read()
    if (!chunk.includes(0x0a)) {
      this.pending = text; // no line ends here: remember, and count its bytes
      this.measure(this.pendingBytes + chunk.length, []);
      this.pendingBytes += chunk.length;
      return [];
    }
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    // Measure each line on the raw bytes (a newline byte is never part of a
    // UTF-8 character, so the i-th 0x0a ends the i-th line).
    let start = 0;
    let bytes = this.pendingBytes;
    for (let i = 0; i < lines.length; i++) {
      const newline = chunk.indexOf(0x0a, start);
      this.measure(bytes + newline - start, lines.slice(0, i));
      bytes = 0;
      start = newline + 1;
      const line = lines[i] ?? '';
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    this.measure(chunk.length - start, lines);
    this.pendingBytes = chunk.length - start;
    return lines;
  }

  /** Throws once a line passes the limit, with the lines before it in this chunk. */
  private measure(lineBytes: number, linesBefore: string[]): void {
    if (lineBytes <= this.maxLineBytes) return;
    this.pending = ''; // let the garbage go; we will not answer it
    this.pendingBytes = 0;
    throw new LineTooLongError(this.maxLineBytes, linesBefore);
  }
}
// #endregion text-lines
