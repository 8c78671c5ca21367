/**
 * Lesson 08 · how the client reaches the server over each transport. Whatever the
 * transport, it ends with two byte streams: `input` (pongs) and `output` (pings).
 */
import net from 'node:net';
import { once } from 'node:events';
import { explainConnectError } from '../01-unix-socket/socket-file.ts';
import { fifoPaths, openFifo } from './fifos.ts';

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

// #region connect-socket
async function connectSocket(
  transport: 'unix' | 'tcp',
  address: Address,
): Promise<Connection> {
  const port = Number(/(\d+)$/.exec(address.port)?.[1]);
  const where = transport === 'unix' ? address.socket : `127.0.0.1:${port}`;
  const socket =
    transport === 'unix'
      ? net.connect(address.socket)
      : net.connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
  } catch (error) {
    // #region explain-error
    const code = (error as NodeJS.ErrnoException).code;
    if (transport === 'tcp' && code === 'ECONNREFUSED') {
      throw new Error(
        `nobody is listening on ${where}: start the server with: ${startHint(transport)}, and pass the port it prints`,
      );
    }
    throw new Error(
      explainConnectError(
        error as NodeJS.ErrnoException,
        where,
        startHint(transport),
      ),
    );
    // #endregion explain-error
  }
  // Without this, Node leaves Nagle's algorithm on for TCP (net's default).
  if (transport === 'tcp') socket.setNoDelay(address.noDelay);
  return { input: socket, output: socket, close: () => socket.end() };
}
// #endregion connect-socket

// #region connect-fifo
/**
 * No connect() for FIFOs: we open the server's two files. to-client first, for
 * reading, which never waits; then to-server for writing, which fails with ENXIO
 * unless a server has it open for reading: the closest a FIFO gets to ECONNREFUSED.
 */
function connectFifos(dir: string): Connection {
  const { toServer, toClient } = fifoPaths(dir);
  let input: net.Socket;
  let output: net.Socket;
  try {
    input = openFifo(toClient, 'read');
    try {
      output = openFifo(toServer, 'write');
    } catch (error) {
      input.destroy();
      throw error;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new Error(
        `no FIFOs in ${dir}: is the server running? Start it with: ${startHint('fifo')}`,
      );
    if (code === 'ENXIO')
      throw new Error(
        `nobody is reading ${toServer}: start the server with: ${startHint('fifo')}`,
      );
    throw new Error(
      `could not open the FIFOs in ${dir}: ${(error as Error).message}`,
    );
  }
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
