// Lesson 10, bare: a parent spawns a child and they talk over its stdin and stdout.
// Run it: npx tsx demos/10-parent-and-child/bare.ts
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

if (process.argv[2] === 'child') {
  // The child: read lines on fd 0, answer on fd 1. Logs go to stderr (fd 2), never
  // to stdout: stdout is the channel, and the parent would read a log as a reply.
  createInterface({ input: process.stdin }).on('line', (line) => {
    console.error(`child ${process.pid} got ${JSON.stringify(line)}`);
    process.stdout.write(
      line === 'ping' ? 'pong\n' : 'error unknown command\n',
    );
  });
} else {
  // The parent: run this same file again as the child. fd 0 and 1 become channels
  // to us; fd 2 is inherited, so the child's logs reach our terminal unchanged.
  const child = spawn(
    process.execPath,
    [...process.execArgv, import.meta.filename, 'child'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const replies = createInterface({ input: child.stdout });
  let answered = 0;
  replies.on('line', (reply) => {
    console.log(`parent ${process.pid} got ${JSON.stringify(reply)}`);
    if (++answered === 3) child.stdin.end(); // end-of-file on the child's stdin: it exits
  });
  child.on('exit', (code) => console.log(`child exited with code ${code}`));
  child.stdin.write('ping\nping\nhello\n');
}
