/**
 * Lesson 08 · lesson 04's line splitting, made cheap per message.
 *
 * `LineSplitter` (demos/04-bidirectional/lines.ts) copies each line out of the chunk and
 * decodes it on its own: two allocations per line. When 64 pipelined pings arrive
 * in one read() that adds up, so this splitter decodes the whole chunk once and
 * cuts the string at its newlines. Same rules: lines without `\n` (and `\r`),
 * at most `maxLineBytes` bytes each, `LineTooLongError` past that.
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
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      this.keep(chunk.length);
      this.pending += this.decoder.write(chunk); // no line ends here: just remember
      return [];
    }
    const firstLineBytes = this.pendingBytes + chunk.indexOf(0x0a);
    const lines = (this.pending + this.decoder.write(chunk)).split('\n'); // one decode per read()
    this.pending = lines.pop() ?? '';
    this.pendingBytes = 0;
    this.keep(chunk.length - lastNewline - 1);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      // Only a line that could be too long is measured: UTF-8 takes at most 3 bytes per UTF-16 unit.
      const bytes =
        i === 0
          ? firstLineBytes
          : line.length * 3 > this.maxLineBytes
            ? Buffer.byteLength(line)
            : 0;
      if (bytes > this.maxLineBytes)
        throw new LineTooLongError(this.maxLineBytes);
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    return lines;
  }

  private keep(bytes: number): void {
    this.pendingBytes += bytes;
    if (this.pendingBytes > this.maxLineBytes)
      throw new LineTooLongError(this.maxLineBytes);
  }
}
// #endregion text-lines
