/**
 * Text and code never drift: lessons and slides quote demo code by named region.
 *
 * In a demo:            // #region accept
 *                       ...code...
 *                       // #endregion accept
 *
 * In a lesson (.md):    <!-- include: demos/05-poll/server.ts#accept -->
 *                       ```ts
 *                       ...the region, kept in sync by `npm run lessons:sync`...
 *                       ```
 *
 * In a slide:           <<< demos/05-poll/server.ts#accept
 *
 * A region is the lines between its markers, with marker lines of other (nested)
 * regions removed and the common indentation trimmed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './process.ts';

const REGION_START = /^\s*\/\/\s*#region\s+(\S+)/;
const REGION_END = /^\s*\/\/\s*#endregion\b\s*(\S*)/;

export class RegionError extends Error {}

/** The names of every region in a file, in order. */
export function regionNames(source: string): string[] {
  return source.split('\n').flatMap((line) => {
    const name = REGION_START.exec(line)?.[1];
    return name ? [name] : [];
  });
}

/** The text of region `name` in `source`; throws a RegionError if it is missing or unclosed. */
export function extractRegion(
  source: string,
  name: string,
  where = 'the file',
): string {
  const lines = source.split('\n');
  const start = lines.findIndex(
    (line) => REGION_START.exec(line)?.[1] === name,
  );
  if (start === -1) throw new RegionError(`no region "${name}" in ${where}`);
  const body: string[] = [];
  let depth = 0;
  for (const line of lines.slice(start + 1)) {
    if (REGION_START.test(line)) {
      depth += 1;
      continue;
    }
    const end = REGION_END.exec(line);
    if (end) {
      if (depth === 0 || end[1] === name) return dedent(body);
      depth -= 1;
      continue;
    }
    body.push(line);
  }
  throw new RegionError(`region "${name}" in ${where} has no // #endregion`);
}

function dedent(lines: string[]): string {
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '')
    lines.pop();
  const indents = lines
    .filter((line) => line.trim() !== '')
    .map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut)).join('\n');
}

/** Reads `demos/05-poll/server.ts#accept` (a path from the repo root, then `#` and the region). */
export function readRegion(reference: string, root = REPO_ROOT): string {
  const [file, name] = reference.split('#');
  if (!file || !name)
    throw new RegionError(
      `"${reference}" should look like path/to/file.ts#region-name`,
    );
  const path = join(root, file);
  if (!existsSync(path)) throw new RegionError(`no file ${file}`);
  return extractRegion(readFileSync(path, 'utf8'), name, file);
}

/** `<!-- include: path#region -->` followed by a fenced code block. */
const LESSON_INCLUDE =
  /(<!--\s*include:\s*(\S+?)\s*-->\n)(```(\w*)\n)((?:[\s\S]*?\n)??)```/g;

export interface LessonInclude {
  reference: string;
  quoted: string;
  line: number;
}

/** Every include in a lesson's markdown, with the code it currently quotes. */
export function lessonIncludes(markdown: string): LessonInclude[] {
  return [...markdown.matchAll(LESSON_INCLUDE)].map((match) => ({
    reference: match[2] ?? '',
    quoted: (match[5] ?? '').replace(/\n$/, ''),
    line: markdown.slice(0, match.index).split('\n').length,
  }));
}

/** The lesson with every include's code block replaced by the region's current text. */
export function syncLessonIncludes(markdown: string, root = REPO_ROOT): string {
  return markdown.replace(
    LESSON_INCLUDE,
    (_match, marker: string, reference: string, fence: string) =>
      `${marker}${fence}${readRegion(reference, root)}\n\`\`\``,
  );
}
