// Lesson 11 · bare: one ping through nats-server, by hand, in its protocol.
import net from 'node:net';
import { createInterface } from 'node:readline';

// #region bare
const port = Number(process.argv[2] ?? 4222); // nats-server's default port
const socket = net.connect(port, '127.0.0.1');
const send = (line: string): void => {
  console.log(`→ ${line}`);
  socket.write(`${line}\r\n`); // NATS lines end in CR LF
};
socket.on('error', (error) => console.log(`no nats-server: ${error.message}`));
// #region send-requests
socket.once('connect', () => {
  send('CONNECT {"verbose":false}'); // after the server's INFO {...} line
  send('SUB ping 1'); // subscription 1: the ping service (that's us)
  send('SUB my.inbox 2'); // subscription 2: where answers come back
  send('PUB ping my.inbox 4'); // 4 bytes to "ping", answers to "my.inbox"
  send('ping');
});
// #endregion send-requests
// #region read-replies
createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => {
  console.log(`← ${line}`);
  if (line === 'PING') send('PONG'); // keep-alive: answer or be dropped
  if (line.startsWith('MSG ping 1 my.inbox')) {
    send('PUB my.inbox 4'); // serve: publish to the reply subject
    send('pong');
  }
  if (line === 'pong') socket.end(); // back through the server: done
});
// #endregion read-replies
// #endregion bare
