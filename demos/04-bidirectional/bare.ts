// #region bare
/** Lesson 04, bare: a server that reads lines, not chunks, and answers each `ping`. */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const dir = mkdtempSync(`${tmpdir()}/bare-04-`); // a fresh folder, mode 0700: ours alone
const path = `${dir}/04.sock`;

const server = net.createServer((socket) => {
  let pending = ''; // the start of a line whose \n has not arrived yet
  socket.setEncoding('utf8'); // a character cut in two by a chunk boundary waits for its other half
  socket.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? ''; // after the last \n: not a whole line yet
    if (pending.length > 65536) return socket.destroy(); // no \n in sight: give up
    for (const line of lines)
      socket.write(line === 'ping' ? 'pong\n' : 'error unknown command\n');
  });
  socket.on('error', () => {}); // a client that vanished mid-reply: its problem, not ours
});

server.listen(path, () => console.log(`listening on ${path}`));
process.once('SIGINT', () => process.exit(0)); // Ctrl-C
process.once('SIGTERM', () => process.exit(0)); // kill
process.on('exit', () => rmSync(dir, { recursive: true, force: true })); // the socket file goes with its folder
// #endregion bare
