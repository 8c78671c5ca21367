/**
 * The workshop deck: `slides/NN-*.md` → one self-contained `slides/dist/index.html`.
 *
 * Every bit of slide syntax is a marked extension that produces a token (never a
 * regular expression over HTML):
 *   `---`            alone on a line: the next slide starts
 *   `#pause`         alone on a line: what follows appears on the next key press
 *   `Note:`          at the start of a line: the rest of the slide is speaker notes;
 *                    `Note: [10 min] …` is a timing hint the presenter view adds up
 *   `<<< path#name`  alone on a line: region `name` of a demo file, as highlighted code
 *   `![alt](path)`   a local image (the lesson 08 chart), inlined as a data: URL;
 *                    with the title "optional" (`![alt](path "optional")`) a missing
 *                    file leaves a placeholder instead of failing the build
 *
 * Code is highlighted here, at build time (highlight.js through marked-highlight), and
 * the theme and the presenter runtime (`theme.css`, `deck.js`) are inlined, so the page
 * opens from file:// with no network. Raw HTML in the markdown is shown as text.
 * The syntax is documented for authors in `slides/README.md`.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  Marked,
  type Token,
  type Tokens,
  type TokenizerAndRendererExtension,
} from 'marked';
import { markedHighlight } from 'marked-highlight';
import hljs from 'highlight.js';
import { RegionError, readRegion } from '../test/tools/regions.ts';
import { fail, parseCli } from '../demos/common/cli.ts';

const SLIDES_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(SLIDES_DIR, '..');
export const DEFAULT_OUT = join(SLIDES_DIR, 'dist', 'index.html');

/** A slide source file: its name as shown in errors (`slides/05-poll.md`) and its text. */
export interface SlideSource {
  file: string;
  markdown: string;
}

export interface Slide {
  file: string;
  /** The 1-based line in `file` where the slide starts. */
  line: number;
  /** The HTML of each step: step 0 shows first, each `#pause` adds one. */
  steps: string[];
  /** The speaker notes as HTML ('' when there are none). */
  notes: string;
  /** The timing hint `[N min]` at the start of the notes, if any. */
  minutes: number | undefined;
  /** The text of the slide's first heading ('' when it has none). */
  title: string;
  /** Whether the slide opens with a `#` heading: a title slide, laid out centred. */
  isTitle: boolean;
}

export interface BuildOptions {
  /** Where `<<<` and image paths are resolved (the repository root by default). */
  root?: string;
}

/** A mistake in a slide file; the message starts with `file:line:`. */
export class SlideBuildError extends Error {}

// ---------------------------------------------------------------------------
// The syntax, as marked extensions. Each block tokenizer matches only at the start
// of a line; `start` tells marked where a paragraph must stop so the marker gets a
// chance to match (marked cuts the paragraph at the earliest start of any extension).

interface MarkerToken extends Tokens.Generic {
  type: 'slideBreak' | 'pause' | 'notesStart';
  raw: string;
}

interface IncludeToken extends Tokens.Generic {
  type: 'regionInclude';
  raw: string;
  reference: string;
}

/** A marker that is a whole line by itself, like `---` or `#pause`. */
function lineMarker(
  name: MarkerToken['type'],
  marker: string,
): TokenizerAndRendererExtension {
  const escaped = marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const anywhere = new RegExp(`^${escaped}[ \\t]*$`, 'm');
  const here = new RegExp(`^${escaped}[ \\t]*(?:\\n|$)`);
  return {
    name,
    level: 'block',
    start: (src) => anywhere.exec(src)?.index,
    tokenizer(src): MarkerToken | undefined {
      const match = here.exec(src);
      return match ? { type: name, raw: match[0] } : undefined;
    },
  };
}

const slideBreak = lineMarker('slideBreak', '---');
const pause = lineMarker('pause', '#pause');

/** `Note:` consumes only itself: the rest of its line is the notes' first paragraph. */
const notesStart: TokenizerAndRendererExtension = {
  name: 'notesStart',
  level: 'block',
  start: (src) => /^Note:/m.exec(src)?.index,
  tokenizer(src): MarkerToken | undefined {
    const match = /^Note:[ \t]*/.exec(src);
    return match ? { type: 'notesStart', raw: match[0] } : undefined;
  },
};

const regionInclude: TokenizerAndRendererExtension = {
  name: 'regionInclude',
  level: 'block',
  start: (src) => /^<<<[ \t]/m.exec(src)?.index,
  tokenizer(src): IncludeToken | undefined {
    const match = /^<<<[ \t]+(\S+)[ \t]*(?:\n|$)/.exec(src);
    return match
      ? { type: 'regionInclude', raw: match[0], reference: match[1] ?? '' }
      : undefined;
  },
};

const SLIDE_MARKERS = new Set([
  'slideBreak',
  'pause',
  'notesStart',
  'regionInclude',
]);

// ---------------------------------------------------------------------------
// Rendering: highlighted code with a size class, escaped HTML, inlined images.

/** What the code renderer needs to know about a block before highlighting rewrites its text. */
interface CodeInfo {
  /** The length of each line. */
  widths: number[];
  /** `demos/05-poll/server.ts#accept` for an included region. */
  reference: string | undefined;
}
const codeInfo = new WeakMap<Token, CodeInfo>();
/** Optional images whose file is not there (yet): they render as a placeholder. */
const missingImages = new WeakSet<Token>();

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function highlight(code: string, lang: string): string {
  const language = lang === 'console' ? 'shell' : lang;
  if (language && hljs.getLanguage(language))
    return hljs.highlight(code, { language, ignoreIllegals: true }).value;
  return escapeHtml(code);
}

/**
 * Code shrinks in steps as it grows, so it is as large as the frame allows. Each size
 * (theme.css) fits so many columns before a line wraps, and so many lines under a title.
 */
const CODE_SIZES = [
  // Line budgets leave room for a title and a line of text: a 16-line region at 'code-s'
  // with a title overflowed the frame by a few pixels when the budget said 18.
  { name: 'code-l', columns: 73, lines: 12 },
  { name: 'code-m', columns: 83, lines: 14 },
  { name: 'code-s', columns: 98, lines: 16 },
  { name: 'code-xs', columns: 113, lines: 19 },
  { name: 'code-xxs', columns: 126, lines: 22 },
] as const;

function codeSizeClass(info: CodeInfo): string {
  // The largest size that shows every line unwrapped; failing that, the largest where the wrapped lines fit.
  const unwrapped = CODE_SIZES.find(
    (size) =>
      info.widths.length <= size.lines &&
      info.widths.every((width) => width <= size.columns),
  );
  const wrapped = CODE_SIZES.find(
    (size) =>
      info.widths.reduce(
        (sum, width) => sum + Math.max(1, Math.ceil(width / size.columns)),
        0,
      ) <= size.lines,
  );
  return (unwrapped ?? wrapped)?.name ?? 'code-xxs';
}

function createMarked(): Marked {
  const marked = new Marked();
  marked.use(
    { gfm: true, extensions: [slideBreak, pause, notesStart, regionInclude] },
    markedHighlight({
      highlight,
      emptyLangClass: 'hljs',
      langPrefix: 'hljs language-',
    }),
    {
      tokenizer: {
        // Setext headings ("Title" underlined with ---) would swallow slide breaks; use `#`.
        lheading: () => undefined,
      },
      renderer: {
        code(token) {
          const info = codeInfo.get(token) ?? measure(token.text, undefined);
          const lang = (token.lang ?? '').match(/\S*/)?.[0] ?? '';
          const body = token.escaped ? token.text : escapeHtml(token.text);
          const caption = info.reference
            ? `<figcaption>${escapeHtml(info.reference.replace('#', ' · '))}</figcaption>`
            : '';
          const langClass = lang ? ` language-${escapeHtml(lang)}` : '';
          return `<figure class="code ${codeSizeClass(info)}">${caption}<pre><code class="hljs${langClass}">${body.replace(/\n$/, '')}</code></pre></figure>\n`;
        },
        image(token) {
          if (!missingImages.has(token)) return false; // the default <img>, with the data: URL
          return `<span class="missing-image">${escapeHtml(token.text)}: <code>${escapeHtml(token.href)}</code> is not there yet</span>`;
        },
        // Slides are markdown only: raw HTML is shown as the text it is; comments vanish.
        html(token) {
          if (/^\s*<!--[\s\S]*-->\s*$/.test(token.text)) return '';
          return token.block
            ? `<p>${escapeHtml(token.text)}</p>\n`
            : escapeHtml(token.text);
        },
      },
    },
  );
  return marked;
}

const marked = createMarked();

function measure(text: string, reference: string | undefined): CodeInfo {
  return { widths: text.split('\n').map((line) => line.length), reference };
}

const IMAGE_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

// ---------------------------------------------------------------------------
// Parsing one file into slides.

/** The 1-based line of each top-level token: their `raw` texts add up to the source. */
function tokenLines(tokens: Token[]): number[] {
  let line = 1;
  return tokens.map((token) => {
    const start = line;
    line += token.raw.split('\n').length - 1;
    return start;
  });
}

/** The line of `child` inside the top-level token `top` that starts at `line`. */
function lineOf(top: Token, line: number, child: Token): number {
  const at = top.raw.indexOf(child.raw);
  return at <= 0 ? line : line + top.raw.slice(0, at).split('\n').length - 1;
}

/** Plain text of a heading (no markup), for the deck's footer and the presenter's outline. */
function plainText(tokens: Token[]): string {
  return tokens
    .map((token) =>
      'tokens' in token && token.tokens
        ? plainText(token.tokens)
        : 'text' in token
          ? String(token.text)
          : '',
    )
    .join('');
}

/**
 * Splits one slide file into slides. `file` names it in errors (`slides/05-poll.md`);
 * includes and images are read relative to `options.root`.
 */
export function parseSlides(
  markdown: string,
  file: string,
  options: BuildOptions = {},
): Slide[] {
  const root = options.root ?? REPO_ROOT;
  const source = markdown.replace(/\r\n?/g, '\n');
  const tokens = marked.lexer(source);
  const lines = tokenLines(tokens);
  const failAt = (line: number, message: string): never => {
    throw new SlideBuildError(`${file}:${line}: ${message}`);
  };

  interface Draft {
    /** Where the slide's first block is (0 until it has one). */
    line: number;
    steps: Token[][];
    notes: Token[] | undefined;
  }
  const drafts: Draft[] = [];
  let draft: Draft = { line: 0, steps: [[]], notes: undefined };

  tokens.forEach((token, index) => {
    const line = lines[index] ?? 1;
    checkNested(token, line, failAt);
    resolveImages(token, line, root, failAt);
    switch (token.type) {
      case 'slideBreak':
        drafts.push(draft);
        draft = { line: 0, steps: [[]], notes: undefined };
        return;
      case 'pause':
        if (draft.notes)
          failAt(
            line,
            '#pause inside speaker notes: put it before the "Note:" line',
          );
        draft.steps.push([]);
        return;
      case 'notesStart':
        if (draft.notes)
          failAt(
            line,
            'a second "Note:" on one slide: a slide has one block of notes, at its end',
          );
        draft.notes = [];
        return;
    }
    if (draft.line === 0 && token.type !== 'space') draft.line = line;
    const content =
      token.type === 'regionInclude'
        ? includeRegion(token as IncludeToken, line, root, failAt)
        : token;
    if (draft.notes) draft.notes.push(content);
    else draft.steps.at(-1)?.push(content);
  });
  drafts.push(draft);

  return drafts.flatMap((slide): Slide[] => {
    const hasContent = (part: Token[]) =>
      part.some((token) => token.type !== 'space');
    // A file may start or end with `---`: an empty slide is not a slide.
    if (
      !slide.steps.some(hasContent) &&
      !(slide.notes && hasContent(slide.notes))
    )
      return [];
    const steps = slide.steps.filter(
      (step, index) => index === 0 || hasContent(step),
    );
    const firstHeading = steps[0]?.find(
      (token): token is Tokens.Heading => token.type === 'heading',
    );
    const firstToken = steps[0]?.find((token) => token.type !== 'space');
    const notesTokens = slide.notes ?? [];
    const firstNote = notesTokens.find((token) => token.type !== 'space');
    const minutes =
      firstNote?.type === 'paragraph'
        ? /^\[(\d+(?:\.\d+)?)\s*min\]/.exec(firstNote.raw)?.[1]
        : undefined;
    return [
      {
        file,
        line: slide.line || 1,
        steps: steps.map(render),
        notes: notesTokens.length > 0 ? render(notesTokens) : '',
        minutes: minutes === undefined ? undefined : Number(minutes),
        title: firstHeading ? plainText(firstHeading.tokens) : '',
        isTitle:
          firstToken?.type === 'heading' &&
          (firstToken as Tokens.Heading).depth === 1,
      },
    ];
  });
}

function render(tokens: Token[]): string {
  marked.walkTokens(tokens, (token) => marked.defaults.walkTokens?.(token));
  return marked.parser(tokens);
}

/** Slide syntax works at the top level of a slide only; inside a list or quote it is a mistake. */
function checkNested(
  top: Token,
  line: number,
  failAt: (line: number, message: string) => never,
): void {
  const children =
    'tokens' in top && top.tokens
      ? top.tokens
      : 'items' in top && Array.isArray(top.items)
        ? (top.items as Token[])
        : [];
  marked.walkTokens(children, (token) => {
    if (!SLIDE_MARKERS.has(token.type)) return;
    const what = token.type === 'notesStart' ? '"Note:"' : token.raw.trim();
    failAt(
      lineOf(top, line, token),
      `${what} inside a list or quote: put it on its own line, with a blank line before it`,
    );
  });
}

function includeRegion(
  token: IncludeToken,
  line: number,
  root: string,
  failAt: (line: number, message: string) => never,
): Token {
  let text = '';
  try {
    text = readRegion(token.reference, root);
  } catch (error) {
    if (!(error instanceof RegionError)) throw error;
    failAt(line, `<<< ${token.reference}: ${error.message}`);
  }
  const lang = extname(token.reference.split('#')[0] ?? '').slice(1) || 'text';
  const code: Tokens.Code = { type: 'code', raw: token.raw, lang, text };
  codeInfo.set(code, measure(text, token.reference));
  return code;
}

/** `![alt](path)` → the file as a data: URL, so the deck needs no network and no side files. */
function resolveImages(
  top: Token,
  line: number,
  root: string,
  failAt: (line: number, message: string) => never,
): void {
  marked.walkTokens([top], (token) => {
    if (token.type === 'code' && !codeInfo.has(token))
      codeInfo.set(token, measure(token.text, undefined));
    if (token.type !== 'image') return;
    const image = token as Tokens.Image;
    if (image.href.startsWith('data:')) return;
    const at = lineOf(top, line, token);
    if (/^[a-z]+:/i.test(image.href))
      failAt(
        at,
        `image ${image.href}: the deck works offline, so images must be files in the repository`,
      );
    const type = IMAGE_TYPES[extname(image.href).toLowerCase()];
    if (!type)
      failAt(
        at,
        `image ${image.href}: use one of ${Object.keys(IMAGE_TYPES).join(' ')}`,
      );
    const path = join(root, image.href);
    if (!existsSync(path)) {
      if (image.title === 'optional') return void missingImages.add(image);
      failAt(
        at,
        `image ${image.href}: no such file (or mark it ![alt](path "optional"))`,
      );
    }
    if (image.title === 'optional') image.title = null;
    image.href = `data:${type};base64,${readFileSync(path).toString('base64')}`;
  });
}

// ---------------------------------------------------------------------------
// The deck: every slide in one page, with the theme and the runtime inlined.

export function readSlideSources(dir = SLIDES_DIR): SlideSource[] {
  return readdirSync(dir)
    .filter((name) => /^\d\d-.*\.md$/.test(name))
    .sort()
    .map((name) => ({
      file: relative(REPO_ROOT, join(dir, name)) || name,
      markdown: readFileSync(join(dir, name), 'utf8'),
    }));
}

export interface Deck {
  html: string;
  slides: Slide[];
}

export function buildDeck(
  sources: SlideSource[],
  options: BuildOptions & { title?: string } = {},
): Deck {
  const slides = sources.flatMap((source) =>
    parseSlides(source.markdown, source.file, options),
  );
  return {
    slides,
    html: renderDeck(
      slides,
      options.title ?? 'ping-pong · IPC on Node.js from scratch',
    ),
  };
}

export function renderDeck(slides: Slide[], title: string): string {
  const css = readFileSync(join(SLIDES_DIR, 'theme.css'), 'utf8');
  const js = readFileSync(join(SLIDES_DIR, 'deck.js'), 'utf8');
  // The footer names the section: the first title slide of each file.
  const sectionOf = new Map<string, string>();
  for (const slide of slides)
    if (slide.isTitle && !sectionOf.has(slide.file))
      sectionOf.set(slide.file, slide.title);
  let plannedStart = 0;
  const sections = slides.map((slide, index) => {
    const attributes = [
      `class="slide${slide.isTitle ? ' title-slide' : ''}"`,
      `id="slide-${index + 1}"`,
      `data-source="${escapeHtml(`${slide.file}:${slide.line}`)}"`,
      `data-planned-start="${plannedStart}"`,
      slide.minutes !== undefined ? `data-minutes="${slide.minutes}"` : '',
    ].filter(Boolean);
    plannedStart += slide.minutes ?? 0;
    const steps = slide.steps
      .map(
        (html, step) => `<div class="step" data-step="${step}">\n${html}</div>`,
      )
      .join('\n');
    const footer = escapeHtml(sectionOf.get(slide.file) ?? '');
    return `<section ${attributes.join(' ')}>
<div class="slide-body">
${steps}
</div>
<footer class="slide-footer"><span class="section">${footer}</span></footer>
<aside class="notes">${slide.notes}</aside>
</section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>
${css}</style>
</head>
<body>
<main id="deck" data-planned-total="${plannedStart}">
${sections.join('\n')}
</main>
<script>
${js.replaceAll('</script', '<\\/script')}</script>
</body>
</html>
`;
}

/** Writes the deck and returns what was built (used by `npm run slides:build` and the server). */
export function writeDeck(
  out = DEFAULT_OUT,
  sources = readSlideSources(),
): Deck {
  const deck = buildDeck(sources);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, deck.html);
  return deck;
}

/** One line per file with its planned minutes, then the total: the workshop's agenda. */
export function planSummary(slides: Slide[]): string {
  const perFile = new Map<string, number>();
  for (const slide of slides)
    perFile.set(
      slide.file,
      (perFile.get(slide.file) ?? 0) + (slide.minutes ?? 0),
    );
  const total = [...perFile.values()].reduce(
    (sum, minutes) => sum + minutes,
    0,
  );
  const width = Math.max(...[...perFile.keys()].map((file) => file.length));
  const rows = [...perFile].map(
    ([file, minutes]) =>
      `  ${file.padEnd(width)}  ${String(minutes).padStart(3)} min`,
  );
  return [
    ...rows,
    `  ${'total'.padEnd(width)}  ${String(total).padStart(3)} min (${Math.floor(total / 60)} h ${total % 60} min)`,
  ].join('\n');
}

function main(): void {
  const flags = parseCli({
    usage: 'npm run slides:build --',
    summary:
      'Builds slides/NN-*.md into one self-contained HTML page and prints the workshop plan.',
    flags: {
      out: {
        type: 'string',
        valueName: 'FILE',
        default: relative(process.cwd(), DEFAULT_OUT),
        description: 'where to write the deck',
      },
    },
  });
  const out = resolve(flags.out);
  try {
    const deck = writeDeck(out);
    const steps = deck.slides.reduce(
      (sum, slide) => sum + slide.steps.length,
      0,
    );
    const shown = relative(process.cwd(), out);
    process.stdout.write(
      `wrote ${shown.startsWith('..') ? out : shown}: ${deck.slides.length} slides, ${steps} steps\nplan:\n${planSummary(deck.slides)}\n`,
    );
  } catch (error) {
    if (!(error instanceof SlideBuildError)) throw error;
    fail(`slides: ${error.message}`);
  }
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(resolve(process.argv[1])).href
)
  main();
