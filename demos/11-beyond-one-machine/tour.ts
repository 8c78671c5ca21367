/**
 * How `npm start` drives this lesson (see test/tools/tour-script.ts). The
 * "server" of each run is local-nats.ts: nats-server processes on random
 * loopback ports, stopped with the run; `{address}` is their URL list.
 */
import type { TourScript } from '../../test/tools/tour-script.ts';

const requires = {
  command: 'nats-server',
  install: 'apt-get install nats-server (or brew install nats-server)',
};

export default {
  runs: [
    {
      headline: 'Request/reply over NATS: two pong workers share the pings',
      requires,
      server: { script: 'local-nats.ts', args: [], label: 'nats' },
      steps: [
        {
          script: 'server.ts',
          label: 'pong w1',
          args: ['--server', '{address}', '--name', 'w1'],
          background: true,
          waitForLine: 'listening on ping',
          stopWith: 'SIGINT',
          expect: ['SIGINT: w1 leaves the group'],
        },
        {
          script: 'server.ts',
          label: 'pong w2',
          args: ['--server', '{address}', '--name', 'w2'],
          background: true,
          waitForLine: 'listening on ping',
          stopWith: 'SIGINT',
          expect: ['SIGINT: w2 leaves the group'],
        },
        {
          script: 'client.ts',
          label: 'ping',
          args: ['--server', '{address}', '--count', '6'],
          expect: ['pong 1 from w', '6 pings answered'],
        },
      ],
      serverExpect: ['listening on'],
    },
    {
      headline:
        "Lesson 06's daemon, bridged onto a cluster of three nats-servers",
      requires,
      server: {
        script: 'local-nats.ts',
        args: ['--nodes', '3'],
        label: 'nats',
      },
      steps: [
        {
          script: '../06-subscriptions/server.ts',
          label: 'daemon 06',
          args: ['--socket', '{socket}'],
          background: true,
          waitForLine: 'listening on',
          stopWith: 'SIGTERM',
        },
        {
          script: 'bridge.ts',
          args: ['--server', '{address}', '--socket', '{socket}'],
          background: true,
          waitForLine: 'rally bridge listening on',
          stopWith: 'SIGINT',
        },
        {
          script: 'watch.ts',
          args: ['--server', '{address}'],
          background: true,
          waitForLine: 'subscribed to rally.updates',
          stopWith: 'SIGINT',
          expect: ['update: count is 1', 'SIGINT: stopped watching'],
        },
        {
          script: '../06-subscriptions/client.ts',
          label: 'client 06',
          args: ['--socket', '{socket}', '--ping'],
          expect: ['pong: count is 1'],
        },
        {
          script: '../06-subscriptions/client.ts',
          label: 'client 06',
          args: ['--socket', '{socket}', '--get'],
          expect: ['count is 1'],
        },
      ],
    },
  ],
} satisfies TourScript;
