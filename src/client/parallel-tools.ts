// parallel_tools: the model calls any of several tools, any number of times, in parallel. Each
// call (by its index on the wire) is read by the schema its name points to, with a partial
// parser of its own, and yielded the moment its arguments close and validate. As with
// createIterable, a bad answer is asked again only while no item has been yielded.
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { NoItemsError } from "../errors/no-items-error.js";
import { ValidationError } from "../errors/validation-error.js";
import type { SchemaLike } from "../schema/schema-adapter.js";
import { PartialParser, type PartialParserOptions } from "../stream/partial-parser.js";
import { absoluteIssues, toStreamError } from "../stream/stream-errors.js";
import type { SkippedItem } from "../stream/iterable-stream.js";
import { RetryError } from "../errors/retry-error.js";
import { addUsage, NO_USAGE } from "../providers/wire-event.js";
import { attemptEvents, type AttemptOptions, type AttemptRecord } from "./attempt.js";
import type { Hooks } from "./hooks.js";
import { afterItemsShown } from "./iterable-call.js";
import { isAnswerError, withUsage } from "./structured-stream.js";

interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly parser: PartialParser;
  text: string;
  isDone: boolean;
}

/** The items of parallel tool calls; `abort()` or `break` closes the request at once. */
export interface ToolCallItems<T> extends AsyncIterable<T> {
  readonly skipped: readonly SkippedItem[];
  abort(reason?: unknown): void;
}

/** One attempt's request, as the call builds it from the feedback so far. */
export type ToolCallAttempt = Omit<AttemptOptions, "signal" | "partial" | "channel">;

/**
 * The items of every tool call, across attempts: an answer that fails before any item was
 * yielded (no tool call, not JSON, a first call that does not fit) is fed back and asked
 * again, as `maxRetries` allows; after an item was yielded, a failure ends the iteration.
 */
export function parallelToolItems<T>(
  tools: ReadonlyMap<string, SchemaLike>,
  start: (attempt: number, feedback: readonly Record<string, unknown>[]) => ToolCallAttempt,
  options: PartialParserOptions & {
    readonly onInvalid: "throw" | "skip";
    readonly signal: AbortSignal;
    readonly maxRetries: number;
    readonly hooks: Hooks;
    /** Told as the reading starts (see CallSignal.start). */
    readonly onStart?: () => void;
    /** Told as the reading ends, whichever way (see CallSignal.end). */
    readonly onEnd?: () => void;
    /** The messages that tell the model what was wrong: `call` is the one at fault, if any. */
    readonly feedback: (record: AttemptRecord, call: { readonly id: string; readonly name: string; readonly text: string } | undefined, error: unknown) => Record<string, unknown>[];
  },
): ToolCallItems<T> {
  const cancel = new AbortController();
  const skipped: SkippedItem[] = [];
  let calls = new Map<number, ToolCall>();
  let itemIndex = 0;
  let shown = 0;
  let failedCall: ToolCall | undefined;

  async function* items(): AsyncGenerator<T> {
    options.onStart?.();
    try {
      yield* attempts();
    } finally {
      options.onEnd?.();
    }
  }

  async function* attempts(): AsyncGenerator<T> {
    const { hooks, maxRetries } = options;
    const errors: unknown[] = [];
    const feedback: Record<string, unknown>[] = [];
    let usage = NO_USAGE;
    for (let attempt = 1; ; attempt++) {
      hooks.emit("attempt:start", { attempt, error: errors.at(-1) });
      const request = start(attempt, feedback);
      calls = new Map();
      failedCall = undefined;
      try {
        for await (const item of answer(request)) {
          shown++;
          yield item;
        }
        return;
      } catch (error) {
        await request.record.settled;
        usage = addUsage(usage, request.record.usage);
        errors.push(error);
        const isAnswer = isAnswerError(error) || NoItemsError.isInstance(error);
        const canRetry = isAnswer && shown === 0 && attempt <= maxRetries && !cancel.signal.aborted && !options.signal.aborted;
        if (isAnswer) hooks.emit("parse:error", { attempt, error });
        if (!canRetry) hooks.emit("completion:last_attempt", { attempt, error });
        if (!canRetry) throw shown > 0 ? afterItemsShown(error, shown) : errors.length > 1 ? new RetryError({ errors, usage }) : withUsage(error, usage);
        feedback.push(...options.feedback(request.record, failedCall, error));
      }
    }
  }

  // One attempt's items, each as its call closes and fits.
  async function* answer(request: ToolCallAttempt): AsyncGenerator<T> {
    const events = attemptEvents({ ...request, channel: "tool", signal: AbortSignal.any([options.signal, cancel.signal]), partial: () => undefined });
    for await (const batch of events) {
      for (const event of batch.events) {
        if (event.type === "tool-call-start") {
          const schema = tools.get(event.name);
          if (schema === undefined) {
            const offered = [...tools.keys()].join(", ");
            throw new ValidationError({ path: [event.index], issues: [{ path: [event.index], message: `The model called "${event.name}", which was not offered (offered: ${offered})` }], text: "" });
          }
          calls.set(event.index, { id: event.id, name: event.name, parser: new PartialParser(schema, options), text: "", isDone: false });
        } else if (event.type === "tool-delta") {
          const call = calls.get(event.index) ?? missingStart(event.index);
          failedCall = call;
          const value = await read(call, event.index, event.text);
          failedCall = undefined;
          if (value !== NOTHING) yield value as T;
        }
      }
    }
    // No tool call at all (prose, a refusal) is not an empty answer.
    if (calls.size === 0) throw new NoItemsError({ text: request.record.content, usage: request.record.usage });
    for (const [index, call] of calls) {
      if (!call.isDone) {
        failedCall = call;
        throw new IncompleteOutputError({ message: `The arguments of tool call ${index} (${call.name}) ended before they were complete`, partial: call.parser.snapshot(), text: call.text });
      }
    }
  }

  // One delta of a call's arguments; the call's item once it closes and fits.
  async function read(call: ToolCall, index: number, text: string): Promise<unknown> {
    if (call.isDone) {
      if (text.trim() === "") return NOTHING;
      throw new ValidationError({ path: [index], issues: [{ path: [index], message: `More text after the arguments of "${call.name}" closed` }], text: call.text + text });
    }
    call.text += text;
    try {
      call.parser.write(text);
    } catch (error) {
      const failure = toStreamError(error, call.text, () => call.parser.snapshot());
      if (options.onInvalid === "skip" && ValidationError.isInstance(failure)) return skip(call, index, failure.issues);
      throw failure;
    }
    if (!call.parser.isComplete) return NOTHING;
    call.isDone = true;
    const result = await call.parser.adapter.validate(call.parser.end());
    if (result.ok) {
      itemIndex++;
      return result.value;
    }
    const issues = absoluteIssues([index], result.issues);
    if (options.onInvalid === "skip") return skip(call, index, issues);
    throw new ValidationError({ path: [index], issues, text: call.text });
  }

  function skip(call: ToolCall, index: number, issues: SkippedItem["issues"]): typeof NOTHING {
    call.isDone = true;
    skipped.push({ index: itemIndex++, path: [index], issues });
    return NOTHING;
  }

  function missingStart(index: number): never {
    throw new ValidationError({ path: [index], issues: [{ path: [index], message: "Tool call arguments arrived before the call named its tool" }], text: "" });
  }

  const generator = items();
  return {
    skipped,
    abort: (reason?: unknown) => cancel.abort(reason),
    [Symbol.asyncIterator]: () => ({
      next: () => generator.next(),
      return: async () => {
        cancel.abort("the consumer stopped reading"); // closes the request now, not at the next chunk
        await generator.return(undefined);
        return { done: true, value: undefined };
      },
    }),
  };
}

const NOTHING: unique symbol = Symbol("nothing");
