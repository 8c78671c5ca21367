/**
 * Lesson 11 · what every NATS demo here does the same way: the `--server` flag,
 * connecting (or saying in one line why not), watching the connection come and
 * go, and leaving cleanly on a signal.
 *
 * The client library does what lesson 06's watcher did by hand: when its server
 * goes away it reconnects, to another server of the cluster if it knows one, and
 * sends its subscriptions again. We only log what it does, with the gap it took.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { errorMessage, fail, type FlagSpec } from '../common/cli.ts';

export const DEFAULT_SERVER = 'nats://127.0.0.1:4222';

/** Every demo's address flag; a comma-separated list names several servers of one cluster. */
export const serverFlag = {
  type: 'string',
  valueName: 'URL',
  default: DEFAULT_SERVER,
  description:
    'the NATS server to connect to (a comma-separated list for a cluster)',
} as const satisfies FlagSpec;

const START_HINT =
  'start one with: nats-server -a 127.0.0.1 (see lessons/11-beyond-one-machine.md)';

// #region connect
/**
 * connect() resolves once the server's INFO and our CONNECT have been exchanged.
 * A refused TCP connect() here is lesson 01's ECONNREFUSED: nobody listens on
 * that port. Once connected we never give up: maxReconnectAttempts -1 retries
 * forever, reconnectTimeWait paces retries of one server (another server of the
 * cluster is tried at once).
 */
export async function connectOrExit(
  servers: string,
  name: string,
): Promise<NatsConnection> {
  try {
    return await connect({
      servers: servers.split(','),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
  } catch (error) {
    // nats://user:password@host: never print the password.
    const where = servers.replace(/\/\/([^:@/]*):[^@/]*@/g, '//$1:***@');
    const refused =
      error instanceof Error &&
      (error.cause as NodeJS.ErrnoException | undefined)?.code ===
        'ECONNREFUSED';
    if (refused)
      fail(`no NATS server at ${where} (connection refused): ${START_HINT}`);
    fail(`cannot connect to NATS at ${where}: ${errorMessage(error)}`);
  }
}
// #endregion connect

// #region status
/** Logs disconnects and reconnects, and how long the client was without a server. */
export async function logConnectionChanges(
  connection: NatsConnection,
  onReconnect = (): void => {},
): Promise<void> {
  const log = console.log;
  let lostAt = 0;
  for await (const status of connection.status()) {
    if (status.type === 'disconnect') {
      lostAt = performance.now();
      log(`disconnected from ${status.server}`);
    } else if (status.type === 'reconnect') {
      log(
        `reconnected to ${status.server} after ${(performance.now() - lostAt).toFixed(0)} ms; subscriptions sent again`,
      );
      onReconnect();
    } else if (status.type === 'slowConsumer') {
      log(
        `falling behind: ${status.pending} messages wait unread for ${status.sub.getSubject()}`,
      );
    } else if (status.type === 'error') {
      log(`the server says: ${errorMessage(status.error)}`);
    }
  }
}
// #endregion status

/**
 * On SIGINT, SIGTERM or SIGHUP: drain (stop taking messages, finish the ones in
 * hand, flush what we publish, close) and exit 0. A drain that cannot finish,
 * because no server is reachable, is cut short after a second.
 */
export function drainOnSignals(
  connection: NatsConnection,
  goodbye: (signal: NodeJS.Signals) => string,
): void {
  const shutdown = (signal: NodeJS.Signals): void => {
    console.log(goodbye(signal));
    const giveUp = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    void Promise.race([connection.drain().catch(() => undefined), giveUp]).then(
      () => process.exit(0),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, shutdown);
}
