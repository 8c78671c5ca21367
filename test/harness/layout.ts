/**
 * Lessons already rewritten to the layout issues 8 and 10 define (time estimate at the
 * top, main path ≤ 2,500 words up to `## Going deeper`, a recap, a "Your server must…"
 * list that states the exercise's promises). The checks of that layout apply to these;
 * the coordinator adds each lesson here as its rewrite lands.
 */
export const LESSONS_WITH_NEW_LAYOUT: readonly string[] = [
  '01-unix-socket',
  '02-blocking',
  '03-non-blocking',
  '04-bidirectional',
  '05-poll',
  '06-subscriptions',
  '07-abstract-sockets',
  '08-pipes-vs-tcp',
  '10-parent-and-child',
  '11-beyond-one-machine',
];

/** `$ command` lines inside ```console blocks: what a lesson asks the learner to type. */
export function consoleCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```console\n([\s\S]*?)```/g)].map(
    (match) => match[1] ?? '',
  );
  return blocks.flatMap((block) =>
    block
      .split('\n')
      .flatMap((line) => (line.startsWith('$ ') ? [line.slice(2).trim()] : [])),
  );
}

/** A lesson command that runs a demo: `npx tsx demos/05-poll/client.ts --count 3` → script and flags. */
export function demoCommand(
  command: string,
): { script: string; flags: string[] } | undefined {
  const match = /^npx tsx (demos\/\S+\.ts)(.*)$/.exec(command);
  if (!match) return undefined;
  const [, script = '', rest = ''] = match;
  return { script, flags: rest.match(/--[\w-]+/g) ?? [] };
}
