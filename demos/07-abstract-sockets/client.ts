/**
 * Lesson 07 · the client: connects to an abstract name, pings, prints the pongs.
 *
 * When the connection is refused it looks in /proc/net/unix to say why: nobody
 * holds the name, or somebody holds it with a different number of NUL bytes on
 * the end (a Node 20 server and a Node 22 client, or the other way round).
 */
import net from 'node:net';
import { once } from 'node:events';
import { fail, parseCli } from '../common/cli.ts';
import { LineQueue } from '../04-bidirectional/lines.ts';
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
  },
});

const address = abstractAddressOrExit(flags.name);
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
// bytes are shown escaped (JSON.stringify), never raw to the terminal.
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
