// Flag helpers shared by the `formwork batch` subcommands (Node).
import { readFile } from "node:fs/promises";
import { fromProvider, PROVIDER_PRESETS } from "../client/from-provider.js";
import { numberOption, parseOptions, UsageError, type ParsedOptions } from "./command.js";

export { UsageError };

/** The dispatcher's option parsing (errors name the option), for a subcommand's options. */
export function parse(argv: readonly string[], options: Parameters<typeof parseOptions>[1]): ParsedOptions {
  return parseOptions(argv, options);
}

export function required(values: Record<string, unknown>, name: string, hint: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required: ${hint} (formwork batch run --help)`);
  return value;
}

/** A count option: a whole number, at least 1 (0 for --max-retries). */
export function count(values: Readonly<Record<string, unknown>>, name: string): number | undefined {
  return numberOption(values[name] as string | boolean | undefined, name, { min: name === "max-retries" ? 0 : 1, isInteger: true });
}

export async function readText(path: string, flag: string): Promise<string> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--${flag} ${path}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  });
}

/** The client from --provider, --base-url and --mode; the key comes from the preset's variable. */
export function clientFromFlags(values: Record<string, unknown>) {
  const provider = (values["provider"] as string | undefined) ?? "openai";
  const baseURL = values["base-url"] as string | undefined;
  if (baseURL === undefined && PROVIDER_PRESETS[provider] === undefined) throw new UsageError(`--provider ${provider} is not a preset (${Object.keys(PROVIDER_PRESETS).join(", ")}); give its --base-url`);
  return fromProvider({ provider, ...(baseURL === undefined ? {} : { baseURL }), ...(values["mode"] === undefined ? {} : { mode: values["mode"] as "tools" }) });
}
