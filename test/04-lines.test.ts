/**
 * Lesson 04 · the line splitter in demos/04-bidirectional/lines.ts, in-process: chunks in, whole
 * lines out, whatever way the bytes were cut, and never more than the limit buffered.
 */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import {
  LineQueue,
  LineSplitter,
  LineTooLongError,
  MAX_LINE_BYTES,
  readLines,
} from '../demos/04-bidirectional/lines.ts';
import { verifying } from './harness/index.ts';

const bytes = (text: string): Buffer => Buffer.from(text);

/** Feeds every chunk and collects every line, as a socket's 'data' events would. */
function split(chunks: Buffer[], maxLineBytes?: number): string[] {
  const splitter = new LineSplitter(maxLineBytes);
  return chunks.flatMap((chunk) => splitter.push(chunk));
}

// These test the reference module itself, not a server: nothing to check under `npm run verify`.
describe.skipIf(verifying('04'))('04 · LineSplitter', () => {
  it('turns one chunk holding three lines into three lines', () => {
    expect(split([bytes('ping\nping\nping\n')])).toEqual([
      'ping',
      'ping',
      'ping',
    ]);
  });

  it('holds half a line until the rest arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(bytes('pi'))).toEqual([]);
    expect(splitter.push(bytes('ng 1\nping'))).toEqual(['ping 1']);
    expect(splitter.push(bytes(' 2\n'))).toEqual(['ping 2']);
  });

  it('gives the same lines however the bytes are cut', () => {
    const text = 'ping 1\nping 2\r\n\nhello\n';
    const expected = ['ping 1', 'ping 2', '', 'hello'];
    expect(split([...text].map(bytes))).toEqual(expected);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(
        split([bytes(text.slice(0, cut)), bytes(text.slice(cut))]),
      ).toEqual(expected);
    }
  });

  it('strips only a \\r right before the newline', () => {
    expect(split([bytes('a\rb\r\n')])).toEqual(['a\rb']);
  });

  it('decodes a UTF-8 character split across two chunks as one character', () => {
    const line = bytes('ping ✓\n');
    expect(split([line.subarray(0, 6), line.subarray(6)])).toEqual(['ping ✓']);
  });

  it('accepts a line of exactly the limit', () => {
    expect(split([bytes(`${'x'.repeat(10)}\n`)], 10)).toEqual(['x'.repeat(10)]);
  });

  it('throws as soon as a line passes the limit, without waiting for its newline', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push(bytes('x'.repeat(6)))).toEqual([]);
    expect(() => splitter.push(bytes('x'.repeat(5)))).toThrow(
      new LineTooLongError(10),
    );
  });

  it('reports the whole lines that came before the long one in the same chunk', () => {
    const splitter = new LineSplitter(10);
    try {
      splitter.push(bytes(`ping 1\nping 2\n${'x'.repeat(11)}`));
      expect.unreachable('the long line should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(LineTooLongError);
      expect((error as LineTooLongError).linesBefore).toEqual([
        'ping 1',
        'ping 2',
      ]);
      expect((error as LineTooLongError).message).toBe(
        'line longer than 10 bytes',
      );
    }
  });

  it("counts a \\r before the newline against the limit, and reports only the same chunk's lines as linesBefore", () => {
    // The documented rules lesson 08's TextLineSplitter follows too.
    expect(() => split([bytes(`${'x'.repeat(10)}\r\n`)], 10)).toThrow(
      LineTooLongError,
    );
    expect(split([bytes(`${'x'.repeat(9)}\r\n`)], 10)).toEqual(['x'.repeat(9)]);
    const splitter = new LineSplitter(10);
    expect(splitter.push(bytes('ping 1\n'))).toEqual(['ping 1']);
    try {
      splitter.push(bytes(`ping 2\n${'x'.repeat(11)}\nping 3\n`));
      expect.unreachable('the long line should have thrown');
    } catch (error) {
      expect((error as LineTooLongError).linesBefore).toEqual(['ping 2']);
    }
  });

  it('lets go of the long line once it has thrown', () => {
    const splitter = new LineSplitter(10);
    expect(() => splitter.push(bytes('x'.repeat(11)))).toThrow(
      LineTooLongError,
    );
    expect(splitter.push(bytes('\n'))).toEqual(['']);
  });

  it('defaults to a limit of 64 KiB', () => {
    expect(MAX_LINE_BYTES).toBe(65_536);
    expect(split([bytes(`${'x'.repeat(MAX_LINE_BYTES)}\n`)])).toHaveLength(1);
    expect(() => split([bytes('x'.repeat(MAX_LINE_BYTES + 1))])).toThrow(
      LineTooLongError,
    );
  });
});

describe.skipIf(verifying('04'))('04 · readLines and LineQueue', () => {
  it('readLines calls back once per line, then reports a long line once and delivers nothing more', () => {
    const stream = new PassThrough();
    const seen: string[] = [];
    readLines(stream, (line) => seen.push(line), {
      maxLineBytes: 10,
      onTooLong: (error) => seen.push(`too long: ${error.message}`),
    });
    stream.write(bytes('ping 1\n'));
    stream.write(bytes(`ping 2\n${'x'.repeat(11)}`));
    stream.write(bytes('\nping 3\n'));
    expect(seen).toEqual([
      'ping 1',
      'ping 2',
      'too long: line longer than 10 bytes',
    ]);
  });

  it('readLines destroys the stream with the error when nobody handles a long line', async () => {
    const stream = new PassThrough();
    const failed = new Promise<Error>((resolve) =>
      stream.once('error', resolve),
    );
    readLines(stream, () => {}, { maxLineBytes: 4 });
    stream.write(bytes('xxxxx'));
    expect(await failed).toBeInstanceOf(LineTooLongError);
  });

  it('LineQueue hands out lines in order, then undefined once the stream closes', async () => {
    const stream = new PassThrough();
    const queue = new LineQueue(stream);
    const first = queue.next(); // asked before the line arrives
    stream.write(bytes('pong 1\npong 2\n'));
    expect(await first).toBe('pong 1');
    expect(await queue.next()).toBe('pong 2');
    const third = queue.next();
    stream.destroy();
    expect(await third).toBeUndefined();
    expect(await queue.next()).toBeUndefined();
  });
});
