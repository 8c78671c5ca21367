/**
 * Lesson 09 · who is on the other end: lesson 04's ping server on an address
 * anyone on the machine can reach (a TCP port on 127.0.0.1, or an abstract
 * name), made safe with a cookie. Every connection must first prove it knows the
 * secret in `<private dir>/09.cookie` (cookie.ts); anything else is refused with
 * one line and hung up on, before a single ping is answered.
 *
 *   client → hello <nonce>          server → proof <nonce> <hmac>
 *   client → auth <hmac>            server → ok      (then: ping → pong)
 *
 * It keeps the limits of lessons 04–05: 64 KiB lines, --max-clients, and a few
 * seconds to authenticate, so strangers cannot hold connections open for free.
 */
import net from 'node:net';
import {
  errorMessage,
  fail,
  orExit,
  parseCli,
  parseInteger,
} from '../common/cli.ts';
import { MAX_LINE_BYTES, readLines } from '../04-bidirectional/lines.ts';
import { answer, send } from '../04-bidirectional/ping-protocol.ts';
import { closeOnSignals } from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import {
  NONCE,
  defaultCookiePath,
  loadOrCreateCookie,
  nonce,
  proof,
  sameProof,
} from './cookie.ts';
import { listenOn } from './transports.ts';

const flags = parseCli({
  usage: 'npx tsx demos/09-who-is-there/server.ts',
  summary:
    'Answers ping with pong, but only to clients that prove they know the cookie.',
  flags: {
    transport: {
      type: 'string',
      valueName: 'tcp|abstract|file',
      default: 'tcp',
      description:
        'where to listen: 127.0.0.1, an abstract name, a socket file',
    },
    port: {
      type: 'string',
      valueName: 'N',
      default: '0',
      description: 'TCP port on 127.0.0.1 (0: the kernel picks a free one)',
    },
    name: {
      type: 'string',
      valueName: 'NAME',
      default: 'ping-pong-09',
      description: 'abstract name (shown as @NAME)',
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
      description: 'the cookie file (made, mode 600, if missing)',
    },
    'max-clients': {
      type: 'string',
      valueName: 'N',
      default: '100',
      description: 'refuse connections beyond this many',
    },
    'auth-seconds': {
      type: 'string',
      valueName: 'N',
      default: '5',
      description: 'hang up on a client that has not authenticated by then',
    },
  },
});
const maxClients = parseInteger(flags['max-clients'], 'max-clients');
const authMs = parseInteger(flags['auth-seconds'], 'auth-seconds', 1) * 1000;
let cookie: Buffer;
try {
  cookie = loadOrCreateCookie(flags.cookie); // made once, 0600, in the private folder
} catch (error) {
  fail(errorMessage(error));
}

const clients = new Set<net.Socket>();
let clientsSoFar = 0;

const server = net.createServer((socket) => {
  const who = `client ${++clientsSoFar}`;
  const full = clients.size >= maxClients; // lesson 05's limit, strangers included
  clients.add(socket);
  socket.on('error', (error) => console.log(`${who}: ${error.message}`));
  let stage: 'hello' | 'auth' | 'ready' | 'refused' = 'hello';
  const serverNonce = nonce();
  let clientNonce = '';

  const refuse = (reason: string): void => {
    if (stage === 'refused') return;
    stage = 'refused'; // whatever else it sends is read and ignored
    console.log(`${who} refused: ${reason}`);
    // end(), not destroy(): closing with its bytes unread would reset the
    // connection, and it might never read why. It gets authMs more to leave.
    socket.end(`error ${reason}\n`);
    clearTimeout(deadline);
    deadline = setTimeout(() => socket.destroy(), authMs);
  };
  let deadline = setTimeout(() => refuse('too slow to authenticate'), authMs);
  socket.on('close', () => {
    clearTimeout(deadline);
    clients.delete(socket);
  });
  if (full) refuse('too many clients, try again later');

  // #region handshake
  const onLine = (line: string): void => {
    if (stage === 'ready') {
      // #region ready-branch
      const reply = answer(line); // lesson 04's protocol, for the authenticated only
      if (reply !== undefined) send(socket, reply);
      // #endregion ready-branch
    } else if (stage === 'hello') {
      // #region hello-stage
      const [word, value = ''] = line.split(' ');
      if (word !== 'hello' || !NONCE.test(value))
        return refuse('authenticate first: send hello <32 hex digits>');
      clientNonce = value;
      stage = 'auth';
      const ours = proof(cookie, 'server', clientNonce, serverNonce);
      send(socket, `proof ${serverNonce} ${ours}`);
      // #endregion hello-stage
    } else if (stage === 'auth') {
      // #region auth-stage
      const theirs = proof(cookie, 'client', clientNonce, serverNonce);
      if (!sameProof(line, `auth ${theirs}`)) return refuse('wrong cookie');
      stage = 'ready';
      clearTimeout(deadline);
      console.log(`${who} authenticated`);
      send(socket, 'ok');
      // #endregion auth-stage
    }
  };
  // #endregion handshake
  readLines(socket, onLine, {
    maxLineBytes: MAX_LINE_BYTES, // checked before authentication too
    onTooLong: (error) => refuse(error.message),
  });
});

const address = await orExit(listenOn(server, flags)); // transports.ts
closeOnSignals(server, clients);
console.log(
  `ping-pong server listening on ${address} (clients need the cookie in ${flags.cookie})`,
);
server.on('error', (error) => console.error(`server error: ${error.message}`));
