/**
 * What a lesson's `demos/NN-name/tour.ts` may say about how `npm start` drives it.
 * Without a tour script the tour starts `server.ts --socket <tmp>/NN.sock`, waits for
 * `listening on`, runs `client.ts --socket <same path>`, expects exit code 0, then
 * stops the server with SIGTERM and expects exit code 0 too.
 *
 *   export default { runs: [{ headline: '…', steps: [...] }] } satisfies TourScript;
 *
 * Strings in `args` may hold `{socket}` (a fresh socket path), `{dir}` (a fresh temp
 * folder) and `{address}` (what the server printed after `listening on`).
 */

/** One server and the scripts run against it. */
export interface TourRun {
  /** Shown before the run; defaults to the lesson text's title. */
  headline?: string;
  /** `label` names its output lines (default `server`). */
  server?: { script?: string; args?: string[]; label?: string };
  steps?: TourStep[];
  /** Patterns the server must print before it is stopped. */
  serverExpect?: string[];
  /**
   * An outside program the run needs (lesson 11: `nats-server`). When it is not
   * installed, the tour skips the run with one line saying how to install it.
   */
  requires?: { command: string; install: string };
}

export interface TourStep {
  script: string;
  /** Names its output lines; defaults to the script's name without `.ts`. */
  label?: string;
  args?: string[];
  /** Patterns its output must contain. */
  expect?: string[];
  /** Wait for this server line before starting the step. */
  waitForServer?: string;
  /** Start it and go on; it must still exit as expected before the run ends. */
  background?: boolean;
  /** Wait for this line from a background step before going on to the next step. */
  waitForLine?: string;
  /** Stop a background step with this signal once the others are done. */
  stopWith?: NodeJS.Signals;
  exitCode?: number;
}

export interface TourScript {
  runs: TourRun[];
}
