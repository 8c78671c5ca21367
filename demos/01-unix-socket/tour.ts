/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{socket}'],
          expect: ['sent "ping"'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--message', 'hello, daemon'],
          waitForServer: 'sent 5 bytes',
        },
        {
          script: 'server.ts',
          args: ['--socket', '{socket}'],
          exitCode: 1,
          expect: ['already listening'],
          waitForServer: 'hello, daemon',
        },
        {
          script: 'client.ts',
          args: ['--socket', '{dir}/nobody-home.sock'],
          exitCode: 1,
          expect: ['no socket file'],
        },
      ],
      serverExpect: ['hello, daemon'],
    },
  ],
} satisfies TourScript;
