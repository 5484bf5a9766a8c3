// What every `formwork` command is: a name, a help text with an example, and a run function.
// The dispatcher (run-cli.ts) lists them in one table; a new command is one file and one entry.
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Where a command writes; the real process, or a test's capture. */
export interface CliIo {
  /** Writes text as it is (add the newline). */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface Command {
  /** The word after `formwork`. */
  readonly name: string;
  /** One line for the top-level usage. */
  readonly summary: string;
  /** The full `--help` text: usage line, what it does, each option, and an example. */
  readonly help: string;
  /** Runs with the arguments after the command's name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/**
 * A mistake in how the command was called: the dispatcher prints the message and the command's
 * usage, and exits with 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The options by long name (a string, true for a flag, undefined when absent), and the positionals. */
export interface ParsedOptions {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * `parseArgs` with errors that name the bad option and say what to do, as UsageError. `--help`
 * and `-h` are always accepted.
 */
export function parseOptions(args: readonly string[], options: Options, { positionals = 0 }: { positionals?: number } = {}): ParsedOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: positionals > 0, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const quoted = /'([^']+)'/.exec((error as Error).message)?.[1] ?? "";
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option "${quoted}"`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new UsageError(`unexpected argument "${quoted}"`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      // parseArgs quotes "-h, --help" or "--port <value>": the long name is the one to show.
      const name = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
      const message = (error as Error).message;
      if (/does not take/.test(message)) throw new UsageError(`${name} takes no value`);
      // parseArgs will not take "-3" as a value after a space, lest a forgotten value swallow the next flag.
      if (/ambiguous/.test(message)) throw new UsageError(`${name} needs a value; write ${name}=VALUE for one that starts with "-"`);
      throw new UsageError(`${name} needs a value`);
    }
    throw error;
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  return { values: parsed.values as ParsedOptions["values"], positionals: parsed.positionals };
}

/** Reads a numeric option: undefined when absent, a UsageError naming the flag when not a number in range. */
export function numberOption(value: string | boolean | undefined, name: string, { min = 0, max = Number.MAX_SAFE_INTEGER, isInteger = false } = {}): number | undefined {
  if (value === undefined || typeof value === "boolean") return undefined;
  const parsed = Number(value);
  const kind = isInteger ? "a whole number" : "a number";
  if (value.trim() === "" || !Number.isFinite(parsed) || (isInteger && !Number.isInteger(parsed)) || parsed < min || parsed > max) {
    throw new UsageError(`--${name} takes ${kind} from ${min} to ${max}, not "${value}"`);
  }
  return parsed;
}
