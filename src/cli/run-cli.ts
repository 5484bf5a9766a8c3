// The `formwork` dispatcher: global options (--help, --version), then one command from the
// table. A new command is a file exporting a `Command` and one entry in COMMANDS.
import type { CliIo, Command } from "./command.js";
import { UsageError } from "./command.js";
import { packageVersion } from "./package-version.js";
import { serveCommand } from "./serve-command.js";
import { batchCommand } from "./batch-command.js";

/** Every command, in the order the usage lists them. */
export const COMMANDS: readonly Command[] = [serveCommand, batchCommand];

function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map(({ name }) => name.length));
  return `Usage: formwork <command> [options]

Commands:
${commands.map(({ name, summary }) => `  ${name.padEnd(width)}   ${summary}`).join("\n")}

Options:
  -h, --help      this help; formwork <command> --help for a command's
  -v, --version   the version of formwork

Example:
  formwork serve --port 8787`;
}

// The command most like a mistyped one, when it is close enough to be a typo.
function closest(word: string, names: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length] ?? Infinity;
  };
  const ranked = names.map((name) => ({ name, score: distance(word, name) })).sort((a, b) => a.score - b.score);
  return ranked[0] !== undefined && ranked[0].score <= Math.max(1, Math.floor(word.length / 3)) ? ranked[0].name : undefined;
}

/**
 * Runs `formwork` with the given arguments; resolves to the exit code (0 done, 1 failed, 2 called
 * wrongly). Never throws.
 */
export async function runCli(args: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [first, ...rest] = args;
  const fail = (message: string, help: string) => {
    io.stderr(`formwork: ${message}\n\n${help}\n`);
    return 2;
  };
  if (first === undefined) return fail("no command given", usage(commands));
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = rest[0] === undefined ? undefined : commands.find(({ name }) => name === rest[0]);
    if (rest[0] !== undefined && topic === undefined) return fail(`unknown command "${rest[0]}"`, usage(commands));
    io.stdout(`${topic?.help ?? usage(commands)}\n`);
    return 0;
  }
  if (first === "--version" || first === "-v" || first === "-V") {
    io.stdout(`formwork ${packageVersion()}\n`);
    return 0;
  }
  if (first.startsWith("-")) {
    const guess = closest(first, ["--help", "--version"]);
    return fail(`unknown option "${first}"${guess === undefined ? "" : `: did you mean "${guess}"?`}`, usage(commands));
  }
  const command = commands.find(({ name }) => name === first);
  if (command === undefined) {
    const guess = closest(first, commands.map(({ name }) => name));
    return fail(`unknown command "${first}"${guess === undefined ? "" : `: did you mean "${guess}"?`}`, usage(commands));
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) return fail(`${command.name}: ${error.message}`, command.help);
    io.stderr(`formwork ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
