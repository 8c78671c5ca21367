/**
 * Lesson 09 · WHAT NOT TO DO. The naive server's client: it goes to the
 * predictable address and believes whoever answers. No owner check, no symlink
 * check, no cookie: an impostor gets its pings and it prints the impostor's
 * pongs, and exits 0 as if all were well. Compare client.ts.
 */
import net from 'node:net';
import { once } from 'node:events';
import { constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  errorMessage,
  fail,
  parseCli,
  parseInteger,
  usageError,
} from '../common/cli.ts';
import { LineQueue } from '../04-bidirectional/lines.ts';
import { NAIVE } from './naive-addresses.ts';

const flags = parseCli({
  usage: 'npx tsx demos/09-who-is-there/naive-client.ts',
  summary:
    'WHAT NOT TO DO: pings a predictable address and trusts whoever answers.',
  flags: {
    transport: {
      type: 'string',
      valueName: 'file|abstract|tcp|fifo',
      default: 'file',
      description: 'how to reach the server',
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

let write: (text: string) => void;
let replies: LineQueue;
if (flags.transport === 'fifo') {
  // Blocking open()s: each waits for whoever holds the other end. Whoever that is.
  const toServer = openSync(
    join(flags['fifo-dir'], 'to-server'),
    constants.O_WRONLY,
  );
  const toClient = openSync(
    join(flags['fifo-dir'], 'to-client'),
    constants.O_RDONLY,
  );
  write = (text) => void writeSync(toServer, text);
  replies = new LineQueue(
    new net.Socket({ fd: toClient, readable: true, writable: false }),
  );
} else {
  let socket: net.Socket;
  if (flags.transport === 'file')
    socket = net.connect(flags.socket); // connect() follows symlinks
  else if (flags.transport === 'abstract')
    socket = net.connect(`\0${flags.name}`);
  else if (flags.transport === 'tcp')
    socket = net.connect(
      parseInteger(flags.port, 'port', 1, 65535),
      '127.0.0.1',
    );
  else
    usageError(
      `--transport must be file, abstract, tcp or fifo, got "${flags.transport}"`,
    );
  try {
    await once(socket, 'connect');
  } catch (error) {
    fail(`could not connect: ${errorMessage(error)}`);
  }
  write = (text) => void socket.write(text);
  replies = new LineQueue(socket);
}

for (const request of ['ping 1', 'ping 2']) {
  write(`${request}\n`);
  const reply = (await replies.next()) ?? fail('the other end hung up');
  console.log(`${request} → ${JSON.stringify(reply)}`); // whatever it says, we believe it
}
process.exit(0);
