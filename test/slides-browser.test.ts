/**
 * The built deck in a real browser: Debian's Chromium, headless, driven by
 * playwright-core (which never downloads a browser of its own). The deck is opened
 * from file://, as a presenter opens slides/dist/index.html, and any request it makes
 * other than for itself fails the test: the page must be self-contained.
 *
 * What is checked is what broke before, each in the browser, never in the HTML text:
 * code at a readable size at three window sizes, no wrapped code line, every #pause
 * hiding something until its step, the speaker view (reveal.js's notes plugin, in a
 * real popup) showing the whole slide scaled, the pictures there, a real PDF with one
 * page per slide, and no console errors. Three code slides are saved as screenshots
 * in test-artifacts/ for a human to look at.
 *
 * Without Chromium this suite skips, saying so; in CI (CI=true) a missing Chromium
 * fails it instead, because `.ci/run` installs it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './harness/index.ts';
import { writeDeck, type Slide } from '../slides/build.ts';

/** Debian's Chromium from PATH, or undefined. */
function findChromium(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v chromium'], {
        encoding: 'utf8',
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

const chromiumPath = findChromium();
const inCi =
  Boolean(process.env.CI) &&
  process.env.CI !== 'false' &&
  process.env.CI !== '0';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** The window sizes a deck meets, and the smallest code size each must show (CSS pixels). */
const WINDOWS = [
  { width: 1024, height: 768, codeFloor: 20 },
  { width: 1280, height: 720, codeFloor: 24 },
  { width: 1920, height: 1080, codeFloor: 24 },
];

if (!chromiumPath && !inCi) {
  console.warn(
    'slides-browser: skipped, no `chromium` on PATH (apt-get install chromium to run it; CI always does)',
  );
}

describe.runIf(!chromiumPath && inCi)('the slide deck in CI', () => {
  it('has Chromium to test in (.ci/run installs it with apt)', () => {
    expect(
      chromiumPath,
      'CI is set but `chromium` is not on PATH: the browser test must not skip in CI',
    ).toBeDefined();
  });
});

/** The colours a PDF's pages fill with, as Chromium writes them (`.1176 .1412 .1882`). */
function pdfFillColours(pdf: Buffer): Set<string> {
  const text = pdf.toString('latin1');
  const colours = new Set<string>();
  for (const match of text.matchAll(/stream\r?\n/g)) {
    const start = match.index + match[0].length;
    let content = '';
    try {
      content = inflateSync(
        pdf.subarray(start, text.indexOf('endstream', start)),
      ).toString('latin1');
    } catch {
      continue; // not a compressed page stream (an image, a font)
    }
    for (const fill of content.matchAll(/([\d.]+ [\d.]+ [\d.]+) rg/g))
      colours.add(fill[1] ?? '');
  }
  return colours;
}

/** `#1e2430` → `.1176 .1412 .1882`, the way pdfFillColours reports it. */
function pdfColour(hex: string): string {
  return [1, 3, 5]
    .map((at) =>
      String(
        Math.round(
          (Number.parseInt(hex.slice(at, at + 2), 16) / 255) * 10_000,
        ) / 10_000,
      ).replace(/^0\./, '.'),
    )
    .join(' ');
}

/** What one slide's code looks like in the window, measured in the page. */
interface CodeReport {
  slide: number;
  source: string;
  /** The rendered font size, in CSS pixels of the window. */
  size: number;
  wrapped: string[];
  overflow: boolean;
  lines: number;
}

// Skips without Chromium, outside CI only: see the header and the failing test above.
describe.skipIf(!chromiumPath)('the slide deck in a browser', () => {
  let context: BrowserContext;
  let deckUrl = '';
  /** The deck and the browser profile: made here, not with tempDir(), which is emptied after every test. */
  let dir = '';
  let slides: Slide[] = [];
  /**
   * One page of the deck for most tests (a page load costs seconds on a busy 2-core
   * machine). It opens with `?viewDistance=999` (reveal.js reads its settings from the
   * query too): every slide is laid out at once, so deck.js fits all of them at load and
   * the code test measures them all without navigating.
   */
  let deck: Page;
  const problems: string[] = [];

  /** Every page reports console errors and warnings, page errors and outside requests. */
  function watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) =>
      problems.push(`page error: ${error.message}`),
    );
    page.on('request', (request) => {
      if (!/^(file|data|about):/.test(request.url())) {
        problems.push(`request: ${request.url()}`);
      }
    });
  }

  /** Opens the deck and waits for reveal.js (and deck.js) to be ready. */
  async function openDeck(query = '', hash = ''): Promise<Page> {
    const page = await context.newPage();
    watch(page);
    await page.goto(`${deckUrl}${query}${hash}`);
    await page.waitForFunction(
      () => document.documentElement.dataset.deckReady === 'true',
    );
    // Fragments fade in over 0.2 s; a test reads the end state at once.
    await page.addStyleTag({ content: '* { transition: none !important; }' });
    return page;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-slides-'));
    const out = join(dir, 'index.html');
    slides = writeDeck(out).slides;
    deckUrl = pathToFileURL(out).href;
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 720 },
    });
    deck = await openDeck('?viewDistance=999');
  });

  beforeEach(() => {
    problems.length = 0;
  });

  afterAll(async () => {
    try {
      expect(
        problems,
        'console errors or outside requests since the last test',
      ).toEqual([]);
    } finally {
      // Chromium must not outlive this file: the worker goes on to other files.
      await context?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows every code block at a readable size, no line wrapped, at 1024×768, 1280×720 and 1920×1080', async () => {
    const page = deck;
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const size of WINDOWS) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.evaluate(() => window.Reveal.layout());
      const reports = await page.evaluate((): CodeReport[] => {
        const reveal = window.Reveal;
        return reveal.getSlides().flatMap((slide, index) => {
          const blocks = [
            ...slide.querySelectorAll<HTMLElement>('figure.code pre'),
          ];
          if (blocks.length === 0) return [];
          const pre = blocks[0] as HTMLElement;
          const style = getComputedStyle(pre);
          const lineHeight = Number.parseFloat(style.lineHeight);
          const wrapped = [
            ...slide.querySelectorAll<HTMLElement>(
              'figure.code code:first-child .line',
            ),
          ]
            .filter((line) => line.offsetHeight > lineHeight * 1.5)
            .map((line) => line.textContent ?? '');
          return [
            {
              slide: index + 1,
              source: slide.dataset.source ?? '',
              size: Number.parseFloat(style.fontSize) * reveal.getScale(),
              wrapped,
              overflow: slide.hasAttribute('data-overflow'),
              lines: slide.querySelectorAll(
                'figure.code code:first-child .line',
              ).length,
            },
          ];
        });
      });
      const where = `${size.width}×${size.height}`;
      expect(reports.length, 'the deck has code slides').toBeGreaterThan(20);
      const small = reports.filter(
        (report) => report.size < size.codeFloor - 0.01,
      );
      expect(
        small.map((report) => `${report.source}: ${report.size.toFixed(1)} px`),
        `code below ${size.codeFloor} px at ${where}: shorten these regions or split the slides`,
      ).toEqual([]);
      expect(
        reports.flatMap((report) =>
          report.wrapped.map(
            (line) => `${report.source}: ${JSON.stringify(line)}`,
          ),
        ),
        `wrapped code lines at ${where}: quote a shorter region (-name leaves a nested region out)`,
      ).toEqual([]);
      expect(
        reports
          .filter((report) => report.overflow)
          .map((report) => report.source),
        `slides whose content does not fit at ${where}`,
      ).toEqual([]);
      if (size.width === 1024) {
        // The three longest quotes, for a human to look at.
        const longest = [...reports]
          .sort((a, b) => b.lines - a.lines)
          .slice(0, 3);
        for (const report of longest) {
          await page.evaluate((index) => {
            window.Reveal.slide(index, 0, Number.MAX_SAFE_INTEGER);
          }, report.slide - 1);
          const file = join(
            ARTIFACTS,
            `slides-code-${String(report.slide).padStart(3, '0')}-1024x768.png`,
          );
          await page.screenshot({ path: file });
          expect(statSync(file).size).toBeGreaterThan(10_000);
        }
      }
    }
    // No slide overflows either, code or not.
    const overflowing = await page.evaluate(() =>
      window.Reveal.getSlides()
        .filter((slide) => slide.hasAttribute('data-overflow'))
        .map((slide) => slide.dataset.source),
    );
    expect(overflowing, 'split these slides').toEqual([]);
    await page.setViewportSize({ width: 1280, height: 720 });
    expect(problems).toEqual([]);
  });

  it('every #pause hides something until its step, and the code steps move the highlight', async () => {
    const page = deck;
    const failures = await page.evaluate(() => {
      const reveal = window.Reveal;
      // Back to reveal.js's default: only the slides near the current one are laid out.
      reveal.configure({ viewDistance: 3 });
      const found: string[] = [];
      const shown = (element: Element) =>
        getComputedStyle(element).visibility === 'visible' &&
        Number(getComputedStyle(element).opacity) > 0;
      reveal.getSlides().forEach((slide, index) => {
        const fragments = [...slide.querySelectorAll<HTMLElement>('.fragment')];
        if (fragments.length === 0) return;
        reveal.slide(index, 0, -1);
        fragments.forEach((fragment, step) => {
          const where = `${slide.dataset.source} step ${step + 1}`;
          const box = fragment.getBoundingClientRect();
          const hasContent =
            (fragment.textContent ?? '').trim() !== '' ||
            fragment.querySelector('img') !== null;
          if (!hasContent || box.height === 0)
            found.push(`${where}: the pause hides nothing`);
          if (shown(fragment)) found.push(`${where}: shown before its step`);
          reveal.nextFragment();
          if (!shown(fragment))
            found.push(`${where}: still hidden after its step`);
          if (
            fragment.classList.contains('code-step') &&
            !fragment.querySelector('.line.highlight')
          ) {
            found.push(`${where}: a code step that highlights nothing`);
          }
        });
      });
      return found;
    });
    expect(failures).toEqual([]);
    // The deck does have pauses and code steps to check.
    const counts = await page.evaluate(() => ({
      pauses: document.querySelectorAll('.fragment.pause').length,
      codeSteps: document.querySelectorAll('.fragment.code-step').length,
    }));
    expect(counts.pauses).toBeGreaterThan(10);
    expect(counts.codeSteps).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('presents with the keyboard: next, overview, blank screen, help, search, and the hash follows', async () => {
    const page = deck;
    // An exercise slide's countdown starts when its slide is first shown.
    const exercise = slides.findIndex((slide) =>
      slide.title.startsWith('Exercise'),
    );
    await page.evaluate((index) => window.Reveal.slide(index), exercise);
    const countdownBefore = await page
      .locator('.present .countdown')
      .textContent();
    expect(countdownBefore).toMatch(/^\d+:\d\d$/);
    const position = () =>
      page.evaluate(() => ({
        ...window.Reveal.getIndices(),
        hash: location.hash,
      }));
    await page.evaluate(() => window.Reveal.slide(1, 0, -1));
    // Slide 2 has one #pause: the first press shows it, the second moves on.
    await page.keyboard.press('ArrowRight');
    expect(await position()).toMatchObject({ h: 1, f: 0 });
    await page.keyboard.press('Space');
    expect(await position()).toMatchObject({ h: 2 });
    // reveal.js writes the hash at most once a second: wait for it.
    await page.waitForFunction(() => location.hash === '#/2');
    await page.keyboard.press('o');
    expect(await page.evaluate(() => window.Reveal.isOverview())).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => window.Reveal.isOverview())).toBe(false);
    await page.keyboard.press('b');
    expect(await page.evaluate(() => window.Reveal.isPaused())).toBe(true);
    await page.keyboard.press('b');
    await page.keyboard.press('Shift+Slash');
    expect(await page.locator('.r-overlay-help').count()).toBe(1);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+F');
    await page.keyboard.type('EAGAIN');
    await page.keyboard.press('Enter');
    const found = await page.evaluate(
      () => window.Reveal.getCurrentSlide().textContent ?? '',
    );
    expect(found).toContain('EAGAIN');
    // Ctrl+Shift+F again closes the search box and gives the keys back to the deck.
    await page.keyboard.press('Control+Shift+F');
    await page.evaluate(() =>
      (document.activeElement as HTMLElement | null)?.blur(),
    );
    // The countdown started at the top of this test has ticked meanwhile.
    await page.evaluate((index) => window.Reveal.slide(index), exercise);
    await page.waitForFunction(
      (text) =>
        document.querySelector('.present .countdown')?.textContent !== text,
      countdownBefore,
    );
    expect(problems).toEqual([]);
  });

  it('the speaker view (s) shows notes, the next slide, timer, clock and pacing, and the whole slide scaled', async () => {
    const withNotes = slides.findIndex(
      (slide, index) =>
        index > 0 && slide.notes !== '' && slides[index + 1] !== undefined,
    );
    // A page of its own: the speaker view loads the deck twice more, in iframes, with the
    // opener's query, and ?viewDistance=999 would lay out every slide in each.
    const page = await openDeck('', `#/${withNotes}`);
    const [speaker] = await Promise.all([
      context.waitForEvent('page'),
      page.keyboard.press('s'),
    ]);
    watch(speaker);
    await speaker.waitForFunction(() => {
      const notes = document.querySelector('.speaker-controls-notes .value');
      return notes !== null && (notes.textContent ?? '').trim() !== '';
    });
    const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();
    const expected = await page.evaluate(
      () =>
        window.Reveal.getCurrentSlide().querySelector('aside.notes')
          ?.textContent ?? '',
    );
    const notes = await speaker
      .locator('.speaker-controls-notes .value')
      .textContent();
    expect(normalize(notes ?? '')).toBe(normalize(expected));
    for (const selector of [
      '.speaker-controls-time .timer',
      '.speaker-controls-time .clock',
      '.speaker-controls-time .pacing',
    ]) {
      await speaker.locator(selector).waitFor({ state: 'visible' });
    }
    // The current slide, in its iframe, fits whole: reveal.js scaled it into the frame.
    const current = speaker.frameLocator('#current-slide iframe');
    await current.locator('.reveal.ready').waitFor();
    const fit = await current.locator('.reveal').evaluate(() => {
      const slidesBox = document
        .querySelector('.reveal .slides')!
        .getBoundingClientRect();
      return {
        scale: window.Reveal.getScale(),
        inside:
          slidesBox.left >= -1 &&
          slidesBox.top >= -1 &&
          slidesBox.right <= innerWidth + 1 &&
          slidesBox.bottom <= innerHeight + 1,
        width: slidesBox.width,
        indices: window.Reveal.getIndices().h,
      };
    });
    expect(
      fit.inside,
      `the slide box (${fit.width} px wide at scale ${fit.scale}) is cut off`,
    ).toBe(true);
    expect(fit.scale).toBeLessThan(1);
    expect(fit.indices).toBe(withNotes);
    const upcoming = speaker.frameLocator('#upcoming-slide iframe');
    await upcoming.locator('.reveal.ready').waitFor();
    // The main window drives the speaker view: the next slide's notes follow.
    await page.evaluate(() =>
      window.Reveal.slide(window.Reveal.getIndices().h + 1),
    );
    const nextNotes = normalize(
      await page.evaluate(
        () =>
          window.Reveal.getCurrentSlide().querySelector('aside.notes')
            ?.textContent ?? '',
      ),
    );
    await speaker.waitForFunction(
      (text) =>
        (
          document.querySelector('.speaker-controls-notes .value')
            ?.textContent ?? ''
        )
          .replace(/\s+/g, ' ')
          .trim() === text ||
        (text === '' &&
          document.querySelector(
            '.speaker-controls-notes .value .notes-placeholder',
          ) !== null) ||
        text === '',
      nextNotes,
    );
    await speaker.close();
    await page.close();
    expect(problems).toEqual([]);
  });

  it('prints: a real PDF, one page per slide and a notes page after each, with its pictures', async () => {
    // The handout (?print-pdf&showNotes=separate-page) is the slides' PDF with notes pages between.
    const page = await openDeck('?print-pdf&showNotes=separate-page');
    await page.waitForFunction(
      () => document.querySelectorAll('.pdf-page').length > 0,
    );
    const layout = await page.evaluate(() => ({
      pages: document.querySelectorAll('.pdf-page').length,
      notes: document.querySelectorAll('.speaker-notes-pdf').length,
      tooLong: [...document.querySelectorAll<HTMLElement>('.speaker-notes-pdf')]
        .filter((notes) => notes.offsetHeight > 720)
        .map((notes) => (notes.textContent ?? '').slice(0, 60)),
      images: [
        ...document.querySelectorAll<HTMLImageElement>('.pdf-page img'),
      ].map((image) => ({
        alt: image.alt,
        loaded: image.complete && image.naturalWidth > 0,
        shown: image.getBoundingClientRect().height > 100,
      })),
    }));
    expect(layout.pages).toBe(slides.length);
    expect(layout.notes).toBe(
      slides.filter((slide) => slide.notes !== '').length,
    );
    expect(layout.tooLong, 'notes longer than a page').toEqual([]);
    expect(
      layout.images.filter((image) => !image.loaded || !image.shown),
    ).toEqual([]);
    expect(layout.images.map((image) => image.alt)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^QR code/),
        expect.stringMatching(/Round trips per second/),
      ]),
    );
    // Backgrounds off, as in a browser's default print settings: print-color-adjust keeps them.
    const pdf = await page.pdf({
      width: '1280px',
      height: '720px',
      printBackground: false,
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pdfPages =
      pdf.toString('latin1').match(/\/Type\s*\/Page\b(?!s)/g)?.length ?? 0;
    expect(pdfPages).toBe(layout.pages + layout.notes);
    // The code's dark background is in the PDF, though background graphics were off.
    expect(
      pdfFillColours(pdf).has(pdfColour('#1e2430')),
      'code background in the PDF',
    ).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });
});

declare global {
  interface Window {
    Reveal: {
      layout(): void;
      slide(h: number, v?: number, f?: number): void;
      nextFragment(): boolean;
      getSlides(): HTMLElement[];
      getCurrentSlide(): HTMLElement;
      getIndices(): { h: number; v: number; f?: number };
      getScale(): number;
      isOverview(): boolean;
      isPaused(): boolean;
      configure(options: Record<string, unknown>): void;
    };
  }
}
