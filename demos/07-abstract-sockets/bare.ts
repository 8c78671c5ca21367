// #region bare
// Lesson 07, bare: ping-pong on a Linux abstract name. No file, nothing to clean up.
// Run it, then: python3 demos/07-abstract-sockets/ping.py ping-pong-07-bare
import net from 'node:net';

const name = process.argv[2] ?? 'ping-pong-07-bare';

const server = net.createServer((socket) => {
  let pending = ''; // the start of a line still waiting for its newline
  socket.on('data', (chunk) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      socket.write(
        line.startsWith('ping') ? `pong${line.slice(4)}\n` : 'error\n',
      );
    }
  });
  socket.on('error', () => {}); // a client that vanished is its own problem
});

// A leading NUL byte makes the address abstract: a name in the kernel, no file.
server.listen(`\0${name}`, () => console.log(`listening on @${name}`));

// On exit the kernel closes the socket and frees the name: no file to unlink().
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
// #endregion bare
