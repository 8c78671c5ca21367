/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--count', '5'],
          expect: ['^pong 5 in', '5 pings, 5 pongs'],
        },
        {
          script: 'awkward.ts',
          args: ['--socket', '{socket}'],
          expect: [
            '← pong 3',
            '← pong 4',
            '← error unknown command',
            '← error line longer than 65536 bytes',
            '← pong 5',
          ],
        },
      ],
      serverExpect: ['line longer than 65536 bytes, closing its connection'],
    },
  ],
} satisfies TourScript;
