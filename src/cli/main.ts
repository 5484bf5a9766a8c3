#!/usr/bin/env node
// The `formwork` command. `formwork serve` runs the offline model server until Ctrl-C.
import { parseArgs } from "node:util";
import { startModelServer } from "../testing/model-server.js";

const USAGE = `Usage: formwork serve [--port N] [--seed N] [--tokens-per-second N]

  serve   Runs the offline model server: the OpenAI Chat Completions wire on loopback,
          answering with schema-valid sample data (a stand-in that fills in schemas, not a
          model that understands prompts). Faults on request: the header x-formwork-fault or
          a model suffix such as gpt-4o-mini+invalid-first (invalid-first, length, drop,
          error, 429, slow-first-token).`;

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} takes a number, not "${value}"`);
  return parsed;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "batch") return (await import("./batch-command.js")).batchCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      port: { type: "string" },
      seed: { type: "string" },
      "tokens-per-second": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true || positionals[0] !== "serve") {
    console.log(USAGE);
    return values.help === true ? 0 : 2;
  }
  const port = number(values.port, "port");
  const seed = number(values.seed, "seed");
  const tokensPerSecond = number(values["tokens-per-second"], "tokens-per-second");
  const server = await startModelServer({
    ...(port === undefined ? {} : { port }),
    ...(seed === undefined ? {} : { seed }),
    ...(tokensPerSecond === undefined ? {} : { tokensPerSecond }),
  });
  console.log(`formwork offline model server at ${server.url} (OPENAI_BASE_URL=${server.url}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  console.log("stopped");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`formwork: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
