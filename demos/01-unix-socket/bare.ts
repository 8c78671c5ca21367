// #region bare
// Lesson 01, bare: a Unix socket server in one screen, node:* modules only.
// Run it, then: npx tsx demos/01-unix-socket/client.ts --socket <its path>
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A fresh folder only we may enter (mkdtemp makes it 0700): nobody else can
// reach a socket inside it, or put one there first.
const dir = mkdtempSync(join(tmpdir(), 'bare-01-'));
const path = join(dir, 'bare.sock');

// The callback runs once per accepted connection, with a socket for that client.
const server = net.createServer((client) => {
  client.on('data', (chunk) =>
    console.log(`got ${JSON.stringify(`${chunk}`)}`),
  );
  client.on('error', () => {}); // a client that vanishes must not crash us
});
// socket() + bind() (which creates the file) + listen()
server.listen(path, () => console.log(`listening on ${path}`));

// Ctrl-C: close() removes the socket file; then we remove the folder.
process.on('SIGINT', () => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
// #endregion bare
