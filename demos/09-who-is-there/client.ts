/**
 * Lesson 09 · the client that checks who answers before it talks.
 *
 * On a socket file it uses the course's owner check (connectOrExit: a socket,
 * not a symlink, owned by you, in a private folder). On TCP or an abstract name
 * there is no file to check, so it proves itself with the cookie and makes the
 * server prove itself too: a squatter that does not know the cookie gets one
 * random number from us and nothing else.
 */
import { errorMessage, fail, parseCli, parseInteger } from '../common/cli.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { LineQueue } from '../04-bidirectional/lines.ts';
import {
  defaultCookiePath,
  nonce,
  proof,
  readCookie,
  sameProof,
} from './cookie.ts';
import { connectTo } from './transports.ts';

const flags = parseCli({
  usage: 'npx tsx demos/09-who-is-there/client.ts',
  summary:
    'Proves it knows the cookie, checks that the server does too, then pings.',
  flags: {
    transport: {
      type: 'string',
      valueName: 'tcp|abstract|file',
      default: 'tcp',
      description: 'how to reach the server',
    },
    port: {
      type: 'string',
      valueName: 'N',
      description: 'TCP port on 127.0.0.1 (the server prints it)',
    },
    name: {
      type: 'string',
      valueName: 'NAME',
      default: 'ping-pong-09',
      description: 'abstract name',
    },
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('09'),
      description: 'socket file',
    },
    cookie: {
      type: 'string',
      valueName: 'PATH',
      default: defaultCookiePath(),
      description: 'the cookie file the server made',
    },
    count: {
      type: 'string',
      valueName: 'N',
      default: '3',
      description: 'how many pings to send',
    },
  },
});
const count = parseInteger(flags.count, 'count', 1, 1_000_000);
const startHint = `npx tsx demos/09-who-is-there/server.ts --transport ${flags.transport}`;

let cookie: Buffer;
try {
  cookie = readCookie(flags.cookie); // ours, 0600, in a private folder
} catch (error) {
  fail(`${errorMessage(error)} (the server makes it: ${startHint})`);
}

const { socket, address } = await connectTo(flags, startHint); // transports.ts: file → owner check
socket.on('error', (error) =>
  console.error(`connection lost: ${error.message}`),
);
const lines = new LineQueue(socket);
const next = async (): Promise<string> =>
  (await lines.next()) ?? fail(`${address} closed the connection`);

// #region handshake
const clientNonce = nonce();
socket.write(`hello ${clientNonce}\n`);
const [word, serverNonce = '', serverProof = ''] = (await next()).split(' ');
const expected = proof(cookie, 'server', clientNonce, serverNonce);
if (word !== 'proof' || !sameProof(serverProof, expected)) {
  socket.destroy(); // it heard one random number from us, nothing it can use
  fail(
    `whoever answers on ${address} does not know the cookie in ${flags.cookie}: not our server (or one started with another --cookie); not talking to it`,
  );
}
socket.write(`auth ${proof(cookie, 'client', clientNonce, serverNonce)}\n`);
const verdict = await next();
if (verdict !== 'ok') fail(`the server refused us: ${JSON.stringify(verdict)}`);
console.log(`${address} proved it knows the cookie, and so did we`);
// #endregion handshake

for (let number = 1; number <= count; number++) {
  socket.write(`ping ${number}\n`);
  const reply = await next();
  if (reply !== `pong ${number}`)
    fail(`expected "pong ${number}", got ${JSON.stringify(reply)}`);
  console.log(reply);
}
console.log(`${count} pings, ${count} pongs`);
socket.end();
