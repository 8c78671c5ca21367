/**
 * Module hooks (node:module register) that load a `.ts` file by erasing its types,
 * the way Node ≥ 22.18 runs `node demos/…/server.ts` natively. Used only by the tests on
 * Node versions without type stripping: it starts in a fraction of tsx's time.
 *
 * Compiled files are cached by content in node_modules/.cache/ping-pong-ts, so after the
 * first run nothing is compiled again; esbuild is loaded only for a file not seen before.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CACHE = fileURLToPath(
  new URL('../../../node_modules/.cache/ping-pong-ts/', import.meta.url),
);
let esbuild;

/** The erased JavaScript of `source`: from the cache, else compiled (then a Promise). */
export function compile(source) {
  const key = createHash('sha1').update(source).digest('hex');
  const cached = `${CACHE}${key}.js`;
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // not compiled yet
  }
  esbuild ??= import('esbuild');
  return esbuild.then(({ transformSync }) => {
    const { code } = transformSync(source, {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      // Like Node's own type stripping: keep every import as written.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    });
    mkdirSync(CACHE, { recursive: true });
    const temporary = `${cached}.${process.pid}`;
    writeFileSync(temporary, code);
    renameSync(temporary, cached); // whole or not at all, with other processes reading
    return code;
  });
}

export async function load(url, context, nextLoad) {
  if (!/\.m?ts$/.test(url) || !url.startsWith('file:'))
    return nextLoad(url, context);
  const source = readFileSync(fileURLToPath(url), 'utf8');
  return {
    format: 'module',
    source: await compile(source),
    shortCircuit: true,
  };
}
