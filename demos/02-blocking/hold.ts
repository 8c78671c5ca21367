/**
 * A client that can hold the line. Taught in lesson 02: connect, (optionally) stay
 * connected and silent until told to leave, send one message, go. Holding the line
 * is how lesson 02 makes the blocking server stall on purpose, and how lesson 03
 * shows that its polling server does not.
 */
import { fail, type FlagSpec } from '../common/cli.ts';
import { connectOrExit } from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';

// #region hold
/** Resolves when the user says "go": a line on stdin, the end of stdin, or a signal. */
export function waitUntilToldToLeave(): Promise<string> {
  return new Promise((resolve) => {
    const done = (reason: string): void => {
      process.stdin.pause(); // stop reading stdin, or it would keep the process alive
      resolve(reason);
    };
    process.stdin.once('data', () => done('Enter pressed'));
    process.stdin.once('end', () => done('stdin closed'));
    // Leaving on a signal is on purpose, not a failure: send the message and exit 0.
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
}
// #endregion hold

/** The client's flags, for `parseCli`: lessons 02 and 03 differ only in the default socket. */
export function oneMessageFlags(lesson: string) {
  return {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath(lesson),
      description: 'socket file to connect to',
    },
    message: {
      type: 'string',
      valueName: 'TEXT',
      default: 'ping',
      description: 'what to send',
    },
    hold: {
      type: 'boolean',
      description:
        'stay connected and silent until you press Enter, stdin closes, or Ctrl-C / SIGTERM; then send and leave',
    },
  } as const satisfies Record<string, FlagSpec>;
}

/** What the client was asked to do: its `--socket`, `--message` and `--hold` flags. */
export interface OneMessage {
  socket: string;
  message: string;
  /** Stay connected and silent until `waitUntilToldToLeave()` resolves, then send. */
  hold: boolean;
}

/**
 * Connects, maybe holds the line, sends `message` and exits 0. On failure it prints one
 * line and exits 1, naming `serverCommand` when nobody is listening.
 */
export async function sendOneMessage(
  { socket: socketPath, message, hold }: OneMessage,
  serverCommand: string,
): Promise<void> {
  const socket = await connectOrExit(socketPath, serverCommand);
  const hungUp = (): never =>
    fail(
      'the server closed the connection before we could send: was it stopped?',
    );
  socket.once('error', hungUp); // a reset while we hold the line
  socket.once('close', hungUp);
  if (hold) {
    console.log(
      'connected; holding the line without a word (press Enter or Ctrl-C to send and leave)',
    );
    const reason = await waitUntilToldToLeave();
    console.log(`${reason}: leaving`);
  }
  // end() hands the message to the kernel, then shutdown(SHUT_WR): "no more from me".
  // Once the kernel has it we are done: whether the server reads it now or in
  // a minute is the server's business. That is why a second client never waits.
  socket.end(`${message}\n`, () => {
    console.log(`sent ${message}`);
    process.exit(0);
  });
}
