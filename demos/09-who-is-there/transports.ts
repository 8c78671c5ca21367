/**
 * Lesson 09 · the three places the cookie server can listen, and how its client
 * reaches each: lessons 01, 07 and 08, put side by side. What differs is who
 * else can connect: only you (a socket file in the private folder), anyone in
 * the network namespace (an abstract name), anyone on the machine and any
 * browser tab (TCP on 127.0.0.1).
 */
import net from 'node:net';
import { once } from 'node:events';
import { errorMessage, fail, parseInteger } from '../common/cli.ts';
import {
  connectOrExit,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { abstractAddressOrExit } from '../07-abstract-sockets/abstract-name.ts';

export interface Where {
  transport: string; // tcp | abstract | file
  port?: string | undefined;
  name: string;
  socket: string;
}

function wrongTransport(transport: string): Error {
  return new Error(
    `--transport must be tcp, abstract or file, got "${transport}"`,
  );
}

/** Listens where the flags say; resolves with the address to print. */
export async function listenOn(
  server: net.Server,
  where: Where,
): Promise<string> {
  if (where.transport === 'file') {
    await listenOnSocketFile(server, where.socket); // private folder, 0600 from birth
    return where.socket;
  }
  if (where.transport === 'abstract') {
    server.listen(abstractAddressOrExit(where.name)); // no file, no permissions: anyone may connect
  } else if (where.transport === 'tcp') {
    const port = parseInteger(where.port ?? '0', 'port', 0, 65535);
    server.listen({ port, host: '127.0.0.1' }); // every local user, and every browser tab, can connect
  } else {
    throw wrongTransport(where.transport);
  }
  try {
    await once(server, 'listening');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new Error(
      'the address is taken (EADDRINUSE): another server, or another user squatting it; choose another --name or --port',
    );
  }
  const address = server.address();
  return typeof address === 'object' && address
    ? `127.0.0.1:${address.port}`
    : `@${where.name}`;
}

/** Connects where the flags say, or exits with one line saying what to do. */
export async function connectTo(
  where: Where,
  startHint: string,
): Promise<{ socket: net.Socket; address: string }> {
  if (where.transport === 'file') {
    // The file's owner is checked before connect(): lesson 01's runtime-dir.ts.
    const socket = await connectOrExit(where.socket, startHint);
    return { socket, address: where.socket };
  }
  let socket: net.Socket;
  let address: string;
  if (where.transport === 'abstract') {
    socket = net.connect(abstractAddressOrExit(where.name));
    address = `@${where.name}`;
  } else if (where.transport === 'tcp') {
    if (where.port === undefined)
      fail(`--port is missing: the server prints it (${startHint})`);
    const port = parseInteger(where.port, 'port', 1, 65535);
    socket = net.connect(port, '127.0.0.1');
    address = `127.0.0.1:${port}`;
  } else {
    fail(wrongTransport(where.transport).message);
  }
  try {
    await once(socket, 'connect');
  } catch (error) {
    fail(
      `nobody answers on ${address} (${errorMessage(error)}): start the server with: ${startHint}`,
    );
  }
  return { socket, address };
}
