/**
 * Lesson 11 · plumbing for the tests and the tour: nats-server processes on free
 * loopback ports, in a directory of their own, always stopped afterwards.
 *
 * A learner starts `nats-server` by hand (the lesson shows how). Tests cannot use
 * the default port 4222, which a learner's server may hold, so each server here
 * asks for a random one (`-p -1`) and we read the port back from its log line
 * "Listening for client connections on 127.0.0.1:PORT". Run as a script, it keeps
 * a cluster up until SIGINT/SIGTERM/SIGHUP, for the tour:
 *
 *   npx tsx demos/11-beyond-one-machine/local-nats.ts --nodes 3
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { fail, parseCli, parseInteger } from '../common/cli.ts';

export const INSTALL_HINT =
  'nats-server is not installed: apt-get install nats-server (Debian/Ubuntu), brew install nats-server (macOS), or see lessons/11-beyond-one-machine.md';

/** Where nats-server is, or undefined. Debian puts it in /usr/sbin, which a user's PATH may lack. */
export function findNatsServer(): string | undefined {
  for (const candidate of [
    'nats-server',
    '/usr/sbin/nats-server',
    '/usr/local/sbin/nats-server',
  ]) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not there; try the next place
    }
  }
  return undefined;
}

export interface LocalNats {
  /** The client URL, e.g. nats://127.0.0.1:40123. */
  url: string;
  /** The route URL other servers join, e.g. nats://127.0.0.1:40124 (clusters only). */
  routeUrl: string | undefined;
  process: ChildProcess;
  /** Every line the server logged so far. */
  log: string[];
  /** Resolves once a logged line matches. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL: the machine under it died. Resolves once the process is gone. */
  kill(): Promise<void>;
}

const running = new Set<LocalNats>();

/** Starts one nats-server on 127.0.0.1 with a random client port; in a cluster if `cluster` is given. */
export async function startNatsServer(
  options: {
    cluster?: string;
    routes?: string[];
    extraArgs?: string[];
    command?: string;
    dir?: string;
  } = {},
): Promise<LocalNats> {
  const command = options.command ?? findNatsServer();
  if (!command) throw new Error(INSTALL_HINT);
  const args = ['-a', '127.0.0.1', '-p', '-1', ...(options.extraArgs ?? [])];
  if (options.cluster) {
    args.push(
      '--cluster_name',
      options.cluster,
      '--cluster',
      'nats://127.0.0.1:-1',
    );
    if (options.routes?.length) args.push('--routes', options.routes.join(','));
  }
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.dir,
  });
  const log: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stderr }).on('line', (line) => {
    log.push(line);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => resolve()),
  );
  const waitForLog = (pattern: RegExp, timeoutMs = 10_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = log.find((line) => pattern.test(line));
        if (found !== undefined) done(() => resolve(found));
        else if (child.exitCode !== null || child.signalCode !== null)
          done(() =>
            reject(
              new Error(
                `nats-server exited before logging ${pattern}:\n${log.join('\n')}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new Error(
                `nats-server did not log ${pattern} in ${timeoutMs} ms:\n${log.join('\n')}`,
              ),
            ),
          ),
        timeoutMs,
      );
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      void exited.then(check);
      check();
    });
  const server: LocalNats = {
    url: '',
    routeUrl: undefined,
    process: child,
    log,
    waitForLog,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
      running.delete(server);
    },
  };
  running.add(server);
  const clientLine = await waitForLog(
    /Listening for client connections on (\S+)/,
  );
  server.url = `nats://${/connections on (\S+)/.exec(clientLine)?.[1]}`;
  if (options.cluster) {
    const routeLine = await waitForLog(
      /Listening for route connections on (\S+)/,
    );
    server.routeUrl = `nats://${/connections on (\S+)/.exec(routeLine)?.[1]}`;
  }
  await waitForLog(/Server is ready/);
  return server;
}

/**
 * Three (or `nodes`) servers joined by routes: the first listens, the others
 * dial a route to it, and the servers gossip so that each ends up routed to
 * every other. Resolves once a request sent to any server reaches a subscriber
 * on any other: the routes are up and have carried the subscriptions.
 */
export async function startNatsCluster(nodes = 3): Promise<LocalNats[]> {
  const seed = await startNatsServer({ cluster: 'rally' });
  const others = await Promise.all(
    Array.from({ length: nodes - 1 }, () =>
      startNatsServer({ cluster: 'rally', routes: [seed.routeUrl ?? ''] }),
    ),
  );
  const servers = [seed, ...others];
  const clients = await Promise.all(
    servers.map((server) => connect({ servers: server.url })),
  );
  try {
    clients.forEach((client, index) =>
      client.subscribe(`mesh.${index}`, {
        callback: (_, message) => void message.respond('here'),
      }),
    );
    await Promise.all(clients.map((client) => client.flush()));
    for (const [from, client] of clients.entries()) {
      for (let to = 0; to < nodes; to++) {
        if (to !== from) await askUntilAnswered(client, `mesh.${to}`);
      }
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  return servers;
}

/** "No responders" until the subscription has crossed the route: ask again shortly. */
async function askUntilAnswered(
  client: NatsConnection,
  subject: string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.request(subject, '', { timeout: 1000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Stops every server started here (tests call it after each test). */
export async function stopAllNats(): Promise<void> {
  await Promise.all([...running].map((server) => server.kill()));
}

// Run as a script: a cluster for the tour, until a signal.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flags = parseCli({
    usage: 'npx tsx demos/11-beyond-one-machine/local-nats.ts',
    summary:
      'Starts nats-server processes on random loopback ports (a cluster if --nodes > 1) until Ctrl-C. For the tour and tests.',
    flags: {
      nodes: {
        type: 'string',
        valueName: 'N',
        default: '1',
        description: 'how many servers, joined by routes',
      },
    },
  });
  const nodes = parseInteger(flags.nodes, 'nodes', 1, 9);
  const dir = mkdtempSync(join(tmpdir(), 'pp-nats-'));
  process.chdir(dir);
  const servers = await (
    nodes === 1
      ? startNatsServer().then((one) => [one])
      : startNatsCluster(nodes)
  ).catch((error: Error) => fail(error.message));
  console.log(
    `nats ${nodes === 1 ? 'server' : `cluster of ${nodes}`} listening on ${servers.map((server) => server.url).join(',')}`,
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: stopping nats-server`);
      void stopAllNats().then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    });
  }
}
