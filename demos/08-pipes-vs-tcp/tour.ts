/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      headline: '08 · the same ping-pong over a Unix socket',
      server: {
        args: ['--transport', 'unix', '--socket', '{socket}'],
      },
      steps: [
        {
          script: 'client.ts',
          args: ['--socket', '{address}', '--count', '2000'],
          expect: ['2000 round trips over unix'],
        },
      ],
    },
    {
      headline:
        '08 · over TCP on 127.0.0.1, with TCP_NODELAY, then with Nagle left on and pings written in two parts',
      server: {
        args: ['--transport', 'tcp'],
      },
      steps: [
        {
          script: 'client.ts',
          args: [
            '--transport',
            'tcp',
            '--port',
            '{address}',
            '--count',
            '2000',
          ],
          expect: ['2000 round trips over tcp'],
        },
        {
          script: 'client.ts',
          args: [
            '--transport',
            'tcp',
            '--port',
            '{address}',
            '--count',
            '10',
            '--split',
            '--nagle',
          ],
          expect: ['10 round trips over tcp'],
        },
      ],
    },
    {
      headline: '08 · over two named pipes: one client, then the next',
      server: {
        args: ['--transport', 'fifo', '--fifo-dir', '{dir}/fifos'],
      },
      steps: [
        {
          script: 'client.ts',
          args: [
            '--transport',
            'fifo',
            '--fifo-dir',
            '{dir}/fifos',
            '--count',
            '2000',
          ],
          expect: ['2000 round trips over fifo'],
        },
        {
          script: 'client.ts',
          args: [
            '--transport',
            'fifo',
            '--fifo-dir',
            '{dir}/fifos',
            '--count',
            '2000',
          ],
          waitForServer: 'made fresh FIFOs',
          expect: ['2000 round trips over fifo'],
        },
      ],
    },
    {
      headline:
        '08 · npm run bench, a short run: unix only, Node beside C (numbers rough)',
      server: {
        args: ['--transport', 'unix', '--socket', '{socket}'],
      },
      steps: [
        {
          script: 'bench/bench.ts',
          args: [
            ...['--transport', 'unix', '--count', '1000'],
            ...['--svg', '{dir}/bench.svg'],
          ],
          expect: ['transport +scenario', 'unix +strict 5 B'],
        },
      ],
    },
  ],
} satisfies TourScript;
