// @ts-check
/**
 * What the deck adds to reveal.js, inlined into slides/dist/index.html after reveal.js
 * and its plugins by slides/build.ts. reveal.js does the presenting (keys, overview,
 * fragments, speaker view, search, print); this file only:
 *   1. starts reveal.js with the deck's settings,
 *   2. fits each slide's code to the room left on the slide (never below CODE_FLOOR),
 *   3. runs the exercise countdowns.
 */
/* global Reveal, RevealNotes, RevealSearch */
(() => {
  /** Slide pixels; reveal.js scales the 1280×720 slide to the window. */
  const WIDTH = 1280;
  const HEIGHT = 720;
  /**
   * The smallest code size, in slide pixels: 25 px is 20 px on a 1024×768 projector
   * (scale 0.8) and 25 px at 1280×720. CODE_LARGEST is where fitting starts.
   */
  const CODE_FLOOR = 25;
  const CODE_LARGEST = 34;

  // @ts-ignore: reveal.js and its plugins are globals of the scripts before this one.
  const reveal = Reveal;
  reveal.initialize({
    width: WIDTH,
    height: HEIGHT,
    margin: 0,
    center: false,
    hash: true,
    respondToHashChanges: true,
    slideNumber: 'c/t',
    showSlideNumber: 'all',
    transition: 'none',
    backgroundTransition: 'none',
    mouseWheel: true,
    // Each slide has its data-timing (build.ts, from the [N min] hints): the speaker view's pacing.
    defaultTiming: 0,
    // One page per slide with every step shown; ?print-pdf&showNotes=separate-page adds notes pages.
    pdfMaxPagesPerSlide: 1,
    pdfSeparateFragments: false,
    // @ts-ignore: plugin globals.
    plugins: [RevealNotes, RevealSearch],
  });

  // ---- 2. code as large as the slide allows ---------------------------------------------

  /**
   * Sets one font size for every code block on `slide`: the largest, from CODE_LARGEST
   * down, at which no code line wraps and the slide's body fits its frame. If even the
   * floor does not fit, the slide's title gets small (`compact`) and the fitting runs
   * again; a slide that still does not fit keeps the floor and is marked `data-overflow`
   * (test/slides-browser.test.ts fails on it).
   * @param {HTMLElement} slide
   */
  function fitCode(slide) {
    const body = /** @type {HTMLElement | null} */ (
      slide.querySelector('.body')
    );
    if (!body) return;
    const blocks = /** @type {HTMLElement[]} */ ([
      ...slide.querySelectorAll('figure.code pre'),
    ]);
    const fits = () =>
      body.scrollHeight <= body.clientHeight + 1 &&
      blocks.every((pre) => !hasWrappedLine(pre));
    /** @param {number} size */
    const setSize = (size) => {
      for (const pre of blocks) pre.style.fontSize = `${size}px`;
    };
    /** Binary search: the largest size in [CODE_FLOOR, CODE_LARGEST] that fits, or the floor. */
    const largestThatFits = () => {
      let low = CODE_FLOOR;
      let high = CODE_LARGEST;
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        setSize(middle);
        if (fits()) low = middle;
        else high = middle - 1;
      }
      setSize(low);
      return low;
    };
    slide.classList.remove('compact');
    let size = largestThatFits();
    if (!fits() && blocks.length > 0) {
      slide.classList.add('compact');
      size = largestThatFits();
    }
    slide.dataset.codeSize = blocks.length > 0 ? String(size) : '';
    slide.toggleAttribute('data-overflow', !fits());
  }

  /**
   * A wrapped line is taller than one line of text.
   * @param {HTMLElement} pre
   */
  function hasWrappedLine(pre) {
    const code = pre.querySelector('code');
    const lines = code ? /** @type {HTMLElement[]} */ ([...code.children]) : [];
    const lineHeight = Number.parseFloat(getComputedStyle(pre).lineHeight);
    return lines.some((line) => line.offsetHeight > lineHeight * 1.5);
  }

  /**
   * Fits each slide once, when it is first laid out (the current one, its neighbours, all of
   * them in print or overview). Sizes are in slide pixels, so another window size needs no refit.
   */
  function fitVisibleSlides() {
    for (const slide of /** @type {HTMLElement[]} */ (reveal.getSlides())) {
      const laidOut = slide.offsetParent !== null || reveal.isPrintView();
      if (laidOut && !slide.dataset.codeFitted) {
        fitCode(slide);
        slide.dataset.codeFitted = 'true';
      }
    }
  }

  // ---- 3. exercise countdowns ------------------------------------------------------------

  /**
   * A countdown's state: while it runs, the wall-clock time it ends at (so a window the
   * browser throttles still shows the right time); while paused, the milliseconds left.
   * @typedef {{endsAt: number | undefined, left: number}} Countdown
   * @type {WeakMap<HTMLElement, Countdown>}
   */
  const countdowns = new WeakMap();

  /** @param {HTMLElement} element */
  const fullTime = (element) => Number(element.dataset.seconds) * 1000;

  /** @param {Countdown} state */
  const timeLeft = (state) =>
    state.endsAt === undefined
      ? state.left
      : Math.max(0, state.endsAt - Date.now());

  /** @param {HTMLElement} element @param {Countdown} state */
  function show(element, state) {
    const seconds = Math.ceil(timeLeft(state) / 1000);
    element.textContent =
      seconds > 0
        ? `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
        : "time's up";
    element.classList.toggle('paused', state.endsAt === undefined);
    element.classList.toggle('done', seconds === 0);
  }

  /** Starts the countdowns on the current slide, the first time it is shown. */
  function startCountdowns() {
    if (reveal.isPrintView() || reveal.isSpeakerNotes()) return;
    const slide = reveal.getCurrentSlide();
    for (const element of /** @type {HTMLElement[]} */ ([
      ...(slide?.querySelectorAll('.countdown') ?? []),
    ])) {
      if (countdowns.has(element)) continue;
      countdowns.set(element, {
        endsAt: Date.now() + fullTime(element),
        left: 0,
      });
    }
  }

  setInterval(() => {
    for (const element of /** @type {HTMLElement[]} */ ([
      ...document.querySelectorAll('.countdown'),
    ])) {
      const state = countdowns.get(element);
      if (state) show(element, state);
    }
  }, 250);

  /** @param {Event} event */
  const countdownClicked = (event) =>
    /** @type {HTMLElement | null} */ (
      event.target instanceof HTMLElement
        ? event.target.closest('.countdown')
        : null
    );

  // A click pauses or resumes; a double-click starts over.
  document.addEventListener('click', (event) => {
    const element = countdownClicked(event);
    if (!element) return;
    const state = countdowns.get(element) ?? {
      endsAt: undefined,
      left: fullTime(element),
    };
    countdowns.set(
      element,
      state.endsAt === undefined
        ? { endsAt: Date.now() + state.left, left: 0 }
        : { endsAt: undefined, left: timeLeft(state) },
    );
  });
  document.addEventListener('dblclick', (event) => {
    const element = countdownClicked(event);
    if (element) {
      countdowns.set(element, {
        endsAt: Date.now() + fullTime(element),
        left: 0,
      });
    }
  });

  reveal.on('ready', () => {
    fitVisibleSlides();
    startCountdowns();
    document.documentElement.dataset.deckReady = 'true';
  });
  reveal.on('slidechanged', () => {
    fitVisibleSlides();
    startCountdowns();
  });
  reveal.on('overviewshown', fitVisibleSlides);
  reveal.on('pdf-ready', fitVisibleSlides);
})();
