import net from 'node:net';
import { createInterface } from 'node:readline';
// #region bare
const port = Number(process.argv[2] ?? 4222); // nats-server's default port
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.log('usage: bare.ts [PORT] (4222, the default, if none)');
  process.exit(2);
}
// #region by-hand
const socket = net.connect(port, '127.0.0.1'); // readline reports its errors
const lines = createInterface({ input: socket, crlfDelay: Infinity });
lines.on('error', (error) => console.log(`no nats-server: ${error.message}`));
// #region send-requests
const send = (line: string): void => {
  console.log(`→ ${line}`);
  socket.write(`${line}\r\n`); // NATS lines end in CR LF
};
socket.once('connect', () => {
  send('CONNECT {"verbose":false}'); // no need to wait for its INFO {...}
  send('SUB ping 1'); // subscription 1: the ping service (that's us)
  send('SUB my.inbox 2'); // subscription 2: where answers come back
  send('PUB ping my.inbox 4'); // 4 bytes to "ping", answers to "my.inbox"
  send('ping');
});
// #endregion send-requests
// #region read-replies
lines.on('line', (line) => {
  console.log(`← ${line}`);
  if (line === 'PING') send('PONG'); // keep-alive: answer or be dropped
  if (line.startsWith('MSG ping 1 my.inbox')) {
    send('PUB my.inbox 4'); // serve: publish to the reply subject
    send('pong');
  }
  if (line === 'pong') socket.end(); // back through the server: done
});
// #endregion read-replies
// #endregion by-hand
// #endregion bare
