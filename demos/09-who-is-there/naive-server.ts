/**
 * Lesson 09 · WHAT NOT TO DO. A deliberately naive ping-pong server, kept to be
 * attacked. It listens on a predictable address that any user on the machine
 * can take first, reach, or tamper with:
 *
 *   --transport file       /tmp/ping-pong-naive.sock, in the shared, world-writable /tmp
 *   --transport abstract   @ping-pong-naive: no file, no permissions at all
 *   --transport tcp        127.0.0.1:7009: every local user, and every web page in a browser
 *   --transport fifo       /tmp/ping-pong-naive-fifos/: a folder it takes as it finds it
 *
 * and it checks nothing: not who made the folder, not who connects. Compare
 * server.ts, and lesson 01's runtime-dir.ts, for what to do instead.
 */
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fail, parseCli, parseInteger, usageError } from '../common/cli.ts';
import { readLines } from '../04-bidirectional/lines.ts';
import { answer, send } from '../04-bidirectional/ping-protocol.ts';
import { NAIVE } from './naive-addresses.ts';

const flags = parseCli({
  usage: 'npx tsx demos/09-who-is-there/naive-server.ts',
  summary:
    'WHAT NOT TO DO: a ping-pong server on a predictable address, with no checks.',
  flags: {
    transport: {
      type: 'string',
      valueName: 'file|abstract|tcp|fifo',
      default: 'file',
      description: 'where to listen',
    },
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: NAIVE.socket,
      description: 'socket file',
    },
    name: {
      type: 'string',
      valueName: 'NAME',
      default: NAIVE.name,
      description: 'abstract name',
    },
    port: {
      type: 'string',
      valueName: 'N',
      default: NAIVE.port,
      description: 'TCP port on 127.0.0.1',
    },
    'fifo-dir': {
      type: 'string',
      valueName: 'DIR',
      default: NAIVE.fifoDir,
      description: 'FIFO folder',
    },
  },
});

if (!['file', 'abstract', 'tcp', 'fifo'].includes(flags.transport))
  usageError(
    `--transport must be file, abstract, tcp or fifo, got "${flags.transport}"`,
  );
let stop = (): void => process.exit(0); // the FIFOs stay behind: naive
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(signal, () => stop());

let clientsSoFar = 0;
/** Lesson 04's protocol, with every request logged (escaped: a client's bytes never reach the terminal raw). */
function serve(stream: net.Socket, reply: net.Socket = stream): void {
  const who = `client ${++clientsSoFar}`;
  stream.on('error', () => {});
  readLines(stream, (line) => {
    console.log(`${who}: ${JSON.stringify(line)}`);
    const response = answer(line);
    if (response !== undefined) send(reply, response);
  });
}

if (flags.transport === 'fifo') {
  // Naive: mkdir -p accepts a folder that is already there, whoever made it, and
  // mkfifo is skipped when a file of that name exists. Then nobody checks again.
  const dir = flags['fifo-dir'];
  mkdirSync(dir, { recursive: true });
  for (const name of ['to-server', 'to-client'])
    if (!existsSync(join(dir, name))) execFileSync('mkfifo', [join(dir, name)]);
  const open = (name: string): net.Socket =>
    new net.Socket({
      fd: openSync(join(dir, name), constants.O_RDWR | constants.O_NONBLOCK),
    });
  serve(open('to-server'), open('to-client'));
  console.log(
    `naive server listening on ${dir}/ (FIFOs to-server and to-client)`,
  );
} else {
  const server = net.createServer((socket) => serve(socket));
  server.on('error', (error) => fail(`naive server: ${error.message}`)); // EADDRINUSE: someone got there first
  if (flags.transport === 'file') server.listen(flags.socket);
  else if (flags.transport === 'abstract') server.listen(`\0${flags.name}`);
  else server.listen(parseInteger(flags.port, 'port', 0, 65535), '127.0.0.1');
  stop = () => {
    server.close(); // closes the listening socket at once, and libuv unlinks its file
    process.exit(0); // connected clients go with the process
  };
  server.on('listening', () => {
    const address = server.address(); // the port the kernel gave, if --port 0
    const shown =
      typeof address === 'object' && address
        ? `127.0.0.1:${address.port}`
        : flags.transport === 'abstract'
          ? `@${flags.name}`
          : flags.socket;
    console.log(`naive server listening on ${shown}`);
  });
}
