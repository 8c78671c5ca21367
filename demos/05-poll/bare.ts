// #region bare
/** Lesson 05, bare: one thread, many clients at once, and a registry of who is here. */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
const dir = mkdtempSync(`${tmpdir()}/bare-05-`); // a fresh folder, mode 0700: ours alone
const path = `${dir}/05.sock`;
const clients = new Set<net.Socket>(); // the registry: everyone connected now

const server = net.createServer((socket) => {
  if (clients.size >= 100) return socket.end('error server full\n');
  clients.add(socket);
  console.log(`client connected (${clients.size} connected)`);
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? ''; // (a real server caps this: lesson 04)
    for (const line of lines)
      if (line.startsWith('ping')) socket.write(`pong${line.slice(4)}\n`);
  });
  socket.on('error', () => {}); // a reset or EPIPE: 'close' follows either way
  socket.on('close', () => {
    clients.delete(socket); // every way out ends here
    console.log(`client left (${clients.size} connected)`);
  });
});
server.listen(path, () => console.log(`listening on ${path}`));
process.once('SIGINT', () => process.exit(0)); // Ctrl-C
process.on('exit', () => rmSync(dir, { recursive: true, force: true })); // the socket file goes with its folder
// #endregion bare
