/**
 * `npm run slides`: builds the deck, serves it on localhost and prints the URL.
 *
 * Every page load rebuilds from `slides/*.md` and the demos, so an edit shows on reload.
 * If a rebuild fails (a region was renamed mid-talk), the last good deck keeps being
 * served and the error is printed here. Same conventions as the demos: one
 * `listening on` line once it accepts connections, exit 0 on SIGINT/SIGTERM.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fail, parseCli, parseInteger } from '../demos/common/cli.ts';
import { SlideBuildError, writeDeck } from './build.ts';

const flags = parseCli({
  usage: 'npm run slides --',
  summary:
    'Builds the workshop deck and serves it on 127.0.0.1; open the printed URL and press s for the speaker view.',
  flags: {
    port: {
      type: 'string',
      default: '8000',
      valueName: 'PORT',
      description: 'the port to listen on (0: any free port)',
    },
  },
});
const port = parseInteger(flags.port, 'port', 0, 65535);

/** Builds the deck; on a slide mistake, says which file and line and returns undefined. */
function build(): string | undefined {
  try {
    return writeDeck().html;
  } catch (error) {
    if (!(error instanceof SlideBuildError)) throw error;
    process.stderr.write(`slides: ${error.message}\n`);
    return undefined;
  }
}

let lastGood =
  build() ?? fail('slides: fix the slide above, then run npm run slides again');

const server = http.createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (path !== '/' && path !== '/index.html') {
    response
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      .end('not found: the deck is at /\n');
    return;
  }
  lastGood = build() ?? lastGood;
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : lastGood);
});

server.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE')
    fail(
      `port ${port} is in use: stop what runs there, or pass --port with another number`,
    );
  fail(`cannot serve the slides: ${error.message}`);
});

server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address() as AddressInfo;
  console.log(
    `listening on http://127.0.0.1:${actual}/ (s: speaker view, ?print-pdf: print to PDF; Ctrl-C stops)`,
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
