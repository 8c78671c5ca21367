/**
 * The slide builder, on fixture markdown and fixture demo files in a temp directory
 * (so these tests do not depend on the lessons), plus one build of the real deck and
 * the `npm run slides` server.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from './harness/index.ts';
import { startServerProcess } from './tools/process.ts';
import {
  buildDeck,
  parseSlides,
  planSummary,
  readSlideSources,
  SlideBuildError,
  type Slide,
} from '../slides/build.ts';

const DEMO = `import net from 'node:net';

export function start(server: net.Server): void {
  // #region accept
  server.on('connection', (socket) => {
    // #region greet
    socket.write('hello <world> & "you"\\n');
    // #endregion greet
  });
  // #endregion accept
}
`;

/** A repository-shaped temp dir with one demo file, for includes and images. */
function fixtureRoot(): string {
  const root = tempDir();
  mkdirSync(join(root, 'demos', '05-poll'), { recursive: true });
  writeFileSync(join(root, 'demos', '05-poll', 'server.ts'), DEMO);
  writeFileSync(
    join(root, 'demos', '05-poll', 'chart.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
  );
  return root;
}

function parse(markdown: string, root = fixtureRoot()): Slide[] {
  return parseSlides(markdown, 'slides/05-poll.md', { root });
}

/** The build error for `markdown`, or a failure if it builds. */
function buildError(markdown: string, root = fixtureRoot()): string {
  try {
    parse(markdown, root);
  } catch (error) {
    if (error instanceof SlideBuildError) return error.message;
    throw error;
  }
  throw new Error('expected the build to fail');
}

describe('slide separators', () => {
  it('a line with only --- starts a new slide, and each slide knows the line it starts on', () => {
    const slides = parse('# One\n\ntext\n\n---\n\n## Two\n---\n## Three\n');
    expect(slides.map((slide) => slide.title)).toEqual(['One', 'Two', 'Three']);
    expect(slides.map((slide) => slide.line)).toEqual([1, 7, 9]);
  });

  it('--- right under a line of text still separates slides (no setext heading swallows it)', () => {
    const slides = parse('first slide text\n---\nsecond slide text\n');
    expect(slides).toHaveLength(2);
    expect(slides[0]?.steps[0]).toBe('<p>first slide text</p>\n');
    expect(slides[1]?.steps[0]).toBe('<p>second slide text</p>\n');
  });

  it('--- inside a fenced code block is code, not a separator', () => {
    const slides = parse('## YAML\n\n```yaml\n---\nkey: value\n```\n');
    expect(slides).toHaveLength(1);
    expect(slides[0]?.steps[0]).toContain('---');
  });

  it('a file that starts or ends with --- makes no empty slides', () => {
    expect(parse('---\n# Only\n---\n\n')).toHaveLength(1);
  });

  it('a slide whose first block is a # heading is a title slide', () => {
    const slides = parse('# Lesson 05\n\nsubtitle\n---\n## Detail\n');
    expect(slides.map((slide) => slide.isTitle)).toEqual([true, false]);
  });
});

describe('pauses', () => {
  it('#pause on its own line splits a slide into steps shown one key press at a time', () => {
    const [slide] = parse(
      '## Steps\n\n- first\n\n#pause\n\n- second\n\n#pause\n\nlast words\n',
    );
    expect(slide?.steps).toEqual([
      '<h2>Steps</h2>\n<ul>\n<li>first</li>\n</ul>\n',
      '<ul>\n<li>second</li>\n</ul>\n',
      '<p>last words</p>\n',
    ]);
  });

  it('#pause right after a paragraph line still splits', () => {
    const [slide] = parse('one\n#pause\ntwo\n');
    expect(slide?.steps).toEqual(['<p>one</p>\n', '<p>two</p>\n']);
  });

  it('#pause inside a list is an error naming the file and line', () => {
    expect(buildError('## List\n\n- one\n#pause\n- two\n')).toBe(
      'slides/05-poll.md:4: #pause inside a list or quote: put it on its own line, with a blank line before it',
    );
  });

  it('#pause inside a code block is code', () => {
    const [slide] = parse('```sh\n#pause\n```\n');
    expect(slide?.steps).toHaveLength(1);
    expect(slide?.steps[0]).toContain('#pause');
  });
});

describe('speaker notes', () => {
  it('Note: starts the notes, which run to the end of the slide and are not shown on it', () => {
    const [first, second] = parse(
      '## Talk\n\nshown\n\nNote: say *this*\n\n- and that\n---\n## Next\n',
    );
    expect(first?.steps).toEqual(['<h2>Talk</h2>\n<p>shown</p>\n']);
    expect(first?.notes).toBe(
      '<p>say <em>this</em></p>\n<ul>\n<li>and that</li>\n</ul>\n',
    );
    expect(second?.notes).toBe('');
  });

  it('Note: on the line right after a paragraph still starts the notes', () => {
    const [slide] = parse('shown\nNote: hidden\n');
    expect(slide?.steps).toEqual(['<p>shown</p>\n']);
    expect(slide?.notes).toBe('<p>hidden</p>\n');
  });

  it('[N min] at the start of the notes is the timing hint the plan adds up', () => {
    const slides = parse(
      '# A\nNote: [10 min] intro\n---\n## B\nNote: [2.5 min] detail\n---\n## C\nNote: no hint\n',
    );
    expect(slides.map((slide) => slide.minutes)).toEqual([10, 2.5, undefined]);
    expect(planSummary(slides)).toContain('slides/05-poll.md  12.5 min');
  });

  it('a second Note: on one slide is an error', () => {
    expect(buildError('## A\n\nNote: one\n\nNote: two\n')).toBe(
      'slides/05-poll.md:5: a second "Note:" on one slide: a slide has one block of notes, at its end',
    );
  });
});

describe('region includes', () => {
  it('<<< path#region shows the region as highlighted code: markers removed, indentation trimmed', () => {
    const [slide] = parse('## Accept\n\n<<< demos/05-poll/server.ts#accept\n');
    const html = slide?.steps[0] ?? '';
    expect(html).toContain(
      '<figcaption>demos/05-poll/server.ts · accept</figcaption>',
    );
    expect(html).toContain(
      '<code class="hljs language-ts">server.<span class="hljs-title function_">on</span>',
    );
    expect(html).not.toContain('#region');
    expect(html).not.toContain('#endregion');
    // The nested region's line is there, one level in from the region's own indentation.
    expect(html).toMatch(
      /\n  socket\.<span class="hljs-title function_">write<\/span>/,
    );
  });

  it('a missing region fails the build with the slide file, line, and region', () => {
    expect(
      buildError('## A\n\ntext\n\n<<< demos/05-poll/server.ts#listen\n'),
    ).toBe(
      'slides/05-poll.md:5: <<< demos/05-poll/server.ts#listen: no region "listen" in demos/05-poll/server.ts',
    );
  });

  it('a missing file fails the build with the slide file and line', () => {
    expect(buildError('## A\n---\n<<< demos/09-nope/server.ts#accept\n')).toBe(
      'slides/05-poll.md:3: <<< demos/09-nope/server.ts#accept: no file demos/09-nope/server.ts',
    );
  });

  it('an include inside a list is an error', () => {
    expect(
      buildError('- item\n  <<< demos/05-poll/server.ts#accept\n'),
    ).toMatch(/^slides\/05-poll\.md:2: <<< demos.* inside a list/);
  });

  it('long code gets a smaller size class, short code the largest', () => {
    const long = Array.from(
      { length: 30 },
      (_, index) => `const line${index} = ${index};`,
    ).join('\n');
    const [slide] = parse(
      `\`\`\`ts\nshort();\n\`\`\`\n\n\`\`\`ts\n${long}\n\`\`\`\n`,
    );
    expect(slide?.steps[0]).toMatch(
      /<figure class="code code-l">[\s\S]*<figure class="code code-xxs">/,
    );
  });
});

describe('escaping', () => {
  it('HTML in code blocks, included regions and inline code is shown as text', () => {
    const [slide] = parse(
      '```html\n<script>alert(1)</script>\n```\n\n```\n<b>no language</b>\n```\n\nuse `<img onerror=x>`\n\n<<< demos/05-poll/server.ts#greet\n',
    );
    const html = slide?.steps[0] ?? '';
    expect(html).not.toMatch(/<script|<b>|<img/);
    // Highlighting wraps tokens in spans; without them, the code reads as the escaped source.
    expect(html.replace(/<\/?span[^>]*>/g, '')).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;',
    );
    expect(html).toContain('&#60;b&#62;no language&#60;/b&#62;');
    expect(html).toContain('<code>&lt;img onerror=x&gt;</code>');
    expect(html).toContain('hello &lt;world&gt; &amp; &quot;you&quot;');
  });

  it('raw HTML in the markdown is shown as text, and HTML comments vanish', () => {
    const [slide] = parse(
      '<div onclick="x()">hi</div>\n\na <span>Buffer</span> here <!-- hidden -->\n\n<!-- a comment block -->\n',
    );
    const html = slide?.steps[0] ?? '';
    expect(html).not.toMatch(/<div|<span|hidden|comment block/);
    expect(html).toContain(
      '&#60;div onclick=&#34;x()&#34;&#62;hi&#60;/div&#62;',
    );
    expect(html).toContain('a &#60;span&#62;Buffer&#60;/span&#62; here');
  });

  it('the notes and slide titles are escaped too', () => {
    const deck = buildDeck(
      [
        {
          file: 'slides/01-a.md',
          markdown: '# Title <i>x</i>\nNote: <script>bad()</script>\n',
        },
      ],
      { root: fixtureRoot() },
    );
    expect(deck.html).not.toContain('<script>bad()');
    expect(deck.html).not.toContain('<i>x</i>');
  });
});

describe('images', () => {
  it('a local image is inlined as a data: URL', () => {
    const [slide] = parse(
      '## Chart\n\n![the chart](demos/05-poll/chart.svg)\n',
    );
    expect(slide?.steps[0]).toMatch(
      /<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="the chart">/,
    );
  });

  it('a missing image fails the build with the line', () => {
    expect(
      buildError('## Chart\n\ntext\n![chart](demos/05-poll/none.svg)\n'),
    ).toBe(
      'slides/05-poll.md:4: image demos/05-poll/none.svg: no such file (or mark it ![alt](path "optional"))',
    );
  });

  it('an optional image that is not there yet leaves a placeholder', () => {
    const [slide] = parse(
      '## Chart\n\n![the chart](demos/05-poll/none.svg "optional")\n',
    );
    expect(slide?.steps[0]).toContain(
      '<span class="missing-image">the chart: <code>demos/05-poll/none.svg</code> is not there yet</span>',
    );
  });

  it('a remote image fails the build: the deck works offline', () => {
    expect(buildError('![x](https://example.com/x.png)\n')).toMatch(
      /^slides\/05-poll\.md:1: image https:\/\/example\.com\/x\.png: the deck works offline/,
    );
  });
});

describe('the deck', () => {
  it('is one self-contained page: theme, runtime and code inline, nothing fetched', () => {
    const root = fixtureRoot();
    const deck = buildDeck(
      [
        {
          file: 'slides/00-a.md',
          markdown:
            '# Hello\nNote: [5 min] hi\n---\n## Code\n\n<<< demos/05-poll/server.ts#accept\n',
        },
        {
          file: 'slides/01-b.md',
          markdown: '## More\n\none\n\n#pause\n\ntwo\nNote: [3 min] x\n',
        },
      ],
      { root },
    );
    expect(deck.slides).toHaveLength(3);
    expect(deck.html).toMatch(/^<!doctype html>/);
    expect(deck.html).toContain('<style>');
    expect(deck.html).toContain('<script>');
    expect(deck.html).not.toMatch(
      /<link rel="stylesheet"|<script src=|src="https?:|href="https?:/,
    );
    expect(deck.html).toContain('<link rel="icon" href="data:,">');
    expect(deck.html.match(/<section class="slide/g)).toHaveLength(3);
    expect(deck.html).toContain('data-planned-start="5"');
    expect(deck.html).toContain('data-planned-total="8"');
    expect(deck.html).toContain('<div class="step" data-step="1">');
  });

  it('reads slides/NN-*.md in file-name order and ignores other files', () => {
    const dir = tempDir();
    for (const name of ['10-b.md', '02-a.md', 'README.md', '99-end.md'])
      writeFileSync(join(dir, name), `# ${name}\n`);
    expect(
      readSlideSources(dir).map((source) => source.file.split('/').at(-1)),
    ).toEqual(['02-a.md', '10-b.md', '99-end.md']);
  });

  it('the real deck builds: every region the slides quote exists in the demos', () => {
    const deck = buildDeck(readSlideSources(join(REPO_ROOT, 'slides')));
    expect(deck.slides.length).toBeGreaterThan(5);
    expect(deck.slides[0]?.file).toBe('slides/00-opening.md');
    expect(deck.slides.at(-1)?.file).toBe('slides/99-closing.md');
  });
});

describe('npm run slides', () => {
  it('serves the deck on localhost, says where, and exits 0 on SIGTERM', async () => {
    const { server, address } = await startServerProcess(
      join(REPO_ROOT, 'slides', 'serve.ts'),
      ['--port', '0'],
    );
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(address);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<main id="deck"');
    expect((await fetch(new URL('/favicon.ico', address))).status).toBe(404);
    server.kill('SIGTERM');
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });
});
