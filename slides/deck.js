// @ts-check
/**
 * The deck's runtime, inlined into slides/dist/index.html by slides/build.ts.
 * Plain browser JavaScript (checked with `// @ts-check` by editors; see slides/README.md).
 *
 * Three modes, chosen by the query string:
 *   (none)       the audience view: one 16:9 slide scaled to the window
 *   ?presenter   current and next slide, notes, elapsed and planned time
 *   ?print       every slide with every step shown, one per page, for Print to PDF
 * Windows of the same deck follow each other through a BroadcastChannel.
 */
(() => {
  const WIDTH = 1600;
  const HEIGHT = 900;
  const deck = /** @type {HTMLElement} */ (document.getElementById('deck'));
  const slides = /** @type {HTMLElement[]} */ ([
    ...deck.querySelectorAll(':scope > section.slide'),
  ]);
  const params = new URLSearchParams(location.search);
  const mode = params.has('print')
    ? 'print'
    : params.has('presenter')
      ? 'presenter'
      : 'audience';
  document.body.classList.add(`mode-${mode}`);

  if (mode === 'print') {
    // Print layout is pure CSS (theme.css): every slide is a page, every step visible.
    return;
  }

  /** @param {number} index */
  const stepCount = (index) =>
    slides[index]?.querySelectorAll(':scope > .slide-body > .step').length || 1;
  let current = { slide: 0, step: 0 };

  /** `#12` or `#12.2` (slide 12, after its second pause) → a position in range. */
  function positionFromHash() {
    const match = /^#(\d+)(?:\.(\d+))?$/.exec(location.hash);
    if (!match) return { slide: 0, step: 0 };
    const slide = Math.min(
      Math.max(Number(match[1]) - 1, 0),
      slides.length - 1,
    );
    const step = Math.min(Number(match[2] ?? 0), stepCount(slide) - 1);
    return { slide, step };
  }

  /** @param {{slide: number, step: number}} position */
  const hashOf = (position) =>
    `#${position.slide + 1}${position.step > 0 ? `.${position.step}` : ''}`;

  // ---- the audience view and the presenter view share one "show" -------------------

  const counter = document.createElement('div');
  counter.className = 'counter';
  counter.setAttribute('aria-live', 'polite');
  const progress = document.createElement('div');
  progress.className = 'progress';
  const jumpBox = document.createElement('div');
  jumpBox.className = 'jump';
  document.body.append(progress, counter, jumpBox);

  /** Shows step `step` of slide `slide` in `frame`'s copy, or in the deck itself. */
  /** @param {HTMLElement} slide @param {number} step */
  function revealSteps(slide, step) {
    slide
      .querySelectorAll(':scope > .slide-body > .step')
      .forEach((element, index) => {
        element.classList.toggle('future', index > step);
      });
  }

  const channel =
    'BroadcastChannel' in window
      ? new BroadcastChannel('ping-pong-slides')
      : undefined;

  /**
   * Moves to a position; `tell` says whether other windows should follow (not when
   * the move came from them, or the windows would echo each other forever).
   * @param {{slide: number, step: number}} position @param {boolean} tell
   */
  function show(position, tell) {
    const slide = Math.min(Math.max(position.slide, 0), slides.length - 1);
    const step = Math.min(Math.max(position.step, 0), stepCount(slide) - 1);
    current = { slide, step };
    slides.forEach((element, index) =>
      element.classList.toggle('current', index === slide),
    );
    const element = slides[slide];
    if (element) revealSteps(element, step);
    counter.textContent = `${slide + 1} / ${slides.length}`;
    progress.style.width = `${((slide + 1) / slides.length) * 100}%`;
    document.body.dataset.slide = String(slide + 1);
    document.body.dataset.step = String(step);
    if (location.hash !== hashOf(current))
      history.replaceState(null, '', hashOf(current));
    if (mode === 'presenter') renderPresenter();
    if (tell) channel?.postMessage({ type: 'goto', slide, step });
  }

  function next() {
    if (current.step + 1 < stepCount(current.slide))
      show({ slide: current.slide, step: current.step + 1 }, true);
    else if (current.slide + 1 < slides.length)
      show({ slide: current.slide + 1, step: 0 }, true);
  }

  function previous() {
    if (current.step > 0)
      show({ slide: current.slide, step: current.step - 1 }, true);
    else if (current.slide > 0)
      show(
        { slide: current.slide - 1, step: stepCount(current.slide - 1) - 1 },
        true,
      );
  }

  // ---- keyboard -----------------------------------------------------------------------

  let typed = '';
  /** @param {string} text */
  function setTyped(text) {
    typed = text;
    jumpBox.textContent = typed ? `go to ${typed}…` : '';
    jumpBox.classList.toggle('visible', typed !== '');
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void document.documentElement.requestFullscreen().catch(() => {});
  }

  function openPresenter() {
    const url = new URL(location.href);
    url.search = '?presenter';
    url.hash = hashOf(current);
    window.open(url.href, 'ping-pong-presenter', 'popup,width=1280,height=800');
  }

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (/^[0-9]$/.test(key)) setTyped(typed + key);
    else if (key === 'Enter' && typed) {
      show({ slide: Number(typed) - 1, step: 0 }, true);
      setTyped('');
    } else if (key === 'Escape' || key === 'Backspace')
      setTyped(typed.slice(0, key === 'Escape' ? 0 : -1));
    else if (
      key === 'ArrowRight' ||
      key === 'PageDown' ||
      key === 'ArrowDown' ||
      (key === ' ' && !event.shiftKey)
    )
      next();
    else if (
      key === 'ArrowLeft' ||
      key === 'PageUp' ||
      key === 'ArrowUp' ||
      (key === ' ' && event.shiftKey)
    )
      previous();
    else if (key === 'Home') show({ slide: 0, step: 0 }, true);
    else if (key === 'End')
      show(
        { slide: slides.length - 1, step: stepCount(slides.length - 1) - 1 },
        true,
      );
    else if (key === 'f') toggleFullscreen();
    else if (key === 'p' && mode === 'audience') openPresenter();
    else if (key === 'r' && mode === 'presenter') restartClock();
    else return;
    if (!/^[0-9]$/.test(key) && key !== 'Backspace') setTyped('');
    event.preventDefault();
  });

  window.addEventListener('hashchange', () => show(positionFromHash(), true));

  channel?.addEventListener('message', (event) => {
    const message = event.data;
    if (message?.type === 'goto')
      show({ slide: Number(message.slide), step: Number(message.step) }, false);
    // A presenter window that just opened asks where we are.
    if (message?.type === 'where' && mode === 'audience')
      channel.postMessage({ type: 'goto', ...current });
  });

  // ---- scaling: the slide is always 1600×900, scaled to fit its box ----------------------

  /** @param {HTMLElement} element @param {number} width @param {number} height */
  function fit(element, width, height) {
    const scale = Math.min(width / WIDTH, height / HEIGHT);
    element.style.transform = `translate(${(width - WIDTH * scale) / 2}px, ${(height - HEIGHT * scale) / 2}px) scale(${scale})`;
  }

  // ---- the presenter view ----------------------------------------------------------------

  /** @type {{current: HTMLElement, next: HTMLElement, notes: HTMLElement, clock: HTMLElement, plan: HTMLElement, position: HTMLElement} | undefined} */
  let presenter;
  let startedAt = Date.now();
  const plannedTotal = Number(deck.dataset.plannedTotal ?? 0);

  function restartClock() {
    startedAt = Date.now();
    tick();
  }

  /** @param {number} minutes */
  const clockText = (minutes) =>
    `${Math.floor(minutes / 60)}:${String(Math.floor(minutes % 60)).padStart(2, '0')}`;

  function tick() {
    if (!presenter) return;
    const elapsedSeconds = Math.floor((Date.now() - startedAt) / 1000);
    const minutes = Math.floor(elapsedSeconds / 60);
    presenter.clock.textContent = `${String(minutes).padStart(2, '0')}:${String(elapsedSeconds % 60).padStart(2, '0')}`;
    const slide = slides[current.slide];
    const planned = Number(slide?.dataset.plannedStart ?? 0);
    const drift = Math.round(elapsedSeconds / 60 - planned);
    const verdict =
      plannedTotal === 0
        ? ''
        : drift > 0
          ? ` · ${drift} min behind`
          : drift < 0
            ? ` · ${-drift} min ahead`
            : ' · on time';
    presenter.plan.textContent =
      plannedTotal === 0
        ? ''
        : `plan: this slide at ${clockText(planned)} of ${clockText(plannedTotal)}${verdict}`;
  }

  /** A frame showing a copy of slide `index` at step `step`. @param {HTMLElement} frame @param {number} index @param {number} step */
  function fillFrame(frame, index, step) {
    const source = slides[index];
    frame.replaceChildren();
    if (!source) {
      frame.classList.add('end');
      return;
    }
    frame.classList.remove('end');
    const copy = /** @type {HTMLElement} */ (source.cloneNode(true));
    copy.removeAttribute('id');
    copy.classList.add('current');
    revealSteps(copy, step);
    frame.append(copy);
    fit(copy, frame.clientWidth, frame.clientHeight);
  }

  function renderPresenter() {
    if (!presenter) return;
    const { slide, step } = current;
    fillFrame(presenter.current, slide, step);
    const upcoming =
      step + 1 < stepCount(slide)
        ? { slide, step: step + 1 }
        : { slide: slide + 1, step: 0 };
    fillFrame(presenter.next, upcoming.slide, upcoming.step);
    const notes = slides[slide]?.querySelector(':scope > .notes');
    presenter.notes.innerHTML =
      notes?.innerHTML || '<p class="empty">No notes for this slide.</p>';
    const source = slides[slide]?.dataset.source ?? '';
    presenter.position.textContent = `slide ${slide + 1} / ${slides.length} · step ${step + 1} / ${stepCount(slide)} · ${source}`;
    tick();
  }

  function buildPresenter() {
    const layout = document.createElement('div');
    layout.className = 'presenter';
    layout.innerHTML = `
      <header><span class="clock" title="elapsed; click or press r to restart">00:00</span><span class="plan"></span><span class="position"></span></header>
      <div class="frame current-frame" aria-label="current slide"></div>
      <div class="side">
        <div class="label">next</div>
        <div class="frame next-frame" aria-label="next slide"></div>
        <div class="label">notes</div>
        <div class="speaker-notes"></div>
      </div>`;
    document.body.append(layout);
    /** @param {string} selector */
    const part = (selector) =>
      /** @type {HTMLElement} */ (layout.querySelector(selector));
    presenter = {
      current: part('.current-frame'),
      next: part('.next-frame'),
      notes: part('.speaker-notes'),
      clock: part('.clock'),
      plan: part('.plan'),
      position: part('.position'),
    };
    presenter.clock.addEventListener('click', restartClock);
    setInterval(tick, 1000);
  }

  function layoutAudience() {
    for (const slide of slides)
      fit(slide, window.innerWidth, window.innerHeight);
  }

  if (mode === 'presenter') {
    buildPresenter();
    window.addEventListener('resize', renderPresenter);
  } else {
    window.addEventListener('resize', layoutAudience);
    layoutAudience();
  }
  show(positionFromHash(), false);
  if (mode === 'presenter') channel?.postMessage({ type: 'where' });
})();
