/**
 * Lesson 08 · how the client reaches the server over each transport. Whatever the
 * transport, it ends with two byte streams: `input` (pongs) and `output` (pings).
 */
import net from 'node:net';
import { once } from 'node:events';
import { connectOrExit } from '../01-unix-socket/socket-file.ts';
import { checkPrivateDir } from '../01-unix-socket/runtime-dir.ts';
import {
  claimConversation,
  fifoPaths,
  openFifo,
  releaseConversation,
} from './fifos.ts';

export type Transport = 'fifo' | 'unix' | 'tcp';

export interface Connection {
  input: net.Socket;
  output: net.Socket;
  close(): void;
}

export interface Address {
  socket: string;
  /** `41234` or what the server printed: `tcp://127.0.0.1:41234`. */
  port: string;
  fifoDir: string;
  noDelay: boolean;
}

const startHint = (transport: Transport): string =>
  `npx tsx demos/08-pipes-vs-tcp/server.ts --transport ${transport}`;

/*
 * unix: lesson 01's connectOrExit, which checks that the socket file is ours
 * before it connects. tcp: no file, no owner to check; anyone on this machine
 * may listen on a port (lesson 09 shows what that costs, and the cure).
 */
// #region connect-socket
async function connectSocket(
  transport: 'unix' | 'tcp',
  address: Address,
): Promise<Connection> {
  if (transport === 'unix') {
    const socket = await connectOrExit(address.socket, startHint('unix'));
    return { input: socket, output: socket, close: () => socket.end() };
  }
  const port = Number(/(\d+)$/.exec(address.port)?.[1]);
  const socket = net.connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
  } catch (error) {
    // #region explain-error
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ECONNREFUSED'
        ? `nobody is listening on 127.0.0.1:${port}: start the server with: ${startHint('tcp')}, and pass the port it prints`
        : `could not connect to 127.0.0.1:${port}: ${(error as Error).message}`,
    );
    // #endregion explain-error
  }
  // Without this, Node leaves Nagle's algorithm on for TCP (net's default).
  socket.setNoDelay(address.noDelay);
  return { input: socket, output: socket, close: () => socket.end() };
}
// #endregion connect-socket

// #region connect-fifo
/**
 * No connect() for FIFOs. We check the folder is ours (like lesson 01's private
 * folder), claim the conversation (fifos.ts), then open to-client for reading,
 * which never waits, and to-server for writing, which fails with ENXIO unless a
 * server has it open for reading: the closest a FIFO gets to ECONNREFUSED.
 */
async function connectFifos(dir: string): Promise<Connection> {
  const { toServer, toClient } = fifoPaths(dir);
  const opened: net.Socket[] = [];
  let claimed = false;
  try {
    checkPrivateDir(dir); // a symlink or someone else's folder: refused
    await claimConversation(dir);
    claimed = true;
    opened.push(openFifo(toClient, 'read'));
    opened.push(openFifo(toServer, 'write'));
  } catch (error) {
    for (const end of opened) end.destroy();
    if (claimed) releaseConversation(dir);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new Error(
        `no FIFOs in ${dir}: is the server running? Start it with: ${startHint('fifo')}`,
      );
    if (code === 'ENXIO')
      throw new Error(
        `nobody is reading ${toServer}: start the server with: ${startHint('fifo')}`,
      );
    throw error;
  }
  const [input, output] = opened as [net.Socket, net.Socket];
  // Closing our write end is the only goodbye a FIFO has: the server reads EOF.
  return {
    input,
    output,
    close: () => {
      output.end();
      input.destroy();
    },
  };
}
// #endregion connect-fifo

export async function connectTo(
  transport: Transport,
  address: Address,
): Promise<Connection> {
  return transport === 'fifo'
    ? connectFifos(address.fifoDir)
    : connectSocket(transport, address);
}
