/**
 * Lesson 07 · the client: connects to an abstract name, pings, prints the pongs.
 *
 * When the connection is refused it looks in /proc/net/unix to say why: nobody
 * holds the name, or somebody holds it with a different number of NUL bytes on
 * the end (a Node 20 server and a Node 22 client, or the other way round).
 */
import net from 'node:net';
import { once } from 'node:events';
import { fail, parseCli, parseInteger } from '../common/cli.ts';
import { LineQueue, LineTooLongError } from '../04-bidirectional/lines.ts';
import {
  DEFAULT_NAME,
  abstractAddressOrExit,
  kernelPadding,
  nodePadsAbstractNames,
} from './abstract-name.ts';

const flags = parseCli({
  usage: 'npx tsx demos/07-abstract-sockets/client.ts',
  summary:
    'Sends two pings to the lesson 07 server over an abstract socket name and prints the replies.',
  flags: {
    name: {
      type: 'string',
      valueName: 'NAME',
      default: DEFAULT_NAME,
      description: 'the abstract name the server listens on',
    },
    'timeout-ms': {
      type: 'string',
      valueName: 'MS',
      default: '5000',
      description: 'give up when the server stays silent this long',
    },
  },
});

const address = abstractAddressOrExit(flags.name);
const timeoutMs = parseInteger(flags['timeout-ms'], 'timeout-ms', 1, 600_000);
const startHint = `npx tsx demos/07-abstract-sockets/server.ts --name ${flags.name}`;

// #region refused
/** connect() to an abstract name fails with ECONNREFUSED, never ENOENT: there is no file to miss. */
function explainRefused(name: string): string {
  const padding = kernelPadding(name);
  if (padding === undefined)
    return `nobody is listening on @${name}: start the server with: ${startHint}`;
  const theirs =
    padding === 0
      ? `the exact name @${name}`
      : `@${name} followed by ${padding} NUL bytes`;
  const ours = nodePadsAbstractNames()
    ? `@${name} padded with NUL bytes to 108`
    : `the exact name @${name}`;
  return (
    `a server is listening on ${theirs}, but this Node (${process.version}) asked for ${ours}: ` +
    'Node 20 pads abstract names, Node 22 and later do not, so run the client and the server on the same Node major'
  );
}
// #endregion refused

const socket = net.connect(address);
try {
  await once(socket, 'connect');
} catch (error) {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ECONNREFUSED') fail(explainRefused(flags.name));
  fail(`could not talk to @${flags.name}: ${message}`);
}

// Whoever holds the name answers: maybe not our server (lesson 09), so its
// bytes are shown escaped (JSON.stringify), never raw to the terminal, and a
// reply past 64 KiB, a reset connection or a silent server ends the client
// with one line.
socket.on('error', (error) =>
  fail(
    error instanceof LineTooLongError
      ? `@${flags.name} sent a ${error.message}: that is no ping-pong server (any user may hold an abstract name, see lesson 09)`
      : `lost the connection to @${flags.name}: ${error.message}`,
  ),
);
socket.setTimeout(timeoutMs, () =>
  fail(
    `@${flags.name} accepted but has not answered for ${timeoutMs} ms: is it really the lesson 07 server?`,
  ),
);
console.log(`connected to @${flags.name}`);
const replies = new LineQueue(socket);
for (const request of ['ping', `ping from pid ${process.pid}`]) {
  socket.write(`${request}\n`);
  const reply = await replies.next();
  if (reply === undefined)
    fail('the server closed the connection before answering');
  console.log(`${request} → ${JSON.stringify(reply)}`);
}
socket.end();
