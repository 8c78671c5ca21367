/**
 * The slide builder, on fixture markdown and fixture demo files in a temp directory
 * (so these tests do not depend on the lessons), plus one build of the real deck and
 * the `npm run slides` server.
 */
import { describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, tempDir } from './harness/index.ts';
import { startServerProcess } from './tools/process.ts';
import {
  buildDeck,
  parseSlides,
  planSummary,
  qrCodeSvg,
  readSlideSources,
  repositoryUrl,
  SlideBuildError,
  type Slide,
} from '../slides/build.ts';
import { elide, stripComments } from '../slides/code.ts';
import { agendaRows, sessions, slideTimings } from '../slides/plan.ts';

const DEMO = `import net from 'node:net';

export function start(server: net.Server): void {
  // #region accept
  server.on('connection', (socket) => {
    // #region greet
    socket.write('hello <world> & "you"\\n'); // say hello
    // #endregion greet
    /** A doc comment
     * over two lines. */
    socket.end('see http://x // not a comment'); // bye
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

/** Whether the page has `part`, without printing the whole page when it has not. */
function expectPage(html: string, part: string | RegExp, present = true): void {
  const found =
    typeof part === 'string' ? html.includes(part) : part.test(html);
  expect(found, `the page ${present ? 'has' : 'has no'} ${String(part)}`).toBe(
    present,
  );
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
    expect(slides.map((slide) => slide.hints)).toEqual([
      [{ minutes: 10, kind: 'talk' }],
      [{ minutes: 2.5, kind: 'talk' }],
      [],
    ]);
    expect(planSummary(slides)).toContain('09:00  slides/05-poll.md  12.5 min');
    // Each hint's minutes spread over its stretch of slides, in seconds for reveal.js's pacing.
    expect(slideTimings(slides)).toEqual([600, 75, 75]);
  });

  it('hints have kinds: hands-on, break, lunch and slack make the plan and the agenda', () => {
    const slides = [
      ...parse(
        '# A\nNote: [20 min] talk\n---\n## Try\nNote: [10 min hands-on] [5 min slack] go\n---\n## Rest\nNote: [15 min break]\n',
      ),
      ...parseSlides(
        '# B\nNote: [10 min]\n---\n## Eat\nNote: [60 min lunch]\n',
        'slides/06-b.md',
        { root: fixtureRoot() },
      ),
      ...parseSlides('# C\nNote: [30 min hands-on]\n', 'slides/09-c.md', {
        root: fixtureRoot(),
      }),
      ...parseSlides('# End\nNote: [5 min]\n', 'slides/99-end.md', {
        root: fixtureRoot(),
      }),
    ];
    expect(
      agendaRows(slides).map((row) => [row.at, row.what, row.minutes]),
    ).toEqual([
      [0, 'A', 35],
      [35, 'Break', 15],
      [50, 'B', 10],
      [60, 'Lunch', 60],
      [120, 'C', 30],
      [150, 'End', 5],
    ]);
    // The half day is everything before the lunch, and the closing (99-…); the afternoon the rest.
    expect(sessions(slides)).toEqual([
      { name: 'half day', minutes: 65, handsOn: 10, breaks: [15], slack: 5 },
      { name: 'afternoon', minutes: 30, handsOn: 30, breaks: [], slack: 0 },
    ]);
    const plan = planSummary(slides, '13:30');
    expect(plan).toContain('13:30  slides/05-poll.md');
    expect(plan).toContain('14:05  (break)');
    expect(plan).toContain(
      'half day: 65 min (1 h 05 min); hands-on 10 min (15%), 1 break (15 min), slack 5 min (8%)',
    );
  });

  it('an unknown kind of hint is an error', () => {
    expect(buildError('# A\n\nNote: [5 min coffee] x\n')).toBe(
      'slides/05-poll.md:3: unknown kind "coffee" in [5 min coffee]: use talk, hands-on, break, lunch, slack',
    );
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
      '<code class="hljs language-ts"><span class="line">server.<span class="hljs-title function_">on</span>',
    );
    expect(html).not.toContain('#region');
    expect(html).not.toContain('#endregion');
    // The nested region's line is there, one level in from the region's own indentation.
    expect(html).toMatch(
      /<span class="line"> {2}socket\.<span class="hljs-title function_">write<\/span>/,
    );
    // Comments are the speaker's to say: gone from the slide, strings untouched.
    expect(html).not.toMatch(/say hello|doc comment|over two lines/);
    expect(html).toContain('see http://x // not a comment');
    expect(html).not.toContain('bye');
  });

  it('-name leaves a nested region out as one … line; +comments keeps the comments', () => {
    const [slide] = parse(
      '<<< demos/05-poll/server.ts#accept -greet\n\n<<< demos/05-poll/server.ts#greet +comments\n',
    );
    const [elided, commented] = (slide?.steps[0] ?? '').split('</figure>');
    expect(elided).not.toContain(
      'socket.<span class="hljs-title function_">write',
    );
    expect(elided).toContain('<span class="line">  …</span>');
    expect(commented).toContain('say hello');
    expect(buildError('<<< demos/05-poll/server.ts#greet -accept\n')).toBe(
      'slides/05-poll.md:1: <<< demos/05-poll/server.ts#greet: region "accept" is not inside it',
    );
  });

  it('{2|3-4} steps through highlighted lines: one copy of the block per step, each a fragment', () => {
    const [slide] = parse('<<< demos/05-poll/server.ts#accept {1|2-3}\n');
    const html = slide?.steps[0] ?? '';
    const codes = html.match(/<code class="[^"]*">/g);
    expect(codes).toEqual([
      '<code class="hljs language-ts has-highlights">',
      '<code class="hljs language-ts has-highlights fragment code-step">',
    ]);
    const [first, second] = html.split('</code>');
    expect(first?.match(/class="line highlight"/g)).toHaveLength(1);
    expect(second?.match(/class="line highlight"/g)).toHaveLength(2);
    expect(buildError('<<< demos/05-poll/server.ts#accept {9}\n')).toBe(
      'slides/05-poll.md:1: line steps {9}: 9 is outside lines 1-4 of the code',
    );
  });

  it('a fence names its terminal: ```console T1 server', () => {
    const [slide] = parse(
      '```console T1 server\n$ npx tsx demos/05-poll/server.ts\n```\n',
    );
    expect(slide?.steps[0]).toContain('<figcaption>T1 server</figcaption>');
    expect(slide?.steps[0]).toContain('class="hljs language-console"');
  });

  it('a span that runs over lines is closed and reopened on each line', () => {
    const [slide] = parse('```ts\n/* one\ntwo */ x();\n```\n');
    expect(slide?.steps[0]).toContain(
      '<span class="line"><span class="hljs-comment">/* one</span></span><span class="line"><span class="hljs-comment">two */</span> <span class="hljs-title function_">x</span>();</span>',
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
    expectPage(deck.html, '<script>bad()', false);
    expectPage(deck.html, '<i>x</i>', false);
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
      'slides/05-poll.md:4: image demos/05-poll/none.svg: no such file (demos/05-poll/none.svg)',
    );
  });

  it('a path starting with ../ is relative to the slide file (lessons/pictures/…)', () => {
    const root = fixtureRoot();
    mkdirSync(join(root, 'lessons', 'pictures'), { recursive: true });
    writeFileSync(
      join(root, 'lessons', 'pictures', 'x.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
    );
    const [slide] = parse('![a picture](../lessons/pictures/x.svg)\n', root);
    expect(slide?.steps[0]).toContain('<img src="data:image/svg+xml;base64,');
    expect(buildError('![p](../lessons/pictures/y.svg)\n', root)).toBe(
      'slides/05-poll.md:1: image ../lessons/pictures/y.svg: no such file (lessons/pictures/y.svg)',
    );
    expect(buildError('![p](../../etc/passwd.png)\n', root)).toMatch(
      /outside the repository$/,
    );
  });

  it("qr:TEXT is a QR code made here, and {{repository}} is package.json's URL", () => {
    const root = fixtureRoot();
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({
        repository: { type: 'git', url: 'git+https://example.org/a/b.git' },
      }),
    );
    expect(repositoryUrl(root)).toBe('https://example.org/a/b');
    const [slide] = parse(
      '`git clone {{repository}}`\n\n![scan me](qr:{{repository}})\n',
      root,
    );
    expect(slide?.steps[0]).toContain(
      '<code>git clone https://example.org/a/b</code>',
    );
    expect(slide?.steps[0]).toMatch(
      /<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="scan me">/,
    );
    expect(qrCodeSvg('https://example.org/a/b')).toMatch(
      /^<svg [^>]*viewBox="0 0 33 33"/,
    );
    expect(buildError('{{nope}}\n', root)).toBe(
      'slides/05-poll.md:1: unknown {{nope}}: the only variable is {{repository}}',
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
    expectPage(deck.html, /^<!doctype html>/);
    expectPage(deck.html, '<style>');
    expectPage(deck.html, '<script>');
    expectPage(
      deck.html,
      /<link rel="stylesheet"|<script src=|src="https?:|href="https?:/,
      false,
    );
    expectPage(deck.html, '<link rel="icon" href="data:,">');
    expect(deck.html.match(/<section /g)).toHaveLength(3);
    expectPage(deck.html, '<div class="reveal"><div class="slides">');
    expectPage(deck.html, '.initialize({');
    expectPage(deck.html, 'RevealNotes');
    expectPage(deck.html, 'data-timing="150"');
    expectPage(deck.html, '<div class="fragment pause">');
    // reveal.js, its notes and search plugins, deck.js; none ends early at a `</script` inside it.
    expect(deck.html.match(/<\/script>/g)).toHaveLength(4);
  });

  it('#agenda is the plan with clock times; #countdown N min a countdown', () => {
    const deck = buildDeck(
      [
        {
          file: 'slides/00-a.md',
          markdown:
            '# Hello\n\n#agenda\n\nNote: [15 min] hi\n---\n## Go\n\n#countdown 7 min\n\nNote: [7 min hands-on]\n',
        },
        { file: 'slides/01-b.md', markdown: '# Lesson B\nNote: [20 min]\n' },
      ],
      { root: fixtureRoot(), start: '13:30' },
    );
    expectPage(
      deck.html,
      '<tr class="agenda-file"><td>13:30</td><td>Welcome and setup <span class="hands-on">7 min hands-on</span></td></tr>',
    );
    expectPage(
      deck.html,
      '<tr class="agenda-file"><td>13:52</td><td>Lesson B</td></tr>',
    );
    expectPage(
      deck.html,
      '<tr class="agenda-end"><td>14:12</td><td>end</td></tr>',
    );
    expectPage(deck.html, '<p class="countdown" data-seconds="420"');
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
    // Every NN-*.md between opening and closing is a lesson with an exercise slide.
    const lessons = [...new Set(deck.slides.map((slide) => slide.file))].filter(
      (file) => !/\/(00|99)-/.test(file),
    );
    for (const file of lessons) {
      expect(
        deck.slides.some(
          (slide) => slide.file === file && slide.title.startsWith('Exercise'),
        ),
        `${file} has an exercise slide`,
      ).toBe(true);
    }
    // The half day: at least 20% hands-on, two breaks, 10% slack.
    const [halfDay] = sessions(deck.slides);
    expect(halfDay?.handsOn).toBeGreaterThanOrEqual(
      (halfDay?.minutes ?? 0) * 0.2,
    );
    expect(halfDay?.breaks).toHaveLength(2);
    expect(halfDay?.slack).toBeGreaterThanOrEqual(
      (halfDay?.minutes ?? 0) * 0.1,
    );
    // The setup slide has the real URL, from package.json.
    expect(repositoryUrl()).toBe('https://github.com/ping-pong-ipc/ping-pong');
    expectPage(deck.html, `clone</span> ${repositoryUrl()}`);
    expectPage(deck.html, '<img class="qr"');
  });
});

describe('the commands on the slides', () => {
  /** Every `$ command` in the real deck's console blocks, continuation lines joined. */
  const commands = readSlideSources(join(REPO_ROOT, 'slides')).flatMap(
    (source) =>
      [...source.markdown.matchAll(/```console[^\n]*\n([\s\S]*?)```/g)].flatMap(
        (block) =>
          (block[1] ?? '')
            .replace(/\\\n\s*(?:> )?/g, ' ')
            .replace(/\|\n\s+/g, '| ')
            .split('\n')
            .filter((line) => line.startsWith('$ '))
            .map((line) => ({ file: source.file, command: line.slice(2) })),
      ),
  );
  const scripts = Object.keys(
    (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts,
  );

  it('name demo files that exist, with flags those demos take, and npm scripts that exist', () => {
    const wrong: string[] = [];
    for (const { file, command } of commands) {
      for (const match of command.matchAll(
        /(?:npx tsx|node --import tsx|python3) (demos\/\S+\.(?:ts|py))((?: +(?!\||>)\S+)*)/g,
      )) {
        const demo = match[1] ?? '';
        const path = join(REPO_ROOT, demo);
        if (!existsSync(path)) {
          wrong.push(`${file}: ${demo} does not exist`);
          continue;
        }
        // The demo and the files it imports (a shared flag spec lives in one of them).
        const own = readFileSync(path, 'utf8');
        const imported = [...own.matchAll(/from '(\.\.?\/[^']+\.ts)'/g)].map(
          (found) => readFileSync(join(dirname(path), found[1] ?? ''), 'utf8'),
        );
        const source = [own, ...imported].join('\n');
        for (const flag of (match[2] ?? '').matchAll(/--([a-z][\w-]*)/g)) {
          const name = flag[1] ?? '';
          const known =
            name === 'help' ||
            source.includes(`'${name}'`) ||
            source.includes(`"--${name}"`) ||
            new RegExp(`\\b${name}: \\{`).test(source);
          if (!known) wrong.push(`${file}: ${demo} takes no --${name}`);
        }
      }
      for (const match of command.matchAll(/npm run ([\w:-]+)/g)) {
        if (!scripts.includes(match[1] ?? ''))
          wrong.push(`${file}: no npm script ${match[1]}`);
      }
    }
    expect(commands.length).toBeGreaterThan(30);
    expect(wrong).toEqual([]);
  });
});

describe('the pictures', () => {
  it('every picture drawn for the lessons (lessons/pictures/*.svg) is on a slide', () => {
    const dir = join(REPO_ROOT, 'lessons', 'pictures');
    const pictures = existsSync(dir)
      ? readdirSync(dir).filter((name) => name.endsWith('.svg'))
      : [];
    const slides = readSlideSources(join(REPO_ROOT, 'slides'))
      .map((source) => source.markdown)
      .join('\n');
    expect(
      pictures.filter((name) => !slides.includes(`lessons/pictures/${name})`)),
      "add these to the lesson's slides: ![what it shows](../lessons/pictures/NAME.svg)",
    ).toEqual([]);
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
    expect(await page.text()).toContain('<div class="reveal">');
    expect((await fetch(new URL('/favicon.ico', address))).status).toBe(404);
    server.kill('SIGTERM');
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

describe('quoting code on a slide', () => {
  it('drops comment lines and trailing comments, but not // inside strings', () => {
    expect(
      stripComments(
        "// why\nconst a = 1; // note\n\n\nconst b = 'x // y';\n/* c */\nf();",
        'ts',
      ),
    ).toBe("const a = 1;\n\nconst b = 'x // y';\nf();");
    expect(
      stripComments(
        '# why\nx = 1  # keep: python code is left as it is\n',
        'py',
      ),
    ).toBe('x = 1  # keep: python code is left as it is');
  });

  it('elides a nested region by its lines, at their indentation', () => {
    expect(elide('a\n  b\n  c\nd', 'b\nc')).toBe('a\n  …\nd');
    expect(elide('a\nb', 'z')).toBeUndefined();
    // A block left out at the top takes its blank line with it.
    expect(elide('a\nb\n\nc', 'a\nb')).toBe('…\nc');
  });
});
