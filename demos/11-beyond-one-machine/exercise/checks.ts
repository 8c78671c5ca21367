/**
 * Lesson 11's first exercise, "write the pong worker": what `npm run verify -- 11`
 * checks, promise by promise. The promises are worded exactly as the lesson's
 * "Your server must…" list. Each check starts its own nats-server on a random
 * loopback port (local-nats.ts) and stops it afterwards; without nats-server
 * installed, every check fails saying how to install it.
 */
import {
  connect,
  createInbox,
  errors,
  type Msg,
  type NatsConnection,
} from '@nats-io/transport-node';
import type { Contract, Kit } from '../../../test/tools/verify-kit.ts';
import { errorMessage } from '../../common/cli.ts';
import { startNatsServer } from '../local-nats.ts';

/** A nats-server for one check, and a client of it; both gone when `body` ends. */
async function withNats(
  kit: Kit,
  body: (url: string, client: NatsConnection) => Promise<void>,
): Promise<void> {
  const server = await startNatsServer({ dir: kit.dir });
  const client = await connect({ servers: server.url });
  try {
    await body(server.url, client);
  } finally {
    await client.close().catch(() => undefined);
    await server.kill();
  }
}

/** Starts the worker under test on `url` and waits for its readiness line. */
function startWorker(kit: Kit, url: string, name = 'mine') {
  return kit.start(['--server', url, '--name', name]);
}

/** One request to `ping`; a missing or late answer is a failure in words. */
async function ask(
  kit: Kit,
  client: NatsConnection,
  request: string,
): Promise<Msg> {
  try {
    return await client.request('ping', request, { timeout: 3000 });
  } catch (error) {
    const noResponders =
      error instanceof errors.RequestError && error.isNoResponders();
    return kit.fail({
      sent: { data: request, how: 'as a request on the subject `ping`' },
      expected: 'an answer',
      got: noResponders
        ? 'no responders: nothing is subscribed to `ping` on the server'
        : `no answer within 3 s (${errorMessage(error)})`,
    });
  }
}

async function expectAnswer(
  kit: Kit,
  client: NatsConnection,
  request: string,
  expected: string,
): Promise<void> {
  const answer = (await ask(kit, client, request)).string();
  if (answer !== expected)
    kit.fail({
      sent: { data: request, how: 'as a request on the subject `ping`' },
      expected: `the answer ${kit.quote(expected)}`,
      got: kit.quote(answer),
    });
}

export default {
  requires: {
    command: 'nats-server',
    install: 'apt-get install nats-server, or brew install nats-server',
  },
  // #region contract
  promises: [
    'take `--server URL` and `--name NAME`, and print a line containing `listening on ping` once its subscription has reached the server',
    "answer each request on the subject `ping` with lesson 04's protocol: `ping` → `pong`, `ping <text>` → `pong <text>`",
    'answer anything else with `error unknown command "<first 40 characters>": try ping`, and keep serving',
    'send its name in a `Pong-Worker` header with every answer',
    'join the queue group `pong-workers`, so that two workers share the requests and each is answered once',
    'on SIGTERM, leave the group and exit with code 0',
  ],
  // #endregion contract
  checks: [
    {
      promise: 1,
      name: 'ready means subscribed',
      async run(kit) {
        await withNats(kit, async (url, client) => {
          const worker = await startWorker(kit, url);
          if (worker.address !== 'ping')
            kit.fail({
              expected: 'the readiness line to say `listening on ping`',
              got: `it said \`listening on ${worker.address}\``,
            });
          await ask(kit, client, 'ping'); // at once: no "no responders"
        });
      },
    },
    {
      promise: 2,
      name: 'ping gets pong, with its tag',
      async run(kit) {
        await withNats(kit, async (url, client) => {
          await startWorker(kit, url);
          await expectAnswer(kit, client, 'ping', 'pong');
          await expectAnswer(kit, client, 'ping 7', 'pong 7');
          await expectAnswer(kit, client, 'ping two words', 'pong two words');
        });
      },
    },
    {
      promise: 3,
      name: 'nonsense gets an error, and the worker carries on',
      async run(kit) {
        await withNats(kit, async (url, client) => {
          await startWorker(kit, url);
          await expectAnswer(
            kit,
            client,
            'hello',
            'error unknown command "hello": try ping',
          );
          const long = 'x'.repeat(50);
          await expectAnswer(
            kit,
            client,
            long,
            `error unknown command "${long.slice(0, 40)}": try ping`,
          );
          await expectAnswer(kit, client, 'ping', 'pong');
        });
      },
    },
    {
      promise: 4,
      name: 'the answer names its worker',
      async run(kit) {
        await withNats(kit, async (url, client) => {
          await startWorker(kit, url, 'w42');
          const answer = await ask(kit, client, 'ping');
          const name = answer.headers?.get('Pong-Worker');
          if (name !== 'w42')
            kit.fail({
              sent: {
                data: 'ping',
                how: 'to a worker started with --name w42',
              },
              expected: 'a `Pong-Worker: w42` header on the answer',
              got: name ? `Pong-Worker: ${kit.quote(name)}` : 'no such header',
            });
        });
      },
    },
    {
      promise: 5,
      name: 'two workers share the pings, each answered once',
      async run(kit) {
        await withNats(kit, async (url, client) => {
          await Promise.all([
            startWorker(kit, url, 'a'),
            startWorker(kit, url, 'b'),
          ]);
          // Our own inbox, so that a second answer to the same ping is seen too.
          const inbox = createInbox();
          const answers: string[] = [];
          const workers = new Set<string>();
          client.subscribe(inbox, {
            callback: (_, message) => {
              answers.push(message.string());
              workers.add(message.headers?.get('Pong-Worker') ?? '?');
            },
          });
          await client.flush();
          for (let i = 1; i <= 20; i++)
            client.publish('ping', `ping ${i}`, { reply: inbox });
          await client.flush();
          // Wait for the 20 answers; then a few more round trips give any second
          // answer to the same ping (a worker outside the group) time to arrive.
          const deadline = Date.now() + 10_000;
          while (answers.length < 20 && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 20));
          for (let i = 0; i < 4; i++) await ask(kit, client, 'ping');
          const sent = {
            data: 'ping 1 … ping 20',
            how: 'to two workers, a and b',
          };
          if (answers.length < 20)
            kit.fail({
              sent,
              expected: '20 answers',
              got: `${answers.length} within 10 s`,
            });
          if (answers.length > 20)
            kit.fail({
              sent,
              expected: 'exactly 20 answers (each ping answered by one worker)',
              got: `${answers.length}, as if each worker subscribed without the queue group \`pong-workers\``,
            });
          if (workers.size < 2)
            kit.fail({
              sent,
              expected: 'answers from both workers',
              got: `answers only from ${[...workers].join(', ')}`,
            });
        });
      },
    },
    {
      promise: 6,
      name: 'SIGTERM: clean exit',
      async run(kit) {
        await withNats(kit, async (url) => {
          const worker = await startWorker(kit, url);
          const status = await worker.stop('SIGTERM');
          if (status.code !== 0)
            kit.fail({
              sent: { data: 'SIGTERM', how: 'to the worker' },
              expected: 'exit code 0',
              got: status.signal
                ? `killed by ${status.signal}`
                : `exit code ${status.code}`,
            });
        });
      },
    },
  ],
} satisfies Contract;
