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
