/**
 * Lesson 10 · opens `--clients` connections to server.ts at once, sends `ping`
 * on each, and prints which worker answered: the server passes each connection
 * on, so the pongs come from different processes.
 */
import { fail, parseCli, parseInteger } from '../common/cli.ts';
import { connectOrExit } from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { LineQueue } from '../04-bidirectional/lines.ts';

const flags = parseCli({
  usage: 'npx tsx demos/10-parent-and-child/client.ts',
  summary:
    'Connects several clients to the lesson 10 server at once and shows which worker answered each ping.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('10'),
      description: "the server's socket file",
    },
    clients: {
      type: 'string',
      valueName: 'N',
      default: '6',
      description: 'how many connections to open at once',
    },
  },
});
const count = parseInteger(flags.clients, 'clients', 1, 1000);
const startHint = 'npx tsx demos/10-parent-and-child/server.ts';

async function pingOnce(number: number): Promise<string> {
  const socket = await connectOrExit(flags.socket, startHint);
  socket.on('error', () => {}); // a reset shows up as no reply, below
  const replies = new LineQueue(socket);
  socket.write('ping\n');
  const reply = await replies.next();
  socket.end();
  if (reply === undefined)
    fail(
      `client ${number}: the server closed the connection without answering`,
    );
  console.log(`client ${number}: ${reply}`);
  return reply;
}

const replies = await Promise.all(
  Array.from({ length: count }, (_, i) => pingOnce(i + 1)),
);
const perWorker = new Map<string, number>();
for (const reply of replies) {
  const pid = /from worker (\d+)/.exec(reply)?.[1] ?? 'unknown';
  perWorker.set(pid, (perWorker.get(pid) ?? 0) + 1);
}
const summary = [...perWorker].map(([pid, n]) => `${pid} ×${n}`).join(', ');
console.log(
  `${count} clients, answered by ${perWorker.size} worker${perWorker.size === 1 ? '' : 's'}: ${summary}`,
);
