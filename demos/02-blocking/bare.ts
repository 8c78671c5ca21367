// #region bare
// Lesson 02, bare: a blocking loop: accept one client, read it until it leaves, tick.
// Run it, then: npx tsx demos/02-blocking/client.ts --hold --socket <its path>
import net from 'node:net';
import { on, once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'bare-02-')); // private (0700): lesson 01
const path = join(dir, 'bare.sock');
const server = net.createServer();
server.listen(path);
await once(server, 'listening');
console.log(`blocking server listening on ${path}`);
process.on('SIGINT', () => {
  server.close(); // removes the socket file
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});

let ticks = 0;
for await (const [client] of on(server, 'connection')) {
  console.log('client connected: nothing else runs until it leaves'); // accept()
  for await (const chunk of client) console.log(JSON.stringify(`${chunk}`)); // recv()
  console.log(`client left; tick ${++ticks}`); // the loop's other work
}
// #endregion bare
