/** How `npm start` drives this lesson (see test/tools/tour-script.ts). */
import type { TourScript } from '../../test/tools/tour-script.ts';

export default {
  runs: [
    {
      headline:
        '09 · what not to do: the naive pair on a predictable path (lesson 09 shows who else can answer)',
      server: { script: 'naive-server.ts', args: ['--socket', '{socket}'] },
      steps: [
        {
          script: 'naive-client.ts',
          args: ['--socket', '{socket}'],
          expect: ['ping 1 → "pong 1"'],
        },
      ],
      serverExpect: ['client 1: "ping 2"'],
    },
    {
      headline:
        '09 · a socket file: the client checks the owner, then both sides prove they know the cookie',
      server: {
        args: [
          '--transport',
          'file',
          '--socket',
          '{socket}',
          '--cookie',
          '{dir}/cookie',
        ],
      },
      steps: [
        {
          script: 'client.ts',
          args: [
            '--transport',
            'file',
            '--socket',
            '{socket}',
            '--cookie',
            '{dir}/cookie',
          ],
          expect: ['proved it knows the cookie', '3 pings, 3 pongs'],
        },
      ],
      serverExpect: ['client 1 authenticated'],
    },
    {
      headline:
        '09 · an abstract name: anyone may connect, only the cookie gets in',
      server: {
        args: [
          '--transport',
          'abstract',
          '--name',
          '{dir}',
          '--cookie',
          '{dir}/cookie',
        ],
      },
      steps: [
        {
          script: 'client.ts',
          args: [
            '--transport',
            'abstract',
            '--name',
            '{dir}',
            '--cookie',
            '{dir}/cookie',
          ],
          expect: ['3 pings, 3 pongs'],
        },
      ],
      serverExpect: ['client 1 authenticated'],
    },
  ],
} satisfies TourScript;
