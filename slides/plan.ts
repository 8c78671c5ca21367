/**
 * The workshop plan, from the timing hints in the speaker notes.
 *
 * A slide's notes may start with one or more hints: `Note: [8 min] …`, or with a kind,
 * `Note: [7 min hands-on] [3 min slack] …`. A hint covers the stretch from its slide to
 * the next slide with a hint. Kinds: talk (the default), hands-on, break, lunch, slack.
 *
 * From the hints come: the plan `npm run slides:build` prints (clock times, minutes per
 * file, the share of hands-on time, breaks and slack), the agenda on the opening slide
 * (`#agenda`), and each slide's `data-timing`, which reveal.js's speaker view uses to say
 * whether the talk is ahead of or behind its plan.
 *
 * The deck is a half day (09:00–13:00 by default) and an optional afternoon: everything
 * before the `lunch` hint is the morning; the closing file (`99-…`) ends either.
 */
import { escapeHtml } from './code.ts';

export const HINT_KINDS = [
  'talk',
  'hands-on',
  'break',
  'lunch',
  'slack',
] as const;
export type HintKind = (typeof HINT_KINDS)[number];

export interface Hint {
  minutes: number;
  kind: HintKind;
}

/** What the plan needs to know of a slide. */
export interface TimedSlide {
  file: string;
  title: string;
  /** The title of the file's first title slide: the section name. */
  section?: string | undefined;
  hints: Hint[];
}

const HINT = /^\[(\d+(?:\.\d+)?) min(?: ([a-z-]+))?\][ \t]*/;

/** The hints at the start of a notes paragraph's text, and what follows them. */
export function parseHints(text: string): { hints: Hint[]; error?: string } {
  const hints: Hint[] = [];
  let rest = text;
  for (let match = HINT.exec(rest); match; match = HINT.exec(rest)) {
    const kind = (match[2] ?? 'talk') as HintKind;
    if (!HINT_KINDS.includes(kind))
      return {
        hints,
        error: `unknown kind "${match[2]}" in ${match[0].trim()}: use ${HINT_KINDS.join(', ')}`,
      };
    hints.push({ minutes: Number(match[1]), kind });
    rest = rest.slice(match[0].length);
  }
  return { hints };
}

export const slideMinutes = (slide: TimedSlide): number =>
  slide.hints.reduce((sum, hint) => sum + hint.minutes, 0);

/**
 * Seconds per slide for reveal.js's pacing: a hint's minutes are spread evenly over
 * the slides of its stretch (its slide and the following ones without a hint).
 */
export function slideTimings(slides: TimedSlide[]): number[] {
  const seconds = slides.map(() => 0);
  let start = 0;
  while (start < slides.length) {
    let end = start + 1;
    while (end < slides.length && slides[end]?.hints.length === 0) end++;
    const stretch = slideMinutes(slides[start] as TimedSlide) * 60;
    for (let index = start; index < end; index++)
      seconds[index] = Math.round(stretch / (end - start));
    start = end;
  }
  return seconds;
}

export interface AgendaRow {
  /** Minutes since the start. */
  at: number;
  minutes: number;
  what: string;
  kind: 'file' | 'break' | 'lunch';
  file?: string;
  handsOn: number;
}

/** The agenda: one row per file, cut by breaks and lunch, each with its start time. */
export function agendaRows(slides: TimedSlide[]): AgendaRow[] {
  const rows: AgendaRow[] = [];
  let clock = 0;
  /** The file row time is added to; a break ends it, and the file's next slide opens a new one. */
  let row: AgendaRow | undefined;
  for (const slide of slides) {
    for (const hint of slide.hints) {
      if (hint.kind === 'break' || hint.kind === 'lunch') {
        rows.push({
          at: clock,
          minutes: hint.minutes,
          what: hint.kind === 'break' ? 'Break' : 'Lunch',
          kind: hint.kind,
          handsOn: 0,
        });
        row = undefined;
      } else {
        if (!row || row.file !== slide.file) {
          row = {
            at: clock,
            minutes: 0,
            what: slide.section || slide.title || slide.file,
            kind: 'file',
            file: slide.file,
            handsOn: 0,
          };
          rows.push(row);
        }
        row.minutes += hint.minutes;
        if (hint.kind === 'hands-on') row.handsOn += hint.minutes;
      }
      clock += hint.minutes;
    }
  }
  return rows;
}

export interface SessionSummary {
  name: string;
  minutes: number;
  handsOn: number;
  breaks: number[];
  slack: number;
}

const isClosing = (slide: TimedSlide) => /(^|\/)99-[^/]*$/.test(slide.file);

/**
 * The half day: every slide before the `lunch` hint, then the closing file (`99-…`).
 * The afternoon: the lunch and what follows it, but the closing. Without a lunch
 * there is no afternoon.
 */
export function splitDay(slides: TimedSlide[]): {
  halfDay: TimedSlide[];
  afternoon: TimedSlide[];
} {
  const lunch = slides.findIndex((slide) =>
    slide.hints.some((hint) => hint.kind === 'lunch'),
  );
  if (lunch === -1) return { halfDay: slides, afternoon: [] };
  const afternoon = slides.slice(lunch).filter((slide) => !isClosing(slide));
  // A lunch with no lessons after it (yet) makes no afternoon.
  const hasLessons = afternoon.some((slide) =>
    slide.hints.some((hint) => hint.kind !== 'lunch'),
  );
  return {
    halfDay: [
      ...slides.slice(0, lunch),
      ...slides.slice(lunch).filter(isClosing),
    ],
    afternoon: hasLessons ? afternoon : [],
  };
}

export function summarize(name: string, slides: TimedSlide[]): SessionSummary {
  const summary: SessionSummary = {
    name,
    minutes: 0,
    handsOn: 0,
    breaks: [],
    slack: 0,
  };
  for (const hint of slides.flatMap((slide) => slide.hints)) {
    if (hint.kind === 'lunch') continue;
    summary.minutes += hint.minutes;
    if (hint.kind === 'hands-on') summary.handsOn += hint.minutes;
    if (hint.kind === 'slack') summary.slack += hint.minutes;
    if (hint.kind === 'break') summary.breaks.push(hint.minutes);
  }
  return summary;
}

/** Minutes from the start to the lunch: when the afternoon begins. */
export function lunchStart(slides: TimedSlide[]): number {
  const lunch = slides.findIndex((slide) =>
    slide.hints.some((hint) => hint.kind === 'lunch'),
  );
  return slides
    .slice(0, lunch === -1 ? slides.length : lunch)
    .reduce((sum, slide) => sum + slideMinutes(slide), 0);
}

/** The half day's summary, and the afternoon's if the deck has one. */
export function sessions(slides: TimedSlide[]): SessionSummary[] {
  const { halfDay, afternoon } = splitDay(slides);
  return afternoon.length > 0
    ? [summarize('half day', halfDay), summarize('afternoon', afternoon)]
    : [summarize('half day', halfDay)];
}

/** `09:00` + minutes → `10:25`. */
export function clockTime(start: string, minutes: number): string {
  const [hours, mins] = start.split(':').map(Number);
  const total = Math.round((hours ?? 0) * 60 + (mins ?? 0) + minutes);
  return `${String(Math.floor(total / 60) % 24).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

export function isClockTime(text: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(text);
}

const duration = (minutes: number) =>
  `${Math.floor(minutes / 60)} h ${String(Math.round(minutes % 60)).padStart(2, '0')} min`;
const percent = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 100) : 0;

export function describeSession(session: SessionSummary): string {
  const breaks =
    session.breaks.length === 0
      ? 'no break'
      : `${session.breaks.length} break${session.breaks.length > 1 ? 's' : ''} (${session.breaks.join(' + ')} min)`;
  return `${session.name}: ${session.minutes} min (${duration(session.minutes)}); hands-on ${session.handsOn} min (${percent(session.handsOn, session.minutes)}%), ${breaks}, slack ${session.slack} min (${percent(session.slack, session.minutes)}%)`;
}

function agendaLines(
  rows: AgendaRow[],
  start: string,
  offset: number,
  width: number,
): string[] {
  const lines = rows.map((row) => {
    const name =
      row.kind === 'file'
        ? (row.file ?? row.what)
        : `(${row.what.toLowerCase()})`;
    const handsOn = row.handsOn > 0 ? `  ${row.handsOn} hands-on` : '';
    return `  ${clockTime(start, offset + row.at)}  ${name.padEnd(width)}  ${String(row.minutes).padStart(3)} min${handsOn}`;
  });
  const total = rows.reduce((sum, row) => sum + row.minutes, 0);
  return [...lines, `  ${clockTime(start, offset + total)}  end`];
}

/**
 * The plan `npm run slides:build` prints: the half day with clock times, the afternoon
 * (if any) from the lunch on, then each part's shares of hands-on time, breaks and slack.
 */
export function planSummary(slides: TimedSlide[], start = '09:00'): string {
  const { halfDay, afternoon } = splitDay(slides);
  const morningRows = agendaRows(halfDay);
  const afternoonRows = agendaRows(afternoon);
  const all = [...morningRows, ...afternoonRows];
  const width = Math.max(
    ...all.map((row) =>
      row.kind === 'file' ? (row.file ?? '').length : row.what.length + 2,
    ),
    5,
  );
  const lines = ['half day:', ...agendaLines(morningRows, start, 0, width)];
  if (afternoonRows.length > 0) {
    lines.push(
      "full day: after the half day's last lesson, instead of the closing:",
      ...agendaLines(afternoonRows, start, lunchStart(slides), width),
    );
  }
  return [
    ...lines,
    ...sessions(slides).map((session) => `  ${describeSession(session)}`),
  ].join('\n');
}

/** The agenda of `#agenda`: the half day with clock times, and beside it the afternoon, if any. */
export function agendaHtml(slides: TimedSlide[], start: string): string {
  const table = (rows: AgendaRow[], offset: number, caption: string) => {
    const cells = rows.map((row) => {
      const handsOn =
        row.handsOn > 0
          ? ` <span class="hands-on">${row.handsOn} min hands-on</span>`
          : '';
      // The opening's title is the course's name; on the agenda it is what happens in it.
      const name = /(^|\/)00-[^/]*$/.test(row.file ?? '')
        ? 'Welcome and setup'
        : row.what;
      const what =
        row.kind === 'file'
          ? escapeHtml(name)
          : `<strong>${escapeHtml(name)}</strong>`;
      return `<tr class="agenda-${row.kind}"><td>${clockTime(start, offset + row.at)}</td><td>${what}${handsOn}</td></tr>`;
    });
    const end = rows.reduce((sum, row) => sum + row.minutes, offset);
    cells.push(
      `<tr class="agenda-end"><td>${clockTime(start, end)}</td><td>end</td></tr>`,
    );
    return `<table><caption>${escapeHtml(caption)}</caption><tbody>${cells.join('')}</tbody></table>`;
  };
  const { halfDay, afternoon } = splitDay(slides);
  const half = table(agendaRows(halfDay), 0, 'half day');
  if (afternoon.length === 0) return `<div class="agenda">${half}</div>\n`;
  return `<div class="agenda">${half}${table(agendaRows(afternoon), lunchStart(slides), 'full day: the afternoon')}</div>\n`;
}
