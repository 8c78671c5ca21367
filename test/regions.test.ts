/**
 * The region machinery that lessons and slides quote code with.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './harness/index.ts';
import {
  RegionError,
  extractRegion,
  lessonIncludes,
  readRegion,
  regionNames,
  syncLessonIncludes,
} from './tools/regions.ts';

const demo = [
  'import net from "node:net";',
  '',
  'function main() {',
  '  // #region accept',
  '  const server = net.createServer((socket) => {',
  '    // #region greet',
  "    socket.write('hello\\n');",
  '    // #endregion greet',
  '  });',
  '  // #endregion accept',
  '}',
].join('\n');

describe('regions', () => {
  it('lists the regions a file declares, in order', () => {
    expect(regionNames(demo)).toEqual(['accept', 'greet']);
  });

  it('extracts a region without its marker lines or the nested markers, indentation trimmed', () => {
    expect(extractRegion(demo, 'accept')).toBe(
      [
        'const server = net.createServer((socket) => {',
        "  socket.write('hello\\n');",
        '});',
      ].join('\n'),
    );
    expect(extractRegion(demo, 'greet')).toBe("socket.write('hello\\n');");
  });

  it('names the file when a region is missing or never closed', () => {
    expect(() => extractRegion(demo, 'nope', 'demos/x.ts')).toThrow(
      /no region "nope" in demos\/x.ts/,
    );
    expect(() =>
      extractRegion('// #region open\ncode', 'open', 'demos/y.ts'),
    ).toThrow(RegionError);
  });

  it('reads path#region references from a root folder', () => {
    const root = tempDir();
    mkdirSync(join(root, 'demos'));
    writeFileSync(join(root, 'demos', 'server.ts'), demo);
    expect(readRegion('demos/server.ts#greet', root)).toBe(
      "socket.write('hello\\n');",
    );
    expect(() => readRegion('demos/missing.ts#greet', root)).toThrow(
      /no file demos\/missing.ts/,
    );
  });

  it('refreshes the code block after every include marker in a lesson', () => {
    const root = tempDir();
    mkdirSync(join(root, 'demos'));
    writeFileSync(join(root, 'demos', 'server.ts'), demo);
    const stale =
      'Intro\n\n<!-- include: demos/server.ts#greet -->\n```ts\nold code\n```\n\nOutro\n';
    expect(lessonIncludes(stale)).toEqual([
      { reference: 'demos/server.ts#greet', quoted: 'old code', line: 3 },
    ]);
    expect(syncLessonIncludes(stale, root)).toBe(
      "Intro\n\n<!-- include: demos/server.ts#greet -->\n```ts\nsocket.write('hello\\n');\n```\n\nOutro\n",
    );
  });

  it('fills an include whose code block is still empty', () => {
    const root = tempDir();
    mkdirSync(join(root, 'demos'));
    writeFileSync(join(root, 'demos', 'server.ts'), demo);
    const empty =
      '<!-- include: demos/server.ts#greet -->\n```ts\n```\n\nText after.\n\n```sh\nls\n```\n';
    expect(syncLessonIncludes(empty, root)).toBe(
      "<!-- include: demos/server.ts#greet -->\n```ts\nsocket.write('hello\\n');\n```\n\nText after.\n\n```sh\nls\n```\n",
    );
  });
});
