// parallel_tools: the model calls any of several tools, any number of times, in parallel. Each
// call (by its index on the wire) is read by the schema its name points to, with a partial
// parser of its own, and yielded the moment its arguments close and validate.
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { NoItemsError } from "../errors/no-items-error.js";
import { ValidationError } from "../errors/validation-error.js";
import type { SchemaLike } from "../schema/schema-adapter.js";
import { PartialParser, type PartialParserOptions } from "../stream/partial-parser.js";
import { absoluteIssues, toStreamError } from "../stream/stream-errors.js";
import type { SkippedItem } from "../stream/iterable-stream.js";
import { attemptEvents, type AttemptOptions } from "./attempt.js";

interface ToolCall {
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

export function parallelToolItems<T>(
  tools: ReadonlyMap<string, SchemaLike>,
  attempt: Omit<AttemptOptions, "signal" | "partial" | "channel"> & { readonly signal: AbortSignal },
  options: PartialParserOptions & { readonly onInvalid: "throw" | "skip" },
): ToolCallItems<T> {
  const cancel = new AbortController();
  const skipped: SkippedItem[] = [];
  const calls = new Map<number, ToolCall>();
  let itemIndex = 0;

  async function* items(): AsyncGenerator<T> {
    const events = attemptEvents({ ...attempt, channel: "tool", signal: AbortSignal.any([attempt.signal, cancel.signal]), partial: () => undefined });
    for await (const batch of events) {
      for (const event of batch.events) {
        if (event.type === "tool-call-start") {
          const schema = tools.get(event.name);
          if (schema === undefined) {
            const offered = [...tools.keys()].join(", ");
            throw new ValidationError({ path: [event.index], issues: [{ path: [event.index], message: `The model called "${event.name}", which was not offered (offered: ${offered})` }], text: "" });
          }
          calls.set(event.index, { name: event.name, parser: new PartialParser(schema, options), text: "", isDone: false });
        } else if (event.type === "tool-delta") {
          const call = calls.get(event.index) ?? missingStart(event.index);
          const value = await read(call, event.index, event.text);
          if (value !== NOTHING) yield value as T;
        }
      }
    }
    // No tool call at all (prose, a refusal) is not an empty answer.
    if (calls.size === 0) throw new NoItemsError({ text: attempt.record.content, usage: attempt.record.usage });
    for (const [index, call] of calls) {
      if (!call.isDone) {
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
