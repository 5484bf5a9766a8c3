// One attempt of a structured call: send the request (again, with backoff, while the provider
// fails before any output), decode the stream, give the answer's text to the stream layer, and
// end the way the provider said it ended.
import { AbortError } from "../errors/abort-error.js";
import { ContentFilterError } from "../errors/content-filter-error.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { RefusalError } from "../errors/refusal-error.js";
import { NO_USAGE, type Usage, type WireEvent } from "../providers/wire-event.js";
import type { Completion } from "./completion.js";
import type { Hooks } from "./hooks.js";

/**
 * How the client reaches a provider: send a request, get its stream's chunks (in batches: all
 * that one network read brought, where the transport can tell), decode each.
 */
export interface ChatTransport {
  readonly provider: string;
  send(body: Record<string, unknown>, signal: AbortSignal): Promise<AsyncIterable<readonly unknown[]>>;
  decode(chunk: unknown): WireEvent[];
}

/** What an attempt saw, filled in as it streams. */
export class AttemptRecord {
  text = "";
  content = "";
  refusal = "";
  toolCallId: string | undefined;
  toolIndex: number | undefined;
  finishReason: string | undefined;
  /** A safety filter stopped the answer (OpenAI's content_filter, Gemini's SAFETY...). */
  isFiltered = false;
  usage: Usage = NO_USAGE;
  responseId: string | undefined;
  model: string | undefined;
  /** Resolves when the attempt's request is over (its tail read, or closed). */
  readonly settled: Promise<void>;
  /** @internal */
  markSettled!: () => void;

  constructor(
    readonly attempt: number,
    readonly toolName: string,
    /** The model the request named, for the completion when the provider names none. */
    readonly requestedModel?: string,
  ) {
    this.settled = new Promise((resolve) => (this.markSettled = resolve));
  }

  /** The completion, as a Chat Completions response object. */
  completion(): Completion {
    const toolCalls = this.toolCallId !== undefined || this.toolIndex !== undefined ? [{ id: this.toolCallId ?? "call_0", type: "function" as const, function: { name: this.toolName, arguments: this.text } }] : undefined;
    const message = {
      role: "assistant" as const,
      content: this.content === "" ? null : this.content,
      refusal: this.refusal === "" ? null : this.refusal,
      ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }),
    };
    return {
      id: this.responseId ?? "",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: this.model ?? this.requestedModel ?? "",
      choices: [{ index: 0, message, finish_reason: this.finishReason ?? null, logprobs: null }],
      usage: { prompt_tokens: this.usage.inputTokens, completion_tokens: this.usage.outputTokens, total_tokens: this.usage.totalTokens },
    };
  }
}

export interface AttemptOptions {
  readonly transport: ChatTransport;
  readonly body: Record<string, unknown>;
  readonly channel: "tool" | "content";
  readonly record: AttemptRecord;
  readonly hooks: Hooks;
  readonly signal: AbortSignal;
  readonly maxTransportRetries: number;
  /** The last partial value shown, for IncompleteOutputError. */
  readonly partial: () => unknown;
}

/** Exponential backoff with full jitter, at least what the provider asked for. */
export function backoffMs(retry: number, retryAfterMs: number | undefined): number {
  const exponential = Math.min(8000, 250 * 2 ** retry);
  return Math.max(retryAfterMs ?? 0, Math.random() * exponential);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AbortError(signal.reason));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The text of the answer, as it arrives. Ends with the provider's own ending as a typed error. */
export async function* answerText(options: AttemptOptions): AsyncGenerator<string> {
  for await (const { text } of attemptEvents(options)) if (text !== "") yield text;
}

/**
 * The wire events of the attempt, a batch at a time, with the answer text the batch carries
 * for the attempt's channel (joined: one delta per network read rather than per token). The
 * record is kept up to date; the ending is the provider's own, as a typed error.
 */
export async function* attemptEvents(options: AttemptOptions): AsyncGenerator<{ readonly events: readonly WireEvent[]; readonly text: string }> {
  const { transport, record, hooks } = options;
  // Our own controller, so that leaving early (break, abort, an error) closes the request.
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener("abort", onAbort, { once: true });
  let chunks: AsyncIterator<readonly unknown[]> | undefined;
  let isOver = false;
  try {
    for (let retry = 0; ; retry++) {
      hooks.emit("completion:kwargs", { attempt: record.attempt, body: options.body });
      let hasOutput = false;
      try {
        chunks = (await transport.send(options.body, controller.signal))[Symbol.asyncIterator]();
        for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
          const events: WireEvent[] = [];
          let text = "";
          for (const chunk of next.value) {
            for (const event of transport.decode(chunk)) {
              text += take(event, options.channel, record) ?? "";
              hasOutput ||= event.type === "content-delta" || event.type === "tool-delta";
              events.push(event);
            }
          }
          yield { events, text };
        }
        isOver = true;
        break;
      } catch (error) {
        if (controller.signal.aborted) throw new AbortError(controller.signal.reason);
        hooks.emit("completion:error", { attempt: record.attempt, error });
        // 429, 5xx, a dropped connection: asked again while nothing was shown (after output,
        // a new request would show the user a second beginning).
        if (!hasOutput && ProviderError.isInstance(error) && error.isRetryable && retry < options.maxTransportRetries) {
          await sleep(backoffMs(retry, error.retryAfterMs), controller.signal);
          continue;
        }
        throw error;
      }
    }
    hooks.emit("completion:response", { attempt: record.attempt, completion: record.completion() });
    if (record.refusal !== "") throw new RefusalError({ refusal: record.refusal, provider: transport.provider, usage: record.usage });
    if (record.finishReason === "length") {
      throw new IncompleteOutputError({ finishReason: "length", partial: options.partial(), text: record.text, usage: record.usage });
    }
    if (record.isFiltered) {
      throw new ContentFilterError({ provider: transport.provider, finishReason: record.finishReason ?? "content_filter", text: record.text, partial: options.partial(), usage: record.usage });
    }
  } finally {
    // Stopped early on an invalid answer (not cancelled): the usage still matters, and it comes
    // after the answer. Read the tail for it, but close at the first further text: a model still
    // writing is not waited for.
    if (!isOver && chunks !== undefined && !controller.signal.aborted) {
      const isWhole = await readTail(chunks, transport, record).catch(() => false);
      if (isWhole) hooks.emit("completion:response", { attempt: record.attempt, completion: record.completion() });
    }
    options.signal.removeEventListener("abort", onAbort);
    controller.abort("the attempt ended");
    record.markSettled();
  }
}

// True when the stream was read to its end (the completion is whole).
async function readTail(chunks: AsyncIterator<readonly unknown[]>, transport: ChatTransport, record: AttemptRecord): Promise<boolean> {
  for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
    for (const chunk of next.value) {
      for (const event of transport.decode(chunk)) {
        if (event.type === "content-delta" || event.type === "tool-delta" || event.type === "error") return false;
        take(event, "content", record);
      }
    }
  }
  return true;
}

// Applies one event to the record; returns the answer text it carries, if any.
function take(event: WireEvent, channel: "tool" | "content", record: AttemptRecord): string | undefined {
  switch (event.type) {
    case "content-delta":
      record.content += event.text;
      if (channel !== "content") return undefined;
      record.text += event.text;
      return event.text;
    case "tool-call-start":
      // The forced tool is the first call with its name (or the first call at all).
      if (record.toolIndex === undefined && (event.name === record.toolName || event.name === "")) {
        record.toolIndex = event.index;
        record.toolCallId = event.id;
      }
      return undefined;
    case "tool-delta":
      if (channel !== "tool" || event.index !== (record.toolIndex ?? 0)) return undefined;
      record.toolIndex ??= event.index;
      record.text += event.text;
      return event.text;
    case "refusal-delta":
      record.refusal += event.text;
      return undefined;
    case "usage":
      record.usage = event.usage;
      return undefined;
    case "usage-part": {
      const inputTokens = event.inputTokens ?? record.usage.inputTokens;
      const outputTokens = event.outputTokens ?? record.usage.outputTokens;
      record.usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
      return undefined;
    }
    case "finish":
      record.finishReason = event.reason;
      record.isFiltered ||= event.isFiltered === true || event.reason === "content_filter";
      return undefined;
    case "response-id":
      record.responseId ??= event.id;
      record.model ??= event.model;
      return undefined;
    case "error":
      throw event.error;
    default: {
      const unknownEvent: never = event;
      throw new TypeError(`formwork: unknown wire event ${JSON.stringify(unknownEvent)}`);
    }
  }
}
