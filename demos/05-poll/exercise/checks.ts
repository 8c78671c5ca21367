/**
 * Lesson 05's first exercise, "write the many-client server": what
 * `npm run verify -- 05` checks, promise by promise. The promises are worded exactly as
 * the lesson's "Your server must…" list; the checks run against the learner's file.
 */
import {
  cleanExitOnSigterm,
  saysWhereItListens,
  type Contract,
} from '../../../test/tools/verify-kit.ts';

export default {
  // #region contract
  promises: [
    'take `--socket PATH` and print a line containing `listening on PATH` once it accepts connections',
    "answer lesson 04's protocol on every connection at once: `ping <tag>` gets `pong <tag>` on the connection that sent it, even while other clients stay connected and silent",
    'keep serving everyone else when a client vanishes: one that hangs up, one killed with pongs unread, and one that is gone before its pong is written',
    'take `--max-clients N`, answer a connection beyond N with a line starting `error server full` and close it, and let a new client in once one has left',
    'on SIGTERM, close its connections, remove its socket file and exit with code 0',
  ],
  // #endregion contract
  checks: [
    saysWhereItListens(1),
    {
      promise: 2,
      name: 'twenty clients at once, every pong on its own connection',
      async run(kit) {
        await kit.start();
        const silent = await kit.connect(); // connected, says nothing: must not hold anyone up
        const conns = await Promise.all(
          Array.from({ length: 20 }, () => kit.connect()),
        );
        for (const [index, conn] of conns.entries())
          conn.send(`ping c${index + 1}-1\n`);
        for (const [index, conn] of conns.entries())
          await conn.expectLine(`pong c${index + 1}-1`, {
            data: `ping c${index + 1}-1\n`,
            how: `on connection ${index + 1} of 20, all open at once`,
          });
        // Two pings whose bytes interleave across two connections.
        const [a, b] = conns as [(typeof conns)[0], (typeof conns)[0]];
        a.send('pi');
        b.send('ping b\npi');
        a.send('ng a\n');
        b.send('ng b2\n');
        await a.expectLine('pong a', {
          data: 'pi + ng a\n',
          how: 'split, with another connection talking in between',
        });
        await b.expectLine('pong b', 'ping b\n');
        await b.expectLine('pong b2', { data: 'pi + ng b2\n', how: 'split' });
        silent.send('ping last\n');
        await silent.expectLine('pong last', {
          data: 'ping last\n',
          how: 'from the client that was silent all along',
        });
      },
    },
    {
      promise: 3,
      name: 'clients that vanish do not take the server with them',
      async run(kit) {
        const server = await kit.start();
        const bystander = await kit.connect();
        // Hangs up politely.
        const polite = await kit.connect();
        await polite.close();
        // Dies with pongs unread in its socket: the server sees ECONNRESET.
        const rude = await kit.connect();
        rude.socket.pause(); // read nothing from now on
        rude.send('ping unread\n'.repeat(100));
        await new Promise((resolve) => setTimeout(resolve, 50));
        rude.socket.destroy();
        // Gone before its pong is written: writing it fails with EPIPE.
        const gone = await kit.connect();
        gone.socket.end('ping too-late\n');
        gone.socket.destroy();
        bystander.send('ping still-here\n');
        await bystander.expectLine('pong still-here', {
          data: 'ping still-here\n',
          how: 'after three other clients vanished',
        });
        if (server.proc.exitStatus)
          kit.fail({
            expected: 'the server to keep running',
            got: `it exited (${server.proc.exitStatus.code ?? server.proc.exitStatus.signal})`,
          });
        const newcomer = await kit.connect();
        newcomer.send('ping new\n');
        await newcomer.expectLine('pong new', {
          data: 'ping new\n',
          how: 'from a new client, after all that',
        });
      },
    },
    {
      promise: 4,
      name: '--max-clients 2: the third is told why, and gets in later',
      async run(kit) {
        await kit.start(['--socket', kit.socket, '--max-clients', '2']);
        const first = await kit.connect();
        const second = await kit.connect();
        for (const conn of [first, second]) {
          conn.send('ping in\n');
          await conn.expectLine('pong in', 'ping in\n');
        }
        const third = await kit.connect();
        third.send('ping 3\n');
        await third.expectLine(/^error server full/, {
          data: 'ping 3\n',
          how: 'as the third client, with --max-clients 2',
        });
        await third.expectClosed({ data: 'ping 3\n', how: 'when full' });
        await first.close();
        // The server may take a moment to notice the first one left: knock a few times.
        for (let attempt = 1; ; attempt++) {
          const fourth = await kit.connect();
          fourth.send('ping 4\n');
          const line = await fourth.nextLine();
          if (line === 'pong 4') break;
          if (attempt === 10 || !line?.startsWith('error server full'))
            kit.fail({
              sent: { data: 'ping 4\n', how: 'after one of the two left' },
              expected: 'the line "pong 4"',
              got:
                line === undefined
                  ? 'the connection closed'
                  : `the line ${kit.quote(line)}`,
            });
          await fourth.close();
        }
      },
    },
    cleanExitOnSigterm(5),
  ],
} satisfies Contract;
