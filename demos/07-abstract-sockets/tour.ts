/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      server: {
        args: ['--name', '{dir}'],
      },
      steps: [
        {
          script: 'client.ts',
          args: ['--name', '{dir}'],
          expect: ['ping → "pong"'],
        },
        {
          script: 'server.ts',
          args: ['--name', '{dir}'],
          exitCode: 1,
          expect: ['already listening on @.*EADDRINUSE'],
        },
      ],
      serverExpect: ['client 1 disconnected'],
    },
  ],
} satisfies TourScript;
