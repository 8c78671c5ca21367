/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      headline:
        "02 · a silent client stalls the blocking loop: client 2's ping waits until client 1 leaves",
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--hold', '--message', 'ping from 1'],
          background: true,
          stopWith: 'SIGTERM',
          expect: ['SIGTERM: leaving', 'sent ping from 1'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--message', 'ping from 2'],
          waitForServer: 'client 1 connected',
          expect: ['sent ping from 2'],
        },
      ],
      serverExpect: [
        'client 1 left',
        'tick 1',
        'client 2 says: "ping from 2"',
        'tick 2',
      ],
    },
    {
      headline:
        "02 · a synchronous call (execSync('sleep 1')) freezes ticks and clients alike",
      server: {
        script: 'freeze.ts',
        args: ['--socket', '{socket}', '--seconds', '1', '--tick', '300'],
      },
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{socket}', '--message', 'freeze'],
          waitForServer: 'tick 1 ',
          expect: ['sent freeze'],
        },
        {
          script: 'client.ts',
          args: ['--socket', '{socket}'],
          waitForServer: 'freezing',
          expect: ['sent ping'],
        },
      ],
      serverExpect: ['thawed after', 'client 2 says: "ping"'],
    },
  ],
} satisfies TourScript;
