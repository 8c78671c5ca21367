/**
 * The workshop deck: `slides/NN-*.md` → one self-contained `slides/dist/index.html`,
 * presented with reveal.js (inlined, with its notes and search plugins).
 *
 * Our syntax is a set of marked extensions, each producing a token (never a regular
 * expression over HTML); the syntax is documented for authors in `slides/README.md`:
 *   `---`                  the next slide starts
 *   `#pause`               what follows appears on the next key press (a reveal.js fragment)
 *   `Note:`                the rest of the slide is speaker notes; `[N min]` hints at their
 *                          start make the plan (plan.ts)
 *   `<<< path#name {2|4}`  region `name` of a demo file as highlighted code, optionally
 *                          stepping through highlighted lines (code.ts)
 *   `#countdown N min`     a countdown the room sees (exercise slides)
 *   `#agenda`              the agenda with clock times, from the plan
 *   `![alt](path)`         a local image, inlined; `qr:TEXT` makes a QR code of TEXT
 *   `{{repository}}`       the repository's URL, from package.json
 *
 * Everything is inlined (reveal.js, theme.css, deck.js, images), so the page opens from
 * file:// with no network. Raw HTML in the markdown is shown as text.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  Marked,
  type Token,
  type Tokens,
  type TokenizerAndRendererExtension,
} from 'marked';
import { RegionError, readRegion } from '../test/tools/regions.ts';
import { fail, parseCli } from '../demos/common/cli.ts';
import { imageDataUrl, qrCodeDataUrl } from './images.ts';
import {
  elide,
  escapeHtml,
  parseFenceInfo,
  parseLineSteps,
  renderCode,
  stripComments,
} from './code.ts';
import {
  agendaHtml,
  isClockTime,
  parseHints,
  planSummary,
  slideTimings,
  type Hint,
} from './plan.ts';

export { escapeHtml } from './code.ts';
export { planSummary } from './plan.ts';
export { qrCodeSvg } from './images.ts';

const SLIDES_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(SLIDES_DIR, '..');
export const DEFAULT_OUT = join(SLIDES_DIR, 'dist', 'index.html');
const require = createRequire(import.meta.url);

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
  /** The timing hints at the start of the notes (`[8 min]`, `[7 min hands-on]`). */
  hints: Hint[];
  /** The text of the slide's first heading ('' when it has none). */
  title: string;
  /** The title of its file's first title slide: the section, shown in the footer. */
  section: string;
  /** Whether the slide opens with a `#` heading: a title slide, laid out centred. */
  isTitle: boolean;
}

export interface BuildOptions {
  /** Where `<<<` and image paths are resolved (the repository root by default). */
  root?: string;
  /** The value of `{{repository}}` (by default package.json's `repository` URL under `root`). */
  repository?: string;
}

/** A mistake in a slide file; the message starts with `file:line:`. */
export class SlideBuildError extends Error {}

type FailAt = (line: number, message: string) => never;

// ---------------------------------------------------------------------------
// The syntax, as marked extensions. Each block tokenizer matches only at the start
// of a line; `start` tells marked where a paragraph must stop so the marker gets a
// chance to match (marked cuts the paragraph at the earliest start of any extension).

interface MarkerToken extends Tokens.Generic {
  type: 'slideBreak' | 'pause' | 'notesStart' | 'agenda';
  raw: string;
}

interface IncludeToken extends Tokens.Generic {
  type: 'regionInclude';
  raw: string;
  reference: string;
  /** `-name`: nested regions left out; `+comments`: comments kept. */
  options: string[];
  steps: string | undefined;
}

interface CountdownToken extends Tokens.Generic {
  type: 'countdown';
  raw: string;
  minutes: number;
}

/** A block extension for a line of its own: `pattern` matches the whole line. */
function lineSyntax<T extends Tokens.Generic>(
  name: string,
  pattern: RegExp,
  token: (match: RegExpExecArray) => Omit<T, 'raw'>,
  renderer?: (token: T) => string,
): TokenizerAndRendererExtension {
  const anywhere = new RegExp(`^${pattern.source}[ \\t]*$`, 'm');
  const here = new RegExp(`^${pattern.source}[ \\t]*(?:\\n|$)`);
  return {
    name,
    level: 'block',
    start: (src) => anywhere.exec(src)?.index,
    tokenizer(src) {
      const match = here.exec(src);
      return match ? ({ ...token(match), raw: match[0] } as T) : undefined;
    },
    ...(renderer
      ? { renderer: (generic: Tokens.Generic) => renderer(generic as T) }
      : {}),
  };
}

const slideBreak = lineSyntax<MarkerToken>('slideBreak', /---/, () => ({
  type: 'slideBreak',
}));
const pause = lineSyntax<MarkerToken>('pause', /#pause/, () => ({
  type: 'pause',
}));
/** The agenda needs every file's timing: renderDeck fills the placeholder in. */
const AGENDA_PLACEHOLDER = '<div class="agenda-placeholder"></div>\n';
const agenda = lineSyntax<MarkerToken>(
  'agenda',
  /#agenda/,
  () => ({ type: 'agenda' }),
  () => AGENDA_PLACEHOLDER,
);
const countdown = lineSyntax<CountdownToken>(
  'countdown',
  /#countdown[ \t]+(\d+)[ \t]+min/,
  (match) => ({ type: 'countdown', minutes: Number(match[1]) }),
  (token) => countdownHtml(token.minutes),
);
const regionInclude = lineSyntax<IncludeToken>(
  'regionInclude',
  /<<<[ \t]+(\S+)((?:[ \t]+[-+][\w-]+)*)(?:[ \t]+\{([^}\n]*)\})?/,
  (match) => ({
    type: 'regionInclude',
    reference: match[1] ?? '',
    options: (match[2] ?? '').trim().split(/\s+/).filter(Boolean),
    steps: match[3],
  }),
);

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

const SLIDE_MARKERS = new Set([
  'slideBreak',
  'pause',
  'notesStart',
  'regionInclude',
  'countdown',
  'agenda',
]);

// ---------------------------------------------------------------------------
// Rendering.

/** A countdown the room sees; deck.js starts it when its slide is first shown. */
function countdownHtml(minutes: number): string {
  return `<p class="countdown" data-seconds="${minutes * 60}" title="click: pause or resume · double-click: start over">${minutes}:00</p>\n`;
}

/** QR code images, drawn with class="qr" (crisp edges). */
const qrImages = new WeakSet<Token>();
/** The code blocks the builder made from `<<<` includes: their caption and line steps. */
const includes = new WeakMap<
  Token,
  { caption: string; steps: string | undefined }
>();

function createMarked(): Marked {
  const marked = new Marked();
  marked.use({
    gfm: true,
    extensions: [
      slideBreak,
      pause,
      notesStart,
      regionInclude,
      countdown,
      agenda,
    ],
    tokenizer: {
      // Setext headings ("Title" underlined with ---) would swallow slide breaks; use `#`.
      lheading: () => undefined,
    },
    renderer: {
      code(token) {
        const fence = parseFenceInfo(token.lang ?? '');
        const include = includes.get(token);
        const steps = include?.steps ?? fence.steps;
        const lineCount = token.text.split('\n').length;
        return renderCode({
          text: token.text,
          language: fence.language,
          caption: include?.caption ?? fence.caption,
          // Checked in parseSlides, where a mistake can name its line.
          steps:
            steps === undefined ? undefined : parseLineSteps(steps, lineCount),
        });
      },
      image(token) {
        if (!qrImages.has(token)) return false; // the default <img>, with the data: URL
        return `<img class="qr" src="${token.href}" alt="${escapeHtml(token.text)}">`;
      },
      // Slides are markdown only: raw HTML is shown as the text it is; comments vanish.
      html(token) {
        if (/^\s*<!--[\s\S]*-->\s*$/.test(token.text)) return '';
        return token.block
          ? `<p>${escapeHtml(token.text)}</p>\n`
          : escapeHtml(token.text);
      },
    },
  });
  return marked;
}

const marked = createMarked();

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

/** Plain text of a heading (no markup), for the footer and the agenda. */
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

/** package.json's `repository` as a URL a browser and `git clone` take. */
export function repositoryUrl(root = REPO_ROOT): string | undefined {
  const path = join(root, 'package.json');
  if (!existsSync(path)) return undefined;
  const repository: unknown = JSON.parse(readFileSync(path, 'utf8')).repository;
  const url =
    typeof repository === 'string'
      ? repository
      : typeof repository === 'object' && repository && 'url' in repository
        ? String(repository.url)
        : undefined;
  return url?.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** `{{name}}` → its value, before anything else reads the markdown. */
function substitute(
  source: string,
  options: BuildOptions,
  failAt: FailAt,
): string {
  const lines = source.split('\n');
  return lines
    .map((text, index) =>
      text.replace(/\{\{\s*([\w-]+)\s*\}\}/g, (_, name: string) => {
        if (name !== 'repository')
          failAt(
            index + 1,
            `unknown {{${name}}}: the only variable is {{repository}}`,
          );
        const url = options.repository ?? repositoryUrl(options.root);
        return (
          url ??
          failAt(
            index + 1,
            '{{repository}}: package.json has no "repository" URL',
          )
        );
      }),
    )
    .join('\n');
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
  const failAt: FailAt = (line, message) => {
    throw new SlideBuildError(`${file}:${line}: ${message}`);
  };
  const source = substitute(markdown.replace(/\r\n?/g, '\n'), options, failAt);
  const tokens = marked.lexer(source);
  const lines = tokenLines(tokens);

  interface Draft {
    /** Where the slide's first block is (0 until it has one). */
    line: number;
    steps: Token[][];
    notes: Token[] | undefined;
    notesLine: number;
  }
  const drafts: Draft[] = [];
  let draft: Draft = { line: 0, steps: [[]], notes: undefined, notesLine: 0 };

  tokens.forEach((token, index) => {
    const line = lines[index] ?? 1;
    checkNested(token, line, failAt);
    resolveImages(token, line, file, root, failAt);
    switch (token.type) {
      case 'slideBreak':
        drafts.push(draft);
        draft = { line: 0, steps: [[]], notes: undefined, notesLine: 0 };
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
        draft.notesLine = line;
        return;
    }
    if (draft.line === 0 && token.type !== 'space') draft.line = line;
    let content = token;
    if (token.type === 'regionInclude')
      content = includeRegion(token as IncludeToken, line, root, failAt);
    if (token.type === 'code')
      checkLineSteps(token as Tokens.Code, line, failAt);
    if (draft.notes) draft.notes.push(content);
    else draft.steps.at(-1)?.push(content);
  });
  drafts.push(draft);

  let section = '';
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
    const isTitle =
      firstToken?.type === 'heading' &&
      (firstToken as Tokens.Heading).depth === 1;
    const title = firstHeading ? plainText(firstHeading.tokens) : '';
    if (isTitle && !section) section = title;
    const notes = slide.notes ?? [];
    const hints = takeHints(notes, slide.notesLine, failAt);
    return [
      {
        file,
        line: slide.line || 1,
        steps: steps.map(render),
        notes: notes.length > 0 ? render(notes) : '',
        hints,
        title,
        section,
        isTitle,
      },
    ];
  });
}

/** Reads the `[N min …]` hints at the start of the notes (they stay in the notes for the speaker). */
function takeHints(notes: Token[], line: number, failAt: FailAt): Hint[] {
  const first = notes.find((token) => token.type !== 'space');
  if (first?.type !== 'paragraph') return [];
  const paragraph = first as Tokens.Paragraph;
  const { hints, error } = parseHints(paragraph.text);
  if (error) failAt(line, error);
  return hints;
}

function render(tokens: Token[]): string {
  marked.walkTokens(tokens, (token) => marked.defaults.walkTokens?.(token));
  return marked.parser(tokens);
}

/** Slide syntax works at the top level of a slide only; inside a list or quote it is a mistake. */
function checkNested(top: Token, line: number, failAt: FailAt): void {
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

function checkLineSteps(code: Tokens.Code, line: number, failAt: FailAt): void {
  const steps =
    includes.get(code)?.steps ?? parseFenceInfo(code.lang ?? '').steps;
  if (steps === undefined) return;
  try {
    parseLineSteps(steps, code.text.split('\n').length);
  } catch (error) {
    failAt(line, error instanceof Error ? error.message : String(error));
  }
}

function includeRegion(
  token: IncludeToken,
  line: number,
  root: string,
  failAt: FailAt,
): Token {
  const [path] = token.reference.split('#');
  const lang = extname(path ?? '').slice(1) || 'text';
  const read = (reference: string): string => {
    try {
      return readRegion(reference, root);
    } catch (error) {
      if (!(error instanceof RegionError)) throw error;
      return failAt(line, `<<< ${token.reference}: ${error.message}`);
    }
  };
  let text = read(token.reference);
  for (const option of token.options) {
    if (option === '+comments') continue;
    if (!option.startsWith('-'))
      failAt(
        line,
        `<<< ${token.reference}: unknown option ${option} (use -region to leave a nested region out, +comments to keep comments)`,
      );
    const left = elide(text, read(`${path}#${option.slice(1)}`));
    text =
      left ??
      failAt(
        line,
        `<<< ${token.reference}: region "${option.slice(1)}" is not inside it`,
      );
  }
  if (!token.options.includes('+comments')) text = stripComments(text, lang);
  const code: Tokens.Code = { type: 'code', raw: token.raw, lang, text };
  includes.set(code, {
    caption: token.reference.replace('#', ' · '),
    steps: token.steps,
  });
  checkLineSteps(code, line, failAt);
  return code;
}

/**
 * `![alt](path)` → the file as a data: URL, so the deck needs no network and no side
 * files (images.ts); `qr:TEXT` is a QR code of TEXT. A missing file fails the build.
 */
function resolveImages(
  top: Token,
  line: number,
  file: string,
  root: string,
  failAt: FailAt,
): void {
  marked.walkTokens([top], (token) => {
    if (token.type !== 'image') return;
    const image = token as Tokens.Image;
    if (image.href.startsWith('qr:')) {
      image.href = qrCodeDataUrl(image.href.slice(3));
      qrImages.add(image);
      return;
    }
    const inlined = imageDataUrl(image.href, file, root);
    if ('error' in inlined) failAt(lineOf(top, line, token), inlined.error);
    else image.href = inlined.url;
  });
}

// ---------------------------------------------------------------------------
// The deck: every slide in one reveal.js page, everything inlined.

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

export interface DeckOptions extends BuildOptions {
  title?: string;
  /** The clock time the workshop starts, `09:00` by default: the agenda's times count from it. */
  start?: string;
}

export function buildDeck(
  sources: SlideSource[],
  options: DeckOptions = {},
): Deck {
  const slides = sources.flatMap((source) =>
    parseSlides(source.markdown, source.file, options),
  );
  return { slides, html: renderDeck(slides, options) };
}

/** reveal.js's own files (by the names its package exports), read from node_modules: the deck inlines them. */
function revealAsset(name: string): string {
  return readFileSync(require.resolve(name), 'utf8');
}

/** Text for inside a <script>: a `</script` in it would end the element early. */
const scriptText = (js: string) => js.replaceAll('</script', '<\\/script');

export function renderDeck(slides: Slide[], options: DeckOptions = {}): string {
  const start = options.start ?? '09:00';
  const title = options.title ?? 'ping-pong · IPC on Node.js from scratch';
  const timings = slideTimings(slides);
  const agenda = agendaHtml(slides, start);
  const sections = slides.map((slide, index) => {
    const attributes = [
      slide.isTitle ? 'class="title-slide"' : '',
      `data-source="${escapeHtml(`${slide.file}:${slide.line}`)}"`,
      `data-timing="${timings[index] ?? 0}"`,
    ].filter(Boolean);
    const steps = slide.steps
      .map((html, step) =>
        step === 0 ? html : `<div class="fragment pause">\n${html}</div>`,
      )
      .join('\n');
    // The opening's section is the course's name: the footer says it once.
    const footer =
      slide.section && slide.section !== 'ping-pong'
        ? `ping-pong · ${escapeHtml(slide.section)}`
        : 'ping-pong';
    return `<section ${attributes.join(' ')}>
<div class="frame"><div class="body">
${steps.replaceAll(AGENDA_PLACEHOLDER, agenda)}</div>
<footer class="slide-footer">${footer}</footer></div>
<aside class="notes">${slide.notes}</aside>
</section>`;
  });
  const css = [
    revealAsset('reveal.js/reset.css'),
    revealAsset('reveal.js/reveal.css'),
    readFileSync(join(SLIDES_DIR, 'theme.css'), 'utf8'),
  ].join('\n');
  const scripts = [
    revealAsset('reveal.js'),
    revealAsset('reveal.js/plugin/notes'),
    revealAsset('reveal.js/plugin/search'),
    readFileSync(join(SLIDES_DIR, 'deck.js'), 'utf8'),
  ];
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
<div class="reveal"><div class="slides">
${sections.join('\n')}
</div></div>
${scripts.map((js) => `<script>\n${scriptText(js)}</script>`).join('\n')}
</body>
</html>
`;
}

/** Writes the deck and returns what was built (used by `npm run slides:build` and the server). */
export function writeDeck(
  out = DEFAULT_OUT,
  sources = readSlideSources(),
  options: DeckOptions = {},
): Deck {
  const deck = buildDeck(sources, options);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, deck.html);
  return deck;
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
      start: {
        type: 'string',
        valueName: 'HH:MM',
        default: '09:00',
        description:
          'when the workshop starts: the agenda and the plan count from it',
      },
    },
  });
  if (!isClockTime(flags.start))
    fail(
      `--start ${JSON.stringify(flags.start)}: give a time like 09:00 or 13:30`,
    );
  const out = resolve(flags.out);
  try {
    const deck = writeDeck(out, readSlideSources(), { start: flags.start });
    const steps = deck.slides.reduce(
      (sum, slide) => sum + slide.steps.length,
      0,
    );
    const shown = relative(process.cwd(), out);
    process.stdout.write(
      `wrote ${shown.startsWith('..') ? out : shown}: ${deck.slides.length} slides, ${steps} steps\nplan:\n${planSummary(deck.slides, flags.start)}\n`,
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
