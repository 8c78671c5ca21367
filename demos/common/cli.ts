/**
 * Plumbing no lesson teaches: the command line every demo shares (`--help`, typed
 * flags, one-line failures) and turning errors into that one line.
 *
 * It is a thin layer over `node:util` `parseArgs`, so a demo lists its flags once
 * and gets `--help` text and "unknown flag" errors for free.
 */
import { parseArgs } from 'node:util';

/** One flag: what parseArgs needs, plus the words `--help` prints. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  /** The placeholder shown in `--help`, e.g. `PATH` in `--socket PATH`. */
  valueName?: string;
  description: string;
}

export interface CommandSpec<Flags extends Record<string, FlagSpec>> {
  /** How a learner runs it, e.g. `npx tsx demos/01-unix-socket/server.ts`. */
  usage: string;
  /** One sentence: what this program does. */
  summary: string;
  flags: Flags;
}

type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean'
  ? boolean
  : F extends { default: string }
    ? string
    : string | undefined;

export type ParsedFlags<Flags extends Record<string, FlagSpec>> = {
  [Name in keyof Flags]: FlagValue<Flags[Name]>;
};

/** The `--help` text: usage, summary, then one line per flag. */
export function helpText(spec: CommandSpec<Record<string, FlagSpec>>): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => {
    const short = flag.short ? `-${flag.short}, ` : '    ';
    const value = flag.type === 'string' ? ` ${flag.valueName ?? 'VALUE'}` : '';
    const fallback =
      flag.default !== undefined && flag.type === 'string'
        ? ` (default: ${flag.default})`
        : '';
    return {
      left: `  ${short}--${name}${value}`,
      right: `${flag.description}${fallback}`,
    };
  });
  rows.push({ left: '  -h, --help', right: 'show this help and exit' });
  const width = Math.max(...rows.map((row) => row.left.length)) + 2;
  const lines = rows.map((row) => row.left.padEnd(width) + row.right);
  return [
    `Usage: ${spec.usage} [options]`,
    '',
    spec.summary,
    '',
    'Options:',
    ...lines,
    '',
  ].join('\n');
}

/**
 * Parses `argv` against the spec. `--help` prints the help and exits 0; a bad flag
 * prints one line and exits 2, the convention for "you called me wrong".
 */
export function parseCli<const Flags extends Record<string, FlagSpec>>(
  spec: CommandSpec<Flags>,
  argv: string[] = process.argv.slice(2),
): ParsedFlags<Flags> {
  return parseCommandLine(spec, argv, false).flags;
}

/** Like parseCli, for tools that also take plain arguments: `npm run verify -- 04 my-server.ts`. */
export function parseCliWithPositionals<
  const Flags extends Record<string, FlagSpec>,
>(
  spec: CommandSpec<Flags>,
  argv: string[] = process.argv.slice(2),
): { flags: ParsedFlags<Flags>; positionals: string[] } {
  return parseCommandLine(spec, argv, true);
}

function parseCommandLine<const Flags extends Record<string, FlagSpec>>(
  spec: CommandSpec<Flags>,
  argv: string[],
  allowPositionals: boolean,
): { flags: ParsedFlags<Flags>; positionals: string[] } {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; default?: string | boolean }
  > = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, flag] of Object.entries(spec.flags)) {
    // parseArgs rejects keys that are present but undefined, so copy only what is set.
    const option: (typeof options)[string] = { type: flag.type };
    if (flag.short !== undefined) option.short = flag.short;
    if (flag.default !== undefined) option.default = flag.default;
    options[name] = option;
  }
  let parsed: {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
  };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    usageError(errorMessage(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(helpText(spec));
    process.exit(0);
  }
  delete values.help;
  return { flags: values as ParsedFlags<Flags>, positionals };
}

/** Wrong flags or values: one line, a pointer to `--help`, exit code 2. */
export function usageError(message: string): never {
  process.stderr.write(`error: ${message} (see --help)\n`);
  process.exit(2);
}

/** A flag that must be a whole number in a range, e.g. `--count 5`. */
export function parseInteger(
  value: string,
  flag: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    usageError(
      `--${flag} must be a whole number from ${min} to ${max}, got "${value}"`,
    );
  }
  return parsed;
}

/** Something went wrong at run time: one line saying what and what to do, exit code 1. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** The message of anything thrown: an Error's message, or the thing itself as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Waits for a start-up step (listening, connecting) and turns a failure into one
 * line and exit code 1: `await orExit(listenOnSocketFile(server, path))`.
 */
export async function orExit<T>(step: Promise<T>, prefix = ''): Promise<T> {
  try {
    return await step;
  } catch (error) {
    fail(`${prefix}${errorMessage(error)}`);
  }
}
