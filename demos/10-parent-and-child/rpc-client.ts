/**
 * Lesson 10 · the parent's half of JSON-RPC: send requests with fresh ids, and
 * give each response to whoever waits for that id, in whatever order they come.
 */
import type { Readable, Writable } from 'node:stream';
import { FrameReader, encodeFrame } from './framing.ts';
import type { Id, Response } from './json-rpc.ts';

type Waiting = {
  resolve: (response: Response) => void;
  reject: (error: Error) => void;
};

// #region client
export class RpcClient {
  private nextId = 1;
  /** Requests sent and not answered yet, by id. */
  private readonly pending = new Map<Id, Waiting>();
  private readonly output: Writable;

  /** `onBroken` hears why the other side's output is not framed (a stray log line?). */
  constructor(
    input: Readable,
    output: Writable,
    onBroken: (reason: string) => void,
  ) {
    this.output = output;
    const frames = new FrameReader();
    input.on('data', (chunk: Buffer) => {
      for (const event of frames.push(chunk)) {
        if (event.kind === 'broken') onBroken(event.reason);
        else if (event.kind === 'too-large')
          onBroken(`a ${event.length}-byte message, over our cap`);
        else this.deliver(event.text, onBroken);
      }
    });
  }

  /** Sends a request; resolves with the response that carries its id, whenever it comes. */
  request(method: string, params?: unknown): Promise<Response> {
    const id = this.nextId++;
    return this.expect(id, () =>
      this.send(JSON.stringify({ jsonrpc: '2.0', id, method, params })),
    );
  }

  /** A notification has no id: nothing will come back, not even an error. */
  notify(method: string, params?: unknown): void {
    this.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** Sends any body, and waits for the response with `id` (null: an error that could not name its request). */
  expect(id: Id, sendIt: () => void): Promise<Response> {
    const response = new Promise<Response>((resolve, reject) =>
      this.pending.set(id, { resolve, reject }),
    );
    sendIt();
    return response;
  }

  send(body: string): void {
    this.output.write(encodeFrame(body));
  }

  /** The other side is gone: what is still pending will never be answered, so fail it. */
  closed(why: string): void {
    for (const [id, waiting] of this.pending)
      waiting.reject(new Error(`${why} before answering request ${id}`));
    this.pending.clear();
  }

  private deliver(body: string, onBroken: (reason: string) => void): void {
    let response: Response;
    try {
      response = JSON.parse(body) as Response;
    } catch {
      return onBroken(
        `a body that is not JSON: ${JSON.stringify(body.slice(0, 40))}`,
      );
    }
    const waiting = this.pending.get(response.id);
    this.pending.delete(response.id);
    if (waiting) waiting.resolve(response);
    else
      console.log(
        `  unexpected response: ${JSON.stringify(response).slice(0, 80)}`,
      );
  }
}
// #endregion client
