/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      steps: [
        {
          script: 'watch.ts',
          args: ['--socket', '{socket}'],
          background: true,
          stopWith: 'SIGINT',
          expect: [
            'subscribed: count is 0',
            'update: count is 1',
            'update: count is 2',
            'SIGINT: stopped watching',
          ],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--ping'],
          waitForServer: 'client 1 subscribed',
          expect: ['pong: count is 1'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--ping'],
          expect: ['pong: count is 2'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--get'],
          expect: ['count is 2'],
        },
      ],
      serverExpect: ['client 1 disconnected'],
    },
  ],
} satisfies TourScript;
