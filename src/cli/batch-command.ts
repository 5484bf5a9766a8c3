// `formwork batch run | status`: the batch runner on files (Node).
import { resolve } from "node:path";
import { PROVIDER_PRESETS } from "../client/from-provider.js";
import type { AnthropicMode } from "../providers/anthropic/messages-protocol.js";
import type { ChatMode } from "../providers/openai/chat-request.js";
import { FormworkError } from "../errors/formwork-error.js";
import type { BatchPrompt } from "../batch/batch-prompt.js";
import type { BatchSummary } from "../batch/batch-result.js";
import { runBatch, type BatchExecutor } from "../batch/run-batch.js";
import { anthropicBatch, openAIBatch, type ProviderBatchOptions, type ProviderBatchRecord } from "../batch/provider-batch.js";
import { batchStatus } from "../batch/node/batch-status.js";
import { readBatchState, writeBatchState, type BatchState } from "../batch/node/batch-state.js";
import { jsonlResults } from "../batch/node/jsonl-results.js";
import { loadSchema } from "../batch/node/load-schema.js";
import { readItems, type InputFormat } from "../batch/node/read-items.js";
import { clientFromFlags, count, parse, readText, required, UsageError } from "./batch-flags.js";
import { progressReporter } from "./batch-progress.js";
import type { Command } from "./command.js";
import { QUEUE_RUN_OPTIONS, queueExecutor, workerCommand } from "./batch-worker-command.js";

const RUN_HELP = `Usage: formwork batch run --input <file|folder> --schema <module#Export|schema.json> --prompt <file> --out <results.jsonl> --model <name> [options]

Runs every input item through the model and writes one JSON line per item id to --out:
{ id, ok, value | error, usage, attempts, model }. Running the same command again resumes:
ids already in --out are skipped, and no id is ever written twice. Ctrl-C once finishes the
requests in flight and stops; twice cancels them (they stay pending for the next run).

  --input FILE|DIR     JSONL (one object with an "id" per line), CSV (a header with an "id"
                       column), or a folder of .txt/.md files (the file name is the id; the
                       prompt reads {{text}} and {{file}})
  --schema SPEC        ./invoice.ts#Invoice (a module's export: .js/.mjs natively; .ts needs
                       Node 22.6+ --experimental-strip-types or tsx), or ./invoice.schema.json
  --prompt FILE        the user message, with {{field}} placeholders filled from each item
  --system FILE        a system message, with placeholders too (optional)
  --out FILE           the results (JSONL); its state is kept next to it in FILE.state
  --model NAME         the model every request names
  --provider NAME      ${Object.keys(PROVIDER_PRESETS).join(", ")} (default openai; the key comes
                       from the preset's variable, such as OPENAI_API_KEY)
  --base-url URL       another server (an OpenAI-compatible one, or formwork serve's)
  --mode MODE          tools (default), json_schema, json, md_json...
  --concurrency N      requests at once (default 8)
  --rpm N, --tpm N     requests and tokens per minute for the whole run; a 429 pauses all
  --max-retries N      attempts after an invalid answer, with the errors fed back (default 2)
  --max-tokens N       the answer's token limit, sent with each request
  --id-field NAME      the field that holds the id (default id)
  --strict             stop at the first malformed input line instead of skipping it
  --queue URL          put the items on a BullMQ queue in Redis (redis://host:port) for
                       workers (formwork batch worker) to take; this command collects results
  --queue-name NAME    the queue's name (default formwork-batch); one run per name at a time
  --via API            openai-batch or anthropic-batch: the provider's batch API (half price,
                       results within 24 hours); answers that do not validate run again online
                       with the errors fed back. A stopped run polls its batch again on resume
  --poll-ms N          how often a provider batch is polled (default 30000)

Example:
  formwork batch run --input invoices.jsonl --schema ./invoice.ts#Invoice \\
    --prompt prompt.md --out results.jsonl --model gpt-4o-mini --concurrency 32 --rpm 500
  formwork batch run ... --queue redis://localhost:6379     # then, on any machine:
  formwork batch worker --queue redis://localhost:6379`;

const STATUS_HELP = `Usage: formwork batch status --out <results.jsonl>

Says what a run has done, failed and left pending, by reading the results and their state.

Example:
  formwork batch status --out results.jsonl`;

const BATCH_HELP = `Usage: formwork batch <run|worker|status> [options]

  run      runs items through a model into a results file; resumable (formwork batch run --help)
  worker   takes a run's items from a Redis queue (formwork batch worker --help)
  status   what a run has done, failed and left pending (formwork batch status --help)

Example:
  formwork batch run --input invoices.jsonl --schema ./invoice.ts#Invoice --prompt prompt.md --out results.jsonl --model gpt-4o-mini`;

const RUN_OPTIONS = {
  input: { type: "string" },
  schema: { type: "string" },
  prompt: { type: "string" },
  system: { type: "string" },
  out: { type: "string" },
  model: { type: "string" },
  provider: { type: "string" },
  "base-url": { type: "string" },
  mode: { type: "string" },
  concurrency: { type: "string" },
  rpm: { type: "string" },
  tpm: { type: "string" },
  "max-retries": { type: "string" },
  "max-tokens": { type: "string" },
  "id-field": { type: "string" },
  format: { type: "string" },
  strict: { type: "boolean" },
  via: { type: "string" },
  "poll-ms": { type: "string" },
} as const;

/** Everything `batch run` needs, from its flags: the runner's options without executors. */
async function runSetup(values: Record<string, string | boolean | undefined>) {
  const input = resolve(required(values, "input", "the items, as a .jsonl or .csv file or a folder of .txt/.md files"));
  const schemaSpec = required(values, "schema", "the schema, as ./invoice.ts#Invoice or ./invoice.schema.json");
  const promptPath = required(values, "prompt", "a prompt file, with {{field}} placeholders for each item's fields");
  const out = resolve(required(values, "out", "the results file to write (JSONL), such as results.jsonl"));
  const model = required(values, "model", "the model to ask, such as gpt-4o-mini");
  const format = values["format"] as InputFormat | undefined;
  if (format !== undefined && !["jsonl", "csv", "folder"].includes(format)) throw new UsageError(`--format takes jsonl, csv or folder, not "${format}"`);
  const idField = (values["id-field"] as string | undefined) ?? "id";
  const source = await readItems(input, { ...(format === undefined ? {} : { format }), idField });
  const schema = await loadSchema(schemaSpec);
  const user = await readText(promptPath, "prompt");
  const system = typeof values["system"] === "string" ? await readText(values["system"], "system") : undefined;
  const prompt: BatchPrompt = { user, name: promptPath, ...(system === undefined ? {} : { system }) };
  const client = clientFromFlags(values);
  const maxTokens = count(values, "max-tokens");
  const rpm = count(values, "rpm");
  const tpm = count(values, "tpm");
  const concurrency = count(values, "concurrency");
  const maxRetries = count(values, "max-retries");
  return {
    out,
    source,
    model,
    schemaSpec,
    baseURL: values["base-url"] as string | undefined,
    config: { model, schema: schemaSpec, prompt, provider: values["provider"], baseURL: values["base-url"], mode: values["mode"], maxRetries, request: maxTokens === undefined ? undefined : { max_tokens: maxTokens } },
    options: {
      client,
      model,
      schema,
      prompt,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(maxRetries === undefined ? {} : { maxRetries }),
      rateLimit: { ...(rpm === undefined ? {} : { rpm }), ...(tpm === undefined ? {} : { tpm }), ...(maxTokens === undefined ? {} : { expectedOutputTokens: maxTokens }) },
      ...(maxTokens === undefined ? {} : { request: { max_tokens: maxTokens } }),
      strict: values["strict"] === true,
    },
  };
}

async function run(argv: readonly string[], io: BatchIo): Promise<number> {
  const { values } = parse(argv, { ...RUN_OPTIONS, ...QUEUE_RUN_OPTIONS });
  if (values["help"] === true) {
    io.out(RUN_HELP);
    return 0;
  }
  const setup = await runSetup(values);
  const previous = await readBatchState(setup.out);
  if (previous !== undefined && previous.input.path !== setup.source.path) {
    throw new UsageError(`${setup.out} holds the results of a run over ${previous.input.path}, not ${setup.source.path}: pass that --input to resume it, or another --out for a new run`);
  }
  const total = await setup.source.count();
  const providerBatches: ProviderBatchRecord[] = [...(previous?.providerBatches ?? [])];
  const saveBatches = () => writeBatchState(setup.out, { ...state("running"), providerBatches });
  const executor = queueExecutor(values, setup) ?? viaExecutor(values, setup.baseURL, previous, {
    onSubmitted: async (record) => {
      providerBatches.push(record);
      await saveBatches();
    },
    onFinished: async (record) => {
      providerBatches.splice(providerBatches.findIndex((item) => item.id === record.id), 1);
      await saveBatches();
    },
  });
  const startedAt = new Date().toISOString();
  const state = (status: BatchState["status"], summary?: BatchSummary): BatchState => ({
    ...previous,
    version: 1,
    input: { path: setup.source.path, format: setup.source.format, idField: setup.source.format === "folder" ? "id" : ((values["id-field"] as string | undefined) ?? "id") },
    total,
    status,
    pid: process.pid,
    startedAt: previous?.startedAt ?? startedAt,
    updatedAt: new Date().toISOString(),
    model: setup.model,
    ...executor?.label,
    invalid: summary?.invalid ?? previous?.invalid ?? 0,
    problems: (summary?.problems ?? previous?.problems ?? []).slice(0, 100).map((problem) => ({ line: problem.line, message: problem.message })),
    providerBatches,
  });
  const drain = new AbortController();
  const abort = new AbortController();
  const onSignal = () => {
    if (!drain.signal.aborted) {
      io.err("\nstopping: finishing the requests in flight (Ctrl-C again cancels them; they stay pending)");
      drain.abort("interrupted");
    } else abort.abort("interrupted");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const progress = progressReporter(io.progressStream);
  let summary: BatchSummary;
  const output = jsonlResults(setup.out);
  try {
    await writeBatchState(setup.out, state("running"));
    summary = await runBatch({
      ...setup.options,
      items: setup.source.items(),
      output,
      total,
      drain: drain.signal,
      signal: abort.signal,
      onProgress: (update) => progress.update(update),
      ...(executor !== undefined && "queue" in executor ? { queue: executor.queue } : {}),
      ...(executor !== undefined && "via" in executor ? { via: executor.via } : {}),
    });
  } catch (error) {
    progress.finish();
    // The state stays readable whatever happened: stopped, with the results written so far.
    await writeBatchState(setup.out, state("stopped")).catch(() => undefined);
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  progress.finish();
  await writeBatchState(setup.out, state(summary.stoppedEarly ? "stopped" : "finished", summary));
  if (output.repairedBytes > 0) io.err(`repaired ${setup.out}: cut a torn last line of ${output.repairedBytes} bytes (that item is done again)`);
  for (const problem of summary.problems.slice(0, 20)) io.err(`skipped: ${problem.message}`);
  if (summary.problems.length > 20) io.err(`skipped ${summary.problems.length - 20} more bad input lines (formwork batch status --out ${setup.out})`);
  io.out(
    `${summary.stoppedEarly ? "stopped" : "done"}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.skipped} already done, ${summary.invalid} bad input lines; ${summary.usage.totalTokens} tokens; results in ${setup.out}`,
  );
  if (summary.stoppedEarly) io.out("run the same command again to resume");
  return summary.stoppedEarly ? 130 : 0;
}

/** The executor for --via: a provider's batch API, resuming the batches the state lists. */
function viaExecutor(values: Record<string, unknown>, baseURL: string | undefined, previous: BatchState | undefined, hooks: Pick<ProviderBatchOptions, "onSubmitted" | "onFinished">): { via: BatchExecutor; label: { via: string } } | undefined {
  const via = values["via"] as string | undefined;
  if (via === undefined) return undefined;
  if (via !== "openai-batch" && via !== "anthropic-batch") throw new UsageError(`--via takes openai-batch or anthropic-batch, not "${via}"`);
  if (values["queue"] !== undefined) throw new UsageError("--via and --queue do not go together: the provider runs a batch itself, no workers needed");
  const pollMs = count(values, "poll-ms");
  const options: ProviderBatchOptions = {
    ...(baseURL === undefined ? {} : { baseURL }),
    ...(values["mode"] === undefined ? {} : { mode: values["mode"] as string }),
    ...(pollMs === undefined ? {} : { pollMs }),
    ...(previous?.providerBatches === undefined ? {} : { submitted: previous.providerBatches }),
    ...hooks,
  };
  // The protocol checks the mode when the run starts (an unknown one is a clear error there).
  return { via: via === "openai-batch" ? openAIBatch(options as ProviderBatchOptions & { mode?: ChatMode }) : anthropicBatch(options as ProviderBatchOptions & { mode?: AnthropicMode }), label: { via } };
}

async function status(argv: readonly string[], io: BatchIo): Promise<number> {
  const { values } = parse(argv, { out: { type: "string" } });
  if (values["help"] === true) {
    io.out(STATUS_HELP);
    return 0;
  }
  const out = resolve(required(values, "out", "the results file of a batch run, such as results.jsonl"));
  const result = await batchStatus(out);
  const state = result.state;
  const lines = [
    `${out}: ${result.runningPid !== undefined ? `running (pid ${result.runningPid})` : (state?.status === "running" ? "stopped (the run ended without saying so: a crash or kill)" : (state?.status ?? "no state file"))}`,
    `  done:    ${result.succeeded}`,
    `  failed:  ${result.failed}${Object.keys(result.failuresByCode).length > 0 ? ` (${Object.entries(result.failuresByCode).map(([code, number]) => `${code}: ${number}`).join(", ")})` : ""}`,
    `  pending: ${result.pending ?? "unknown (the input is gone)"}`,
    `  bad input lines: ${result.invalid}`,
  ];
  if (state !== undefined) lines.push(`  input: ${state.input.path} (${state.total} entries); model ${state.model}${state.queue === undefined ? "" : `; queue ${state.queue}`}${state.via === undefined ? "" : `; via ${state.via}`}`);
  for (const failure of result.failures) lines.push(`  failed ${failure.id}: ${failure.code}: ${failure.message}`);
  io.out(lines.join("\n"));
  return 0;
}

/** Where the command writes: results and summaries to `out`, progress and notes to `err`. */
export interface BatchIo {
  out(text: string): void;
  err(text: string): void;
  readonly progressStream: NodeJS.WriteStream;
}

const defaultIo: BatchIo = { out: (text) => console.log(text), err: (text) => console.error(text), progressStream: process.stderr };

const subcommands: Record<string, (argv: readonly string[], io: BatchIo) => Promise<number>> = { run, status, worker: workerCommand };

/** `formwork batch ...`: returns the exit code. Errors are printed, naming the flag and the fix. */
export async function runBatchCommand(argv: readonly string[], io: BatchIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : subcommands[name];
  if (command === undefined) {
    if (name === undefined || name === "--help" || name === "-h") {
      io.out(BATCH_HELP);
      return name === undefined ? 2 : 0;
    }
    io.err(`formwork batch: unknown subcommand "${name}"\n\n${BATCH_HELP}`);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`formwork batch ${name}: ${error.message} (formwork batch ${name} --help shows every option and an example)`);
      return 2;
    }
    // A typed error about the run itself (options, input, schema, template, queue): its message
    // says what and how to fix it; a stack trace would add nothing.
    if (FormworkError.isInstance(error)) {
      io.err(`formwork batch ${name}: ${(error as FormworkError).message}`);
      return 2;
    }
    throw error;
  }
}

/** `formwork batch` in the dispatcher's table (run-cli.ts). */
export const batchCommand: Command = {
  name: "batch",
  summary: "run items through a model into a results file: resumable, on workers, or via batch APIs",
  help: BATCH_HELP,
  run: (args, io) => runBatchCommand(args, { out: (text) => io.stdout(`${text}\n`), err: (text) => io.stderr(`${text}\n`), progressStream: process.stderr }),
};
