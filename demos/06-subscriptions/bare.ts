// #region bare
/** Lesson 06, bare: state in a daemon, and subscribers told of every change. */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
const dir = mkdtempSync(`${tmpdir()}/bare-06-`); // a fresh folder, mode 0700: ours alone
const path = `${dir}/06.sock`;
let count = 0; // the state; messages are NDJSON: one JSON object per line
const subscribers = new Set<net.Socket>();
const send = (to: net.Socket, m: object) => to.write(`${JSON.stringify(m)}\n`);

const server = net.createServer((socket) => {
  // readline splits the stream into lines (without lesson 04's length limit).
  createInterface({ input: socket }).on('line', (line) => {
    if (line === '{"type":"ping"}') {
      send(socket, { type: 'pong', count: ++count });
      for (const each of subscribers) send(each, { type: 'update', count });
    } else if (line === '{"type":"subscribe"}') {
      subscribers.add(socket); // join, and learn the count, in one step
      send(socket, { type: 'subscribed', count });
    } else send(socket, { type: 'error', message: 'unknown request' });
  });
  socket.on('error', () => {});
  socket.on('close', () => subscribers.delete(socket)); // leaving ends it
});
server.listen(path, () => console.log(`listening on ${path}`));
process.once('SIGINT', () => process.exit(0)); // Ctrl-C
process.on('exit', () => rmSync(dir, { recursive: true, force: true })); // the socket file goes with its folder
// #endregion bare
