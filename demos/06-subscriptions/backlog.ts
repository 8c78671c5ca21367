/**
 * Lesson 06 · what a backed-up subscriber's lines cost while they wait.
 *
 * socket.write() queues what the kernel cannot take yet as one request per call:
 * an object, a callback and the string, about 170 bytes of memory for a 32-byte
 * update (queue-cost.ts measures it). A daemon that keeps a stalled subscriber's
 * lines here instead, joined into one string per 512 lines, holds about their bytes.
 */

// #region backlog
export class Backlog {
  /** Lines already joined, 512 at a time: one string each. */
  private readonly blocks: string[] = [];
  /** The latest lines, not yet enough for a block. */
  private lines: string[] = [];
  /** UTF-8 bytes waiting, to compare with the cap. */
  bytes = 0;

  add(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line);
    if (this.lines.length === 512) {
      this.blocks.push(this.lines.join(''));
      this.lines = [];
    }
  }

  /** Everything waiting, in order, in a few big strings. */
  take(): string[] {
    return [...this.blocks, this.lines.join('')].filter((text) => text !== '');
  }
}
// #endregion backlog
