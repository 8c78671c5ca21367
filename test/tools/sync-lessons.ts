/**
 * `npm run lessons:sync`: rewrites every `<!-- include: file#region -->` code block in
 * lessons/*.md with the region's current code. test/lessons.test.ts fails when a
 * lesson quotes code that has since changed, and points here.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './process.ts';
import { syncLessonIncludes } from './regions.ts';

const lessonsDir = join(REPO_ROOT, 'lessons');
for (const name of readdirSync(lessonsDir)
  .filter((file) => file.endsWith('.md'))
  .sort()) {
  const path = join(lessonsDir, name);
  const before = readFileSync(path, 'utf8');
  const after = syncLessonIncludes(before);
  if (after !== before) {
    writeFileSync(path, after);
    console.log(`updated lessons/${name}`);
  }
}
