/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      headline:
        '05 · three clients at once, one thread: watch the server count them in and out',
      steps: [
        {
          script: 'client.ts',
          args: [
            '--socket',
            '{socket}',
            '--clients',
            '3',
            '--count',
            '2',
            '--verbose',
          ],
          expect: ['pongs: 6 of 6, all on the right connection'],
        },
      ],
      serverExpect: ['disconnected: .*\\(0 clients\\)'],
    },
    {
      headline:
        '05 · a thousand clients × 10 pings (server --quiet summarises)',
      server: {
        args: ['--socket', '{socket}', '--quiet'],
      },
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--clients', '1000', '--count', '10'],
          expect: [
            '1000 connected, 0 failed',
            'pongs: 10000 of 10000, all on the right connection',
          ],
        },
      ],
      serverExpect: ['0 clients: 1000 came and went'],
    },
    {
      headline:
        '05 · --max-clients 1: a second client is refused with a clear message',
      server: {
        args: ['--socket', '{socket}', '--max-clients', '1'],
      },
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--clients', '1', '--hold'],
          // Connected, pinged, and holding on: the server is full until we let go.
          background: true,
          waitForLine: '^holding 1 connection open',
          stopWith: 'SIGTERM',
          expect: ['SIGTERM: leaving'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--clients', '1', '--count', '1'],
          expect: ['server full'],
          exitCode: 1,
        },
      ],
    },
  ],
} satisfies TourScript;
