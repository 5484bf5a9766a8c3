// The providers' batch APIs behind runBatch (`via`): OpenAI's Files + Batches and Anthropic's
// Message Batches. Each item's request is built in the mode's structured form, as the client
// would send it; the runner uploads them, polls, downloads the results, validates every answer
// against the schema, and runs the answers that fail again online with the errors fed back.
// Web-standard (fetch, FormData, Blob).
import { PROVIDER_PRESETS } from "../client/from-provider.js";
import { requestSchema } from "../client/structured-client.js";
import { describeAnswerError } from "../client/structured-stream.js";
import { anthropicMessagesProtocol, type AnthropicMode } from "../providers/anthropic/messages-protocol.js";
import { openAIChatProtocol, type ChatMode } from "../providers/openai/chat-request.js";
import type { ProviderProtocol, RequestSchema } from "../providers/provider-protocol.js";
import { addUsage, NO_USAGE, type Usage } from "../providers/wire-event.js";
import { partialStream } from "../stream/partial-stream.js";
import type { SchemaLike } from "../schema/schema-adapter.js";
import type { ResponseModel } from "../client/structured-client.js";
import { BatchError } from "./batch-error.js";
import type { BatchItem, BatchResult, BatchResultError } from "./batch-result.js";
import { realClock } from "./rate-limiter.js";
import { requestBuilder, runItem, type BatchExecutor, type ExecutorContext, type RequestBuilder } from "./run-batch.js";

type Json = Record<string, unknown>;

/** A batch sent to a provider: kept in the run's state so a resumed run polls it instead of sending it again. */
export interface ProviderBatchRecord {
  readonly provider: "openai" | "anthropic";
  readonly id: string;
  /** The item id of each request, by position (the request's custom_id is `r<position>`). */
  readonly itemIds: readonly string[];
}

export interface ProviderBatchOptions {
  /** Default: the provider's API (https://api.openai.com/v1, https://api.anthropic.com/v1). */
  readonly baseURL?: string;
  /** Default: OPENAI_API_KEY or ANTHROPIC_API_KEY where the runtime has an environment. */
  readonly apiKey?: string;
  /** The structured mode of each request; default "tools". */
  readonly mode?: string;
  readonly fetch?: typeof globalThis.fetch;
  readonly headers?: Readonly<Record<string, string>>;
  /** How often a batch's status is asked for; default 30 s. */
  readonly pollMs?: number;
  /** Requests per provider batch; default 50,000 (OpenAI's limit) or 100,000 (Anthropic's). */
  readonly maxRequests?: number;
  /** Batches sent by an earlier run of the same output (from its state), polled rather than sent again. */
  readonly submitted?: readonly ProviderBatchRecord[];
  /** Called once a batch is accepted, to keep it in the run's state. */
  readonly onSubmitted?: (record: ProviderBatchRecord) => void | Promise<void>;
  /** Called once a batch's results are all stored. */
  readonly onFinished?: (record: ProviderBatchRecord) => void | Promise<void>;
  /** Also run online the requests the provider failed or let expire (default: they are reported, with its reason). */
  readonly rerunProviderFailures?: boolean;
}

/** One request's outcome in a provider batch. */
type Outcome =
  | { readonly kind: "answer"; readonly body: Json }
  | { readonly kind: "failed"; readonly error: BatchResultError };

interface Wire {
  readonly provider: "openai" | "anthropic";
  readonly protocol: ProviderProtocol<string>;
  readonly defaultBaseURL: string;
  readonly keyVariable: string;
  readonly maxRequests: number;
  submit(lines: readonly { customId: string; body: Json }[], call: Call): Promise<string>;
  /** The batch when it has ended, or undefined while it runs. */
  poll(id: string, call: Call): Promise<Json | undefined>;
  outcomes(batch: Json, call: Call): Promise<Map<string, Outcome>>;
  /** The answer text, its tool call, usage and model, from a successful response body. */
  answer(body: Json): { text: string; toolCallId: string | undefined; toolName: string | undefined; usage: Usage; model: string | undefined; isTruncated: boolean };
}

type Call = (path: string, init?: RequestInit) => Promise<Response>;

function environment(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

async function expectOk(response: Response, what: string, provider: string): Promise<Response> {
  if (response.ok) return response;
  const text = await response.text().catch(() => "");
  let message = text;
  try {
    const parsed = JSON.parse(text) as Json;
    message = String(((parsed["error"] as Json | undefined)?.["message"] ?? text) as string);
  } catch {
    // Not JSON: the text as it came.
  }
  throw new BatchError("batch-provider", `${provider} refused to ${what}: ${response.status} ${message}`);
}

// The API's address and the variable of its key, as fromProvider knows them.
function preset(name: "openai" | "anthropic"): { defaultBaseURL: string; keyVariable: string } {
  const known = PROVIDER_PRESETS[name] as { baseURL: string; apiKeyVariable: string };
  return { defaultBaseURL: known.baseURL, keyVariable: known.apiKeyVariable };
}

const openAIWire: Wire = {
  provider: "openai",
  protocol: openAIChatProtocol as ProviderProtocol<string>,
  ...preset("openai"),
  maxRequests: 50_000,
  async submit(lines, call) {
    const jsonl = lines.map((line) => JSON.stringify({ custom_id: line.customId, method: "POST", url: "/v1/chat/completions", body: line.body })).join("\n") + "\n";
    const form = new FormData();
    form.append("purpose", "batch");
    form.append("file", new Blob([jsonl], { type: "application/jsonl" }), "formwork-batch.jsonl");
    const file = (await (await expectOk(await call("/files", { method: "POST", body: form }), "take the batch file", "OpenAI")).json()) as Json;
    const batch = (await (await expectOk(await call("/batches", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input_file_id: file["id"], endpoint: "/v1/chat/completions", completion_window: "24h" }) }), "create the batch", "OpenAI")).json()) as Json;
    return String(batch["id"]);
  },
  async poll(id, call) {
    const batch = (await (await expectOk(await call(`/batches/${encodeURIComponent(id)}`), `say how batch ${id} is doing`, "OpenAI")).json()) as Json;
    return ["completed", "failed", "expired", "cancelled"].includes(String(batch["status"])) ? batch : undefined;
  },
  async outcomes(batch, call) {
    const outcomes = new Map<string, Outcome>();
    const status = String(batch["status"]);
    if (status === "failed") {
      const errors = (((batch["errors"] as Json | null)?.["data"] as Json[] | undefined) ?? []).map((error) => `${String(error["message"])}${error["line"] === null || error["line"] === undefined ? "" : ` (line ${String(error["line"])})`}`);
      return new Map([["*", { kind: "failed", error: { code: "batch-failed", message: `OpenAI batch ${String(batch["id"])} failed: ${errors.join("; ") || "no reason given"}` } }]]);
    }
    for (const fileId of [batch["output_file_id"], batch["error_file_id"]]) {
      if (typeof fileId !== "string") continue;
      const text = await (await expectOk(await call(`/files/${encodeURIComponent(fileId)}/content`), `give the results file ${fileId}`, "OpenAI")).text();
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        const entry = JSON.parse(line) as Json;
        const key = String(entry["custom_id"]);
        const response = entry["response"] as Json | null;
        const error = entry["error"] as Json | null;
        if (response !== null && response["status_code"] === 200) outcomes.set(key, { kind: "answer", body: response["body"] as Json });
        else if (error !== null && error !== undefined) {
          outcomes.set(key, { kind: "failed", error: { code: error["code"] === "batch_expired" ? "batch-expired" : "batch-request-failed", message: `OpenAI batch ${String(batch["id"])}: ${String(error["message"])}` } });
        } else {
          const body = (response?.["body"] as Json | undefined) ?? {};
          const message = ((body["error"] as Json | undefined)?.["message"] as string | undefined) ?? JSON.stringify(body);
          outcomes.set(key, { kind: "failed", error: { code: "batch-request-failed", message: `OpenAI batch ${String(batch["id"])}: ${String(response?.["status_code"])} ${message}` } });
        }
      }
    }
    if (status === "expired" || status === "cancelled") {
      outcomes.set("*", { kind: "failed", error: { code: status === "expired" ? "batch-expired" : "batch-canceled", message: `OpenAI batch ${String(batch["id"])} ${status} before this request was done` } });
    }
    return outcomes;
  },
  answer(body) {
    const choice = ((body["choices"] as Json[] | undefined) ?? [])[0] ?? {};
    const message = (choice["message"] as Json | undefined) ?? {};
    const call = ((message["tool_calls"] as Json[] | undefined) ?? [])[0];
    const usage = (body["usage"] as Json | undefined) ?? {};
    const input = Number(usage["prompt_tokens"] ?? 0);
    const output = Number(usage["completion_tokens"] ?? 0);
    return {
      text: call === undefined ? String(message["content"] ?? "") : String((call["function"] as Json)["arguments"] ?? ""),
      toolCallId: call === undefined ? undefined : String(call["id"]),
      toolName: call === undefined ? undefined : String((call["function"] as Json)["name"]),
      usage: { inputTokens: input, outputTokens: output, totalTokens: input + output },
      model: typeof body["model"] === "string" ? body["model"] : undefined,
      isTruncated: choice["finish_reason"] === "length",
    };
  },
};

const anthropicWire: Wire = {
  provider: "anthropic",
  protocol: anthropicMessagesProtocol as ProviderProtocol<string>,
  ...preset("anthropic"),
  maxRequests: 100_000,
  async submit(lines, call) {
    const body = JSON.stringify({ requests: lines.map((line) => ({ custom_id: line.customId, params: line.body })) });
    const batch = (await (await expectOk(await call("/messages/batches", { method: "POST", headers: { "content-type": "application/json" }, body }), "create the message batch", "Anthropic")).json()) as Json;
    return String(batch["id"]);
  },
  async poll(id, call) {
    const batch = (await (await expectOk(await call(`/messages/batches/${encodeURIComponent(id)}`), `say how message batch ${id} is doing`, "Anthropic")).json()) as Json;
    return batch["processing_status"] === "ended" ? batch : undefined;
  },
  async outcomes(batch, call) {
    const outcomes = new Map<string, Outcome>();
    const url = batch["results_url"];
    if (typeof url !== "string") return new Map([["*", { kind: "failed", error: { code: "batch-failed", message: `Anthropic message batch ${String(batch["id"])} ended without results` } }]]);
    const text = await (await expectOk(await call(url), `give the results of message batch ${String(batch["id"])}`, "Anthropic")).text();
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const entry = JSON.parse(line) as Json;
      const result = (entry["result"] as Json | undefined) ?? {};
      const key = String(entry["custom_id"]);
      const type = String(result["type"]);
      if (type === "succeeded") outcomes.set(key, { kind: "answer", body: result["message"] as Json });
      else if (type === "errored") {
        const error = ((result["error"] as Json | undefined)?.["error"] as Json | undefined) ?? {};
        outcomes.set(key, { kind: "failed", error: { code: "batch-request-failed", message: `Anthropic message batch ${String(batch["id"])}: ${String(error["type"] ?? "error")}: ${String(error["message"] ?? "no reason given")}` } });
      } else outcomes.set(key, { kind: "failed", error: { code: type === "expired" ? "batch-expired" : "batch-canceled", message: `Anthropic message batch ${String(batch["id"])}: the request ${type === "expired" ? "expired before it was processed" : "was canceled"}` } });
    }
    return outcomes;
  },
  answer(body) {
    const blocks = (body["content"] as Json[] | undefined) ?? [];
    const tool = blocks.find((block) => block["type"] === "tool_use");
    const usage = (body["usage"] as Json | undefined) ?? {};
    const input = Number(usage["input_tokens"] ?? 0);
    const output = Number(usage["output_tokens"] ?? 0);
    return {
      text: tool === undefined ? blocks.filter((block) => block["type"] === "text").map((block) => String(block["text"])).join("") : JSON.stringify(tool["input"] ?? {}),
      toolCallId: tool === undefined ? undefined : String(tool["id"]),
      toolName: tool === undefined ? undefined : String(tool["name"]),
      usage: { inputTokens: input, outputTokens: output, totalTokens: input + output },
      model: typeof body["model"] === "string" ? body["model"] : undefined,
      isTruncated: body["stop_reason"] === "max_tokens",
    };
  },
};

async function* textOf(text: string): AsyncGenerator<string> {
  yield text;
}

/** The body of one item's request in a batch: the client's own request, not streamed. */
function batchBody(protocol: ProviderProtocol<string>, mode: string, schema: RequestSchema, params: Json): Json {
  const rest = { ...params };
  for (const field of ["response_model", "max_retries", "max_transport_retries"]) delete rest[field];
  const body = { ...protocol.buildRequest(rest, mode, schema) };
  delete body["stream"];
  delete body["stream_options"];
  return body;
}

function providerBatch(wire: Wire, options: ProviderBatchOptions): BatchExecutor {
  return {
    name: `${wire.provider}-batch`,
    async execute(context: ExecutorContext): Promise<void> {
      const run = context.options;
      const mode = options.mode ?? "tools";
      const model = (typeof run.schema === "object" && run.schema !== null && "schema" in run.schema && !("~standard" in run.schema) ? run.schema : { schema: run.schema }) as ResponseModel<SchemaLike>;
      const schema = wire.protocol.prepareSchema(mode, requestSchema(model, false));
      const readOptions = { lenient: wire.protocol.readsLeniently(mode), nullAsAbsent: wire.protocol.sendsAbsentAsNull(mode) };
      const build = requestBuilder(run);
      const baseURL = (options.baseURL ?? wire.defaultBaseURL).replace(/\/$/, "");
      const apiKey = options.apiKey ?? environment(wire.keyVariable);
      const fetcher = options.fetch ?? globalThis.fetch;
      const call: Call = (path, init = {}) =>
        fetcher(path.startsWith("http") ? path : `${baseURL}${path}`, { ...init, signal: context.signal, headers: { ...wire.protocol.authHeaders(apiKey), ...options.headers, ...(init.headers as Record<string, string> | undefined) } });

      const pending = new Map<string, BatchItem>();
      for await (const item of context.items) pending.set(item.id, item);
      // Batches an earlier run sent: polled again, not sent again.
      const records: ProviderBatchRecord[] = [];
      for (const record of options.submitted ?? []) {
        if (record.provider === wire.provider && record.itemIds.some((id) => pending.has(id))) records.push(record);
      }
      const covered = new Set(records.flatMap((record) => record.itemIds));
      const fresh = [...pending.values()].filter((item) => !covered.has(item.id));
      const size = options.maxRequests ?? wire.maxRequests;
      const failedToBuild: BatchResult[] = [];
      for (let start = 0; start < fresh.length && !context.drain.aborted; start += size) {
        const lines: { customId: string; body: Json }[] = [];
        const itemIds: string[] = [];
        for (const item of fresh.slice(start, start + size)) {
          let request: ReturnType<RequestBuilder>;
          try {
            request = build(item);
          } catch {
            // A field the prompt reads is missing: runItem writes that failure, sending nothing.
            failedToBuild.push(await runItem(run, build, item, context.limiter, context.signal));
            continue;
          }
          lines.push({ customId: `r${itemIds.length}`, body: batchBody(wire.protocol, mode, schema, request.params as unknown as Json) });
          itemIds.push(item.id);
        }
        if (lines.length === 0) continue;
        const id = await wire.submit(lines, call);
        const record: ProviderBatchRecord = { provider: wire.provider, id, itemIds };
        records.push(record);
        await options.onSubmitted?.(record);
      }
      for (const result of failedToBuild) await context.write(result);
      context.started(records.reduce((sum, record) => sum + record.itemIds.filter((id) => pending.has(id)).length, 0));

      const retries: { item: BatchItem; feedback: Json[]; usage: Usage }[] = [];
      await Promise.all(
        records.map(async (record) => {
          let batch: Json | undefined;
          while (!context.drain.aborted && (batch = await wire.poll(record.id, call)) === undefined) await realClock.sleep(options.pollMs ?? 30_000, context.drain).catch(() => undefined);
          // Stopped: the batch goes on at the provider; the next run polls it again.
          if (batch === undefined) return;
          const outcomes = await wire.outcomes(batch, call);
          for (const [position, itemId] of record.itemIds.entries()) {
            const item = pending.get(itemId);
            if (item === undefined) continue;
            const outcome = outcomes.get(`r${position}`) ?? outcomes.get("*") ?? { kind: "failed", error: { code: "batch-missing", message: `${wire.provider} batch ${record.id} has no result for this request` } };
            if (outcome.kind === "failed") {
              if (options.rerunProviderFailures === true && outcome.error.code !== "batch-failed") retries.push({ item, feedback: [], usage: NO_USAGE });
              else await context.write({ id: itemId, ok: false, error: outcome.error, usage: NO_USAGE, attempts: 1, model: run.model });
              continue;
            }
            const answer = wire.answer(outcome.body);
            try {
              if (answer.isTruncated) throw new Error("The answer stopped at the token limit before the JSON was complete");
              const value = await partialStream(model.schema, textOf(answer.text), readOptions).final;
              await context.write({ id: itemId, ok: true, value, usage: answer.usage, attempts: 1, model: answer.model ?? run.model });
            } catch (error) {
              // Online again, with what was wrong fed back, as the client's retries do.
              const feedback = wire.protocol.feedback(mode, { text: answer.text, toolCallId: answer.toolCallId, toolName: answer.toolName ?? schema.name }, describeAnswerError(error));
              retries.push({ item, feedback, usage: answer.usage });
            }
          }
          await options.onFinished?.(record);
        }),
      );
      const feedbackOf = new Map(retries.map((retry) => [retry.item.id, retry]));
      const withFeedback: RequestBuilder = (item) => {
        const request = build(item);
        const retry = feedbackOf.get(item.id);
        const messages = [...request.messages, ...((retry?.feedback ?? []) as unknown as typeof request.messages)];
        return { messages, params: { ...request.params, messages } };
      };
      let next = 0;
      const worker = async () => {
        for (let index = next++; index < retries.length && !context.drain.aborted; index = next++) {
          const retry = retries[index] as (typeof retries)[number];
          const result = await runItem(run, withFeedback, retry.item, context.limiter, context.signal).catch(() => undefined);
          if (result === undefined) continue;
          const batchAttempt = retry.feedback.length > 0 ? 1 : 0;
          await context.write({ ...result, usage: addUsage(result.usage, retry.usage), attempts: result.attempts + batchAttempt });
        }
      };
      await Promise.all(Array.from({ length: Math.min(retries.length, run.concurrency ?? 8) }, worker));
    },
  };
}

/**
 * OpenAI's Batch API as runBatch's `via`: a JSONL file of Chat Completions requests uploaded
 * to /v1/files, a batch at /v1/batches polled until it ends, the output and error files read.
 * Half the price; results within 24 hours.
 *
 * @example
 * await runBatch({ client, model: "gpt-4o-mini", items, schema, prompt, via: openAIBatch({ pollMs: 60_000 }) });
 */
export function openAIBatch(options: ProviderBatchOptions & { readonly mode?: ChatMode } = {}): BatchExecutor {
  return providerBatch(openAIWire, options);
}

/**
 * Anthropic's Message Batches as runBatch's `via`: the requests posted to /v1/messages/batches,
 * polled until `processing_status` is `ended`, the results read from `results_url`.
 *
 * @example
 * await runBatch({ client: fromAnthropic(new Anthropic()), model: "claude-haiku-4-5", items, schema, prompt, via: anthropicBatch() });
 */
export function anthropicBatch(options: ProviderBatchOptions & { readonly mode?: AnthropicMode } = {}): BatchExecutor {
  return providerBatch(anthropicWire, options);
}
