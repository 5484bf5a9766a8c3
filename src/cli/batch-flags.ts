// Flag helpers shared by the `formwork batch` subcommands (Node).
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { fromProvider, PROVIDER_PRESETS } from "../client/from-provider.js";

/** A CLI error: the message names the flag and the fix; exit code 2. */
export class UsageError extends Error {}

export function parse<T extends Record<string, { type: "string" | "boolean"; short?: string }>>(argv: readonly string[], options: T, help: string) {
  try {
    return parseArgs({ args: [...argv], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: false, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify.*$/s, "")}\n\n${help}`);
  }
}

export function required(values: Record<string, unknown>, name: string, hint: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required: ${hint} (formwork batch run --help)`);
  return value;
}

export function count(values: Record<string, unknown>, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < (name === "max-retries" ? 0 : 1)) throw new UsageError(`--${name} takes a whole number${name === "max-retries" ? "" : " of at least 1"}, not "${String(value)}"`);
  return parsed;
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
