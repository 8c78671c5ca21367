// Lesson 10, bare: a parent spawns a child and they talk over its stdin and stdout.
// #region bare
// #region imports
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// #endregion imports
if (process.argv[2] === 'child') {
  // The child reads requests on fd 0 and answers on fd 1. Its logs go to fd 2:
  // stdout is the channel, and the parent would take a log line for a reply.
  createInterface({ input: process.stdin }).on('line', (line) => {
    console.error(`child ${process.pid} got ${JSON.stringify(line)}`);
    process.stdout.write(line === 'ping' ? 'pong\n' : 'error\n');
  });
} else {
  // Run this same file again as the child: its fd 0 and 1 are channels to us,
  // its fd 2 is our own stderr, so its logs reach the terminal directly.
  const args = [...process.execArgv, import.meta.filename, 'child'];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let answered = 0;
  createInterface({ input: child.stdout }).on('line', (reply) => {
    console.log(`parent ${process.pid} got ${JSON.stringify(reply)}`);
    if (++answered === 3) child.stdin.end(); // end-of-file: the child exits
  });
  child.on('exit', (code) => console.log(`child exited with code ${code}`));
  child.stdin.write('ping\nping\nhello\n');
}
// #endregion bare
