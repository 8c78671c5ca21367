/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      headline:
        '03 · the polling loop keeps ticking past a silent client and serves the others at once',
      server: {
        args: ['--socket', '{socket}', '--interval', '200'],
      },
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--hold', '--message', 'ping from 1'],
          background: true,
          stopWith: 'SIGTERM',
          expect: ['SIGTERM: leaving'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--message', 'ping from 2'],
          waitForServer: 'client 1 connected',
          expect: ['sent ping from 2'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--message', 'ping from 3'],
          waitForServer: 'client 2: left',
          expect: ['sent ping from 3'],
        },
      ],
      serverExpect: [
        'client 3: "ping from 3"',
        'client 1: "ping from 1"',
        'client 1: left',
      ],
    },
  ],
} satisfies TourScript;
