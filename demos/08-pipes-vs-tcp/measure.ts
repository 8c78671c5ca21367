/**
 * Lesson 08 · the client's ping-pong loop and its statistics.
 *
 * The loop lives in one 'data' handler: each pong that arrives sends the next
 * ping from right there, with no promise, timer or await per message. Latency is
 * the time from writing a ping to reading its pong (process.hrtime.bigint()).
 */
import { errorMessage } from '../common/cli.ts';
import { TextLineSplitter } from './text-lines.ts';
import type { Connection } from './connect.ts';

export interface Run {
  request: string;
  count: number;
  /** 1 = strict ping-pong; N = keep N pings outstanding (pipelining). */
  inFlight: number;
  /** Write each ping in two parts (to show Nagle's algorithm at work). */
  split: boolean;
}

export interface Result {
  count: number;
  nanoseconds: number;
  /** Round-trip time of every ping, in nanoseconds, in order. */
  latencies: Float64Array;
  firstReply: string;
}

// #region loop
export function measure(
  { input, output }: Connection,
  run: Run,
): Promise<Result> {
  const expected =
    run.request === 'ping\n'
      ? 'pong'
      : `pong${run.request.slice('ping'.length, -1)}`;
  const splitter = new TextLineSplitter(2 * run.request.length + 64);
  const latencies = new Float64Array(run.count);
  const sentAt = new Array<bigint>(run.inFlight); // a ring: ping i was written at sentAt[i % inFlight]
  let sent = 0;
  let answered = 0;
  let firstReply = '';

  const sendPings = (howMany: number): void => {
    const now = process.hrtime.bigint();
    for (let i = 0; i < howMany; i++) sentAt[(sent + i) % run.inFlight] = now;
    sent += howMany;
    if (run.split) {
      for (let i = 0; i < howMany; i++) {
        output.write(run.request.slice(0, 2)); // "pi" now, "ng...\n" right after: two write()s
        output.write(run.request.slice(2));
      }
    } else {
      output.write(howMany === 1 ? run.request : run.request.repeat(howMany)); // one write() for the lot
    }
  };

  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const onData = (chunk: Buffer): void => {
      const now = process.hrtime.bigint();
      let replies: string[];
      try {
        replies = splitter.push(chunk);
      } catch (error) {
        return finish(new Error(`the server sent a ${errorMessage(error)}`)); // not a pong
      }
      for (const reply of replies) {
        if (reply !== expected)
          return finish(
            new Error(
              `expected a pong, the server said ${JSON.stringify(reply.slice(0, 80))}`,
            ),
          );
        if (answered === 0) firstReply = reply;
        latencies[answered] = Number(
          now - (sentAt[answered % run.inFlight] ?? now),
        );
        answered++;
      }
      if (answered === run.count) return finish();
      const more = Math.min(replies.length, run.count - sent); // one new ping per pong
      if (more > 0) sendPings(more);
    };
    const onClose = (): void =>
      finish(
        new Error(
          `the server went away after ${answered} of ${run.count} pongs`,
        ),
      );
    const onError = (error: Error): void =>
      finish(
        new Error(`connection lost after ${answered} pongs: ${error.message}`),
      );
    const finish = (error?: Error): void => {
      input.off('data', onData).off('close', onClose).off('error', onError);
      output.off('error', onError);
      input.pause();
      if (error) reject(error);
      else
        resolve({
          count: run.count,
          nanoseconds: Number(process.hrtime.bigint() - started),
          latencies,
          firstReply,
        });
    };
    input.on('data', onData).on('close', onClose).on('error', onError);
    input.resume(); // a previous run (the warm-up) paused it
    output.on('error', onError);
    sendPings(Math.min(run.inFlight, run.count));
  });
}
// #endregion loop

export interface Summary {
  transport: string;
  size: number;
  inFlight: number;
  noDelay: boolean;
  split: boolean;
  count: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function summarize(
  result: Result,
  setup: Omit<Summary, 'count' | 'seconds' | 'perSecond' | 'p50Ms' | 'p99Ms'>,
): Summary {
  const sorted = Float64Array.from(result.latencies).sort();
  const percentile = (p: number): number =>
    (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) /
    1e6;
  const seconds = result.nanoseconds / 1e9;
  return {
    ...setup,
    count: result.count,
    seconds,
    perSecond: result.count / seconds,
    p50Ms: percentile(0.5),
    p99Ms: percentile(0.99),
  };
}
