// Lesson 09 · bare: a server on 127.0.0.1 that serves only clients who know a secret.
import net from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

// #region bare
const cookie = Buffer.from(randomBytes(32).toString('hex')); // 256 random bits
const dir = mkdtempSync(`${tmpdir()}/cookie-`); // 0700, random name: ours alone
const cookiePath = `${dir}/cookie`;
writeFileSync(cookiePath, `${cookie}\n`, { mode: 0o600 }); // 0600 from birth
const server = net.createServer((socket) => {
  socket.on('error', () => {}); // a client that vanished is not our problem
  socket.once('data', (chunk) => {
    // Simplified: the first chunk is the cookie line (lesson 04 reads real lines).
    const sent = Buffer.from(chunk.toString().split('\n')[0] ?? '');
    if (sent.length !== cookie.length || !timingSafeEqual(sent, cookie))
      return void socket.end('error wrong cookie\n'); // and not one pong
    socket.write('ok\n');
    socket.on('data', () => socket.write('pong\n')); // now, and only now
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo; // 0: any free port
  console.log(`listening on 127.0.0.1:${port} (cookie in ${cookiePath})`);
});
// #endregion bare
process.on('exit', () => rmSync(dir, { recursive: true })); // leave nothing behind
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.once(signal, () => process.exit(0));
