/**
 * The tour (`npm start`, `npm run lesson -- NN`): runs each lesson's pair, labels
 * both sides, and names the lesson whose pair did not ping-pong.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DemoProcess, REPO_ROOT, tempDir } from './harness/index.ts';

const TOUR = join(REPO_ROOT, 'test', 'tools', 'tour.ts');

const fixtureServer = `
import net from 'node:net';
const path = process.argv[process.argv.indexOf('--socket') + 1] ?? '';
const clients = new Set<net.Socket>();
const server = net.createServer((socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  socket.on('data', (data) => {
    process.stdout.write('got ' + String(data));
    socket.end('pong\\n');
  });
});
server.listen(path, () => console.log('listening on ' + path));
process.on('SIGTERM', () => {
  for (const client of clients) client.destroy();
  server.close(() => process.exit(0));
});
`;

const fixtureClient = (exitCode: number): string => `
import net from 'node:net';
const path = process.argv[process.argv.indexOf('--socket') + 1] ?? '';
const socket = net.connect(path, () => socket.write('ping\\n'));
socket.on('data', (data) => process.stdout.write(String(data)));
socket.on('close', () => process.exit(${exitCode}));
`;

/** A demos/ folder of made-up lessons: name → client exit code, plus an optional tour script. */
function fixtureDemos(
  lessons: Record<string, { clientExit: number; tour?: object }>,
): string {
  const demos = join(tempDir(), 'demos');
  mkdirSync(demos);
  writeFileSync(join(demos, '..', 'package.json'), '{"type":"module"}');
  for (const [name, { clientExit, tour }] of Object.entries(lessons)) {
    mkdirSync(join(demos, name));
    writeFileSync(join(demos, name, 'server.ts'), fixtureServer);
    writeFileSync(join(demos, name, 'client.ts'), fixtureClient(clientExit));
    if (tour)
      writeFileSync(
        join(demos, name, 'tour.ts'),
        `export default ${JSON.stringify({ runs: [tour] })};\n`,
      );
  }
  return demos;
}

async function runTour(
  args: string[],
  timeoutMs = 60_000,
): Promise<DemoProcess> {
  const tour = new DemoProcess(TOUR, args);
  await tour.waitForExit(timeoutMs);
  return tour;
}

describe('the tour', () => {
  it('runs each lesson in order, labels the server and the client, and names the lesson whose pair failed', async () => {
    const demos = fixtureDemos({
      '01-first': { clientExit: 0 },
      '02-broken': { clientExit: 3 },
      '03-third': { clientExit: 0 },
    });
    const tour = await runTour(['--demos', demos]);
    expect(tour.exitStatus?.code, tour.output).toBe(1);
    expect(tour.output).toMatch(
      /▶ 01-first[\s\S]*\[server\] listening on[\s\S]*\[client\] pong[\s\S]*▶ 02-broken[\s\S]*▶ 03-third/,
    );
    expect(tour.output).toContain('[server] got ping');
    expect(tour.output).toContain(
      '✘ 02-broken failed: client.ts exited with code 3',
    );
    expect(tour.output).toContain('The tour failed for: 02-broken');
    expect(tour.output).not.toContain('\x1b['); // no colour when stdout is not a terminal
  });

  it('runs one lesson with --lesson (npm run lesson -- NN), following its tour script: steps, arguments, expected output', async () => {
    const tour = {
      headline: 'a custom headline',
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{socket}'],
          expect: ['pong'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{address}'],
          expect: ['no such line'],
        },
      ],
    };
    const demos = fixtureDemos({
      '01-first': { clientExit: 0 },
      '02-custom': { clientExit: 0, tour },
    });
    const run = await runTour(['--demos', demos, '--lesson', '02']);
    expect(run.output).not.toContain('01-first');
    expect(run.output).toContain('▶ 02-custom: a custom headline');
    expect(run.output).toContain('client.ts never printed /no such line/');
    expect(run.exitStatus?.code, run.output).toBe(1);
  });
});
