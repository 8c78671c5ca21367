// #region bare
// Lesson 08, bare: ping-pong over two named pipes (FIFOs), for one client.
// Run it; then, with the folder it prints as DIR, in another shell:
//   exec 3<> DIR/to-client; echo ping > DIR/to-server; head -n 1 <&3
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { constants as c, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const dir = mkdtempSync(`${tmpdir()}/fifos-`); // a fresh 0700 folder, hard to guess
const [toServer, toClient] = [`${dir}/to-server`, `${dir}/to-client`];
execFileSync('mkfifo', ['-m', '600', toServer, toClient]); // Node has no mkfifo()
// O_NONBLOCK: open() returns at once instead of waiting for the other end.
const fd = openSync(toServer, c.O_RDONLY | c.O_NONBLOCK);
const input = new net.Socket({ fd, writable: false });
let output: net.Socket | undefined; // opened at the first ping: the client reads by then
let pending = '';
input.on('data', (chunk) => {
  const fd = () => openSync(toClient, c.O_WRONLY | c.O_NONBLOCK);
  output ??= new net.Socket({ fd: fd(), readable: false });
  const lines = (pending + chunk.toString()).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines)
    output.write(line === 'ping' ? 'pong\n' : 'error\n');
});
const done = () => (rmSync(dir, { recursive: true }), process.exit(0));
input.on('end', () => (output ? output.end(done) : done())); // client closed to-server
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, done);
console.log(`listening on ${dir}`);
// #endregion bare
