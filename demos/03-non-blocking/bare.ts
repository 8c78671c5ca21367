// #region bare
// Lesson 03, bare: a polling loop; read() never waits (null: nothing yet).
// Run it, then: npx tsx demos/03-non-blocking/client.ts --hold --socket <its path>
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as nap } from 'node:timers/promises';
const dir = mkdtempSync(join(tmpdir(), 'bare-03-')); // private (0700)
const path = join(dir, 'bare.sock');
const waiting: net.Socket[] = []; // accepted by libuv, not yet taken by our loop
const server = net
  .createServer((socket) => void waiting.push(socket))
  .listen(path);
await once(server, 'listening');
console.log(`polling server listening on ${path}`);
process.on('SIGINT', () => {
  server.close(); // removes the socket file
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});

let clients: net.Socket[] = [];
for (let pass = 1; ; pass += 1) {
  clients.push(...waiting.splice(0)); // accept: everyone waiting, or nobody
  const seen = clients.map((c) => JSON.stringify(c.read()?.toString() ?? null));
  console.log(`tick ${pass} | ${seen.join(' | ') || 'no clients'}`);
  clients = clients.filter((c) => !c.readableEnded); // forget who hung up
  await nap(500); // yield: libuv reads the sockets while we nap
}
// #endregion bare
