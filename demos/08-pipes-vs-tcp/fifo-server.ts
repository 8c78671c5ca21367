/**
 * Lesson 08 · the server's FIFO transport: one conversation at a time over the
 * pair of named pipes that fifos.ts makes, answered by server.ts's `serve`.
 */
import net from 'node:net';
import { closeSync, constants, openSync } from 'node:fs';
import { errorMessage, fail } from '../common/cli.ts';
import {
  claimFifoDir,
  createFifos,
  fifoPaths,
  openFifo,
  releaseConversation,
} from './fifos.ts';

/** server.ts's `serve`: answers the lines from `input` on `output`. */
export type Serve = (
  input: net.Socket,
  output: net.Socket,
  name: string,
) => (chunk: Buffer) => void;

// #region fifos
/**
 * fifo: no accept(), so one client at a time (the busy file). Until the first
 * ping we hold to-client read-write, so a client's blocking read() waits instead
 * of seeing EOF; then we open it write-only, so a client that leaves makes our
 * write fail (EPIPE) instead of stalling us. Each conversation gets fresh FIFOs.
 */
export function serveFifos(dir: string, serve: Serve): string {
  const cleanup = claimFifoDir(dir);
  const { toServer, toClient } = fifoPaths(dir);
  let clientsSoFar = 0;
  let ends: net.Socket[] = [];
  let holdOpen: number | undefined;
  const letGo = (): void => {
    if (holdOpen !== undefined) closeSync(holdOpen);
    holdOpen = undefined;
  };
  const nextConversation = (): void => {
    createFifos(dir);
    holdOpen = openSync(toClient, constants.O_RDWR | constants.O_NONBLOCK);
    const input = openFifo(toServer, 'read');
    releaseConversation(dir); // the next client may come
    const name = `client ${++clientsSoFar}`;
    ends = [input];
    const finish = (why: string): void => {
      if (ends[0] !== input) return; // finished already
      for (const end of ends) end.destroy(); // unread pings, unsent pongs: gone
      letGo();
      try {
        nextConversation();
      } catch (error) {
        cleanup(); // someone removed or replaced our folder meanwhile
        fail(`could not make fresh FIFOs in ${dir}: ${errorMessage(error)}`);
      }
      console.log(`${name} ${why}: made fresh FIFOs for the next client`);
    };
    input.on('end', () => ends.length === 1 && finish('left without a ping'));
    input.once('data', (first: Buffer) => {
      let output: net.Socket;
      try {
        output = openFifo(toClient, 'write'); // ENXIO: nobody but us reads it
      } catch (error) {
        return finish(`is not reading ${toClient} (${errorMessage(error)})`);
      }
      letGo();
      ends.push(output);
      console.log(`${name} started writing to ${toServer}`);
      input.on('end', () => output.end()); // EOF: the last pongs go out, then close
      output.on('close', () => finish('left'));
      serve(input, output, name)(first);
    });
  };
  nextConversation();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: closing the FIFOs and removing what we made`);
      for (const end of ends) end.destroy();
      letGo();
      cleanup();
      process.exit(0);
    });
  }
  return `${dir} (FIFOs to-server and to-client)`;
}
// #endregion fifos
