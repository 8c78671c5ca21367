/**
 * Lesson 09, exercise 1: write the cookie-checking server.
 *
 * This file runs, makes the cookie and listens on 127.0.0.1, but lets nobody
 * in yet. Fill in the TODOs until `npm run verify -- 09` passes;
 * `npm run hint -- 09` gives one hint at a time. The lesson's own server
 * (demos/09-who-is-there/server.ts) is the reference answer: peek once your
 * version passes, or when the hints run out.
 *
 * Try it by hand: npx tsx workspace/09-who-is-there/server.ts, then
 * npx tsx demos/09-who-is-there/client.ts --port <the port it prints>.
 */
import net from 'node:net';
import { once } from 'node:events';
import {
  errorMessage,
  fail,
  parseCli,
  parseInteger,
} from '../../common/cli.ts';
import { closeOnSignals } from '../../01-unix-socket/socket-file.ts';
import { readLines } from '../../04-bidirectional/lines.ts';
import { answer, send } from '../../04-bidirectional/ping-protocol.ts';
import { defaultCookiePath, loadOrCreateCookie, nonce } from '../cookie.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/09-who-is-there/server.ts',
  summary: 'My cookie-checking ping server (lesson 09 exercise).',
  flags: {
    port: {
      type: 'string',
      valueName: 'N',
      default: '0',
      description: 'TCP port on 127.0.0.1 (0: any free port)',
    },
    cookie: {
      type: 'string',
      valueName: 'PATH',
      default: defaultCookiePath(),
      description: 'the cookie file (made, mode 600, if missing)',
    },
  },
});

let cookie: Buffer;
try {
  cookie = loadOrCreateCookie(flags.cookie); // 32 bytes, from 64 hex digits in a 0600 file
} catch (error) {
  fail(errorMessage(error));
}

const clients = new Set<net.Socket>();

const server = net.createServer((socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  socket.on('error', () => {}); // a client that vanishes is not our crash
  const serverNonce = nonce();
  let authenticated = false;

  readLines(socket, (line) => {
    if (authenticated) {
      const reply = answer(line); // lesson 04's protocol
      if (reply !== undefined) send(socket, reply);
      return;
    }
    // TODO: the first line must be `hello <32 hex digits>`; anything else gets
    //       error authenticate first: send hello <32 hex digits>
    //       and the connection is closed (socket.end).
    // TODO: answer hello with `proof <serverNonce> <server proof>`: the hex
    //       HMAC-SHA256, keyed with `cookie`, of `server <client nonce> <serverNonce>`.
    // TODO: the next line must be `auth <client proof>` (same HMAC, of
    //       `client <client nonce> <serverNonce>`), compared in constant time.
    //       Right: answer `ok` and set authenticated. Wrong: `error wrong cookie`, close.
    void cookie;
    void serverNonce;
  });
});

server.listen(parseInteger(flags.port, 'port', 0, 65535), '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as net.AddressInfo;
console.log(`ping-pong server listening on 127.0.0.1:${port}`);
closeOnSignals(server, clients);
