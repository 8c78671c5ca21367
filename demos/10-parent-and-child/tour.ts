/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      server: { args: ['--socket', '{socket}', '--workers', '2'] },
      steps: [
        {
          script: 'bare.ts',
          expect: ['parent \\d+ got "pong"', 'child exited with code 0'],
        },
        {
          script: 'deadlock.ts',
          expect: ['has not exited: deadlock', 'we read all 1048576 bytes'],
        },
        {
          script: 'parent.ts',
          expect: [
            'id 3: "pong overtaking"',
            'id 4: "pong żółw 🐢"',
            'error -32601',
            'error -32700',
            'error -32600',
          ],
        },
        {
          script: 'fork.ts',
          expect: ["map: Map\\(1\\) \\{ 'a' => 1 \\}", 'inOrder: true'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--clients', '6'],
          expect: ['^6 clients, answered by 2 workers'],
        },
      ],
    },
  ],
} satisfies TourScript;
