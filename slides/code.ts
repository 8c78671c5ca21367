/**
 * Code blocks on slides: highlighted at build time, one `<span class="line">` per line,
 * an optional caption (the quoted file and region, or a terminal label such as
 * `T1 server`), and optional line-highlight steps.
 *
 *   ```console T1 server            a fenced block: the words after the language are its caption
 *   <<< demos/04-…/client.ts#ping-loop {2|4-6}
 *                                   `{…}` steps through highlighted lines: first line 2,
 *                                   then (on the next key press) lines 4 to 6
 *
 * Steps are drawn the way reveal.js's highlight plugin draws them: the block is repeated
 * once per step, and every repetition after the first is a reveal.js fragment stacked on
 * top of the first (theme.css), so stepping needs no script. The font size is not chosen
 * here: deck.js fits it to the room the slide has left (never below the floor in theme.css).
 */
import hljs from 'highlight.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A block's line steps: each step is the set of 1-based lines it highlights (empty: none). */
export type LineSteps = Set<number>[];

/**
 * Parses `{3|5-7}` (without the braces): steps separated by `|`, each a comma list of line
 * numbers and ranges; `*` or an empty step highlights nothing. Throws a readable message.
 */
export function parseLineSteps(spec: string, lineCount: number): LineSteps {
  return spec.split('|').map((step) => {
    const lines = new Set<number>();
    const trimmed = step.trim();
    if (trimmed === '' || trimmed === '*') return lines;
    for (const part of trimmed.split(',')) {
      const match = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
      if (!match)
        throw new Error(
          `line steps {${spec}}: "${part.trim()}" is not a line number or a range like 5-7`,
        );
      const first = Number(match[1]);
      const last = Number(match[2] ?? match[1]);
      if (first < 1 || last < first || last > lineCount) {
        throw new Error(
          `line steps {${spec}}: ${part.trim()} is outside lines 1-${lineCount} of the code`,
        );
      }
      for (let line = first; line <= last; line++) lines.add(line);
    }
    return lines;
  });
}

function highlightedHtml(code: string, language: string): string {
  if (language && hljs.getLanguage(language))
    return hljs.highlight(code, { language, ignoreIllegals: true }).value;
  return escapeHtml(code);
}

/**
 * Splits highlighted HTML into lines. highlight.js output is text, entities and
 * `<span class="…">…</span>`, and a span may run over several lines (a block comment):
 * each line closes the spans still open and the next line reopens them.
 */
export function splitHighlightedLines(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let line = '';
  for (const piece of html.split(/(<span[^>]*>|<\/span>|\n)/)) {
    if (piece === '\n') {
      lines.push(line + '</span>'.repeat(open.length));
      line = open.join('');
    } else if (piece.startsWith('<span')) {
      open.push(piece);
      line += piece;
    } else if (piece === '</span>') {
      open.pop();
      line += piece;
    } else {
      line += piece;
    }
  }
  lines.push(line + '</span>'.repeat(open.length));
  return lines;
}

export interface CodeBlock {
  /** The code as written (a region is already cut out and dedented). */
  text: string;
  /** The fence's language (`ts`, `console`, …), '' for none. */
  language: string;
  /** Shown on the block's top edge: `demos/05-poll/server.ts · accept`, `T1 server`. */
  caption?: string | undefined;
  steps?: LineSteps | undefined;
}

/** A fence's info string `console T1 server {2|4}` → language, caption and line steps. */
export function parseFenceInfo(info: string): {
  language: string;
  caption: string;
  steps: string | undefined;
} {
  const match = /^(\S*)\s*(.*?)\s*(?:\{([^}]*)\})?\s*$/.exec(info.trim());
  return {
    language: match?.[1] ?? '',
    caption: match?.[2] ?? '',
    steps: match?.[3],
  };
}

export function renderCode(block: CodeBlock): string {
  const language = block.language === 'console' ? 'shell' : block.language;
  const lines = splitHighlightedLines(
    highlightedHtml(block.text.replace(/\n$/, ''), language),
  );
  const languageClass = block.language
    ? ` language-${escapeHtml(block.language)}`
    : '';
  const steps =
    block.steps && block.steps.length > 0 ? block.steps : [new Set<number>()];
  const codes = steps.map((highlighted, index) => {
    const classes = ['hljs' + languageClass];
    if (highlighted.size > 0) classes.push('has-highlights');
    if (index > 0) classes.push('fragment', 'code-step');
    const body = lines
      .map(
        (line, at) =>
          `<span class="line${highlighted.has(at + 1) ? ' highlight' : ''}">${line || ' '}</span>`,
      )
      .join('');
    return `<code class="${classes.join(' ')}">${body}</code>`;
  });
  const caption = block.caption
    ? `<figcaption>${escapeHtml(block.caption)}</figcaption>`
    : '';
  return `<figure class="code">${caption}<pre>${codes.join('')}</pre></figure>\n`;
}

// ---------------------------------------------------------------------------
// Quoting a region on a slide. A slide is read from the back of a room, so a quote is
// the code without its comments (the speaker says them; the lesson prints them), and a
// nested region may be left out, shown as one `…` line:
//
//   <<< demos/02-blocking/server.ts#loop -announce     region `loop` without region `announce`
//   <<< demos/02-blocking/server.ts#loop +comments     keep the comments

/** The code of a line without a trailing `// comment` (one outside quotes), or the line unchanged. */
function withoutTrailingComment(line: string): string {
  let quote = '';
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (quote) {
      if (char === '\\') at++;
      else if (char === quote) quote = '';
    } else if (char === "'" || char === '"' || char === '`') {
      quote = char;
    } else if (
      char === '/' &&
      line[at + 1] === '/' &&
      at > 0 &&
      /\s/.test(line[at - 1] ?? '')
    ) {
      return line.slice(0, at).trimEnd();
    }
  }
  return line;
}

/** TypeScript/JavaScript (and `#` for Python) comment lines and trailing comments removed; blank runs squeezed. */
export function stripComments(code: string, language: string): string {
  const lines: string[] = [];
  let inBlock = false;
  for (const line of code.split('\n')) {
    const trimmed = line.trim();
    if (inBlock) {
      if (trimmed.includes('*/')) inBlock = false;
      continue;
    }
    if (trimmed.startsWith('/*')) {
      inBlock = !trimmed.includes('*/');
      continue;
    }
    if (
      trimmed.startsWith('//') ||
      (language === 'py' && trimmed.startsWith('#'))
    )
      continue;
    lines.push(language === 'py' ? line : withoutTrailingComment(line));
  }
  return lines
    .filter(
      (line, index) =>
        !(
          line.trim() === '' &&
          (index === 0 || lines[index - 1]?.trim() === '')
        ),
    )
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

/**
 * `outer` with the lines of `inner` (a nested region's dedented text) replaced by one
 * `…` line at their indentation. Returns undefined if `inner` is not in `outer`.
 */
export function elide(outer: string, inner: string): string | undefined {
  const outerLines = outer.split('\n');
  const innerLines = inner.split('\n').map((line) => line.trim());
  const start = outerLines.findIndex((_, at) =>
    innerLines.every(
      (line, offset) => outerLines[at + offset]?.trim() === line,
    ),
  );
  if (start === -1) return undefined;
  const indent = /^\s*/.exec(outerLines[start] ?? '')?.[0] ?? '';
  outerLines.splice(start, innerLines.length, `${indent}…`);
  // At the top of the quote, the blank line after the left-out block goes too.
  if (start === 0 && outerLines[1]?.trim() === '') outerLines.splice(1, 1);
  return outerLines.join('\n');
}
