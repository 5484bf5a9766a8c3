import { describe, expect, expectTypeOf, it } from "vitest";
import type { ChatMessage } from "../client/chat-request.js";
import { z } from "zod";
import { fromProvider } from "../client/from-provider.js";
import { sseTranscript, toolCallChunks, type ScriptedResponse } from "../client/test-support/replay-server.js";
import { RetryError } from "../errors/retry-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { ValidatorError } from "../errors/validator-error.js";
import { deltas, useReplayServer } from "../providers/test-support/provider-fixtures.js";
import type { ValidatorContext } from "./validators.js";

const Quotes = z.object({ topic: z.string(), quotes: z.array(z.object({ text: z.string() })) });
const source = "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.";
const messages: ChatMessage[] = [{ role: "user", content: "Quote the source." }];
const good = JSON.stringify({ topic: "pangrams", quotes: [{ text: "The quick brown fox" }, { text: "five dozen liquor jugs" }] });
const invented = JSON.stringify({ topic: "pangrams", quotes: [{ text: "The quick brown fox" }, { text: "a sphinx of black quartz" }] });

const answer = (json: string, pauseMs = 0): ScriptedResponse => ({ pieces: sseTranscript(toolCallChunks("Quotes", deltas(json, 5))).split(/(?<=\n\n)/), pauseMs });

// The validator Instructor's docs show with validation context: every quote must be in the text.
function quotesInSource(value: { quotes: { text: string }[] }, { context }: ValidatorContext) {
  const text = String(context?.["source"]);
  return value.quotes.flatMap((quote, index) => (text.includes(quote.text) ? [] : [{ path: ["quotes", index, "text"], message: `"${quote.text}" is not in the source text` }]));
}

describe("validate and context", () => {
  const { serve } = useReplayServer();

  it("runs after the schema with the call's context; its issues go back with their paths, and the retry fixes them", async () => {
    const { url, requests } = await serve((index) => answer(index === 0 ? invented : good));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const attempts: number[] = [];
    const result = await client.chat.completions.createWithCompletion({
      model: "m",
      messages,
      response_model: { schema: Quotes, name: "Quotes" },
      context: { source },
      max_retries: 2,
      validate: async (value, details) => {
        attempts.push(details.attempt);
        await new Promise((resolve) => setTimeout(resolve, 1));
        return quotesInSource(value, details);
      },
    });
    expect(result.data.quotes).toHaveLength(2);
    expect(result.attempts).toBe(2);
    expect(attempts).toEqual([1, 2]);
    const feedback = JSON.stringify(requests[1]?.body["messages"]);
    expect(feedback).toContain('$.quotes[1].text: \\"a sphinx of black quartz\\" is not in the source text');
    // Neither the context nor the validators reach the provider.
    expect(requests[0]?.body).not.toHaveProperty("context");
    expect(requests[0]?.body).not.toHaveProperty("validate");
  });

  it("after the last attempt, the validator's issues are the ValidationError (and RetryError keeps each)", async () => {
    const { url } = await serve(() => answer(invented));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const once = await client.chat.completions.create({ model: "m", messages, response_model: Quotes, context: { source }, validate: quotesInSource }).catch((error: unknown) => error);
    expect(ValidationError.isInstance(once)).toBe(true);
    expect((once as ValidationError).issues).toEqual([{ path: ["quotes", 1, "text"], message: '"a sphinx of black quartz" is not in the source text', code: "validator" }]);
    const twice = await client.chat.completions.create({ model: "m", messages, response_model: Quotes, context: { source }, validate: quotesInSource, max_retries: 1 }).catch((error: unknown) => error);
    expect(RetryError.isInstance(twice)).toBe(true);
  });

  it("a { path } validator runs while streaming, when that part closes: a bad quote ends the answer there", async () => {
    const long = JSON.stringify({ topic: "pangrams", quotes: [{ text: "a sphinx of black quartz" }, ...Array.from({ length: 40 }, () => ({ text: "The quick brown fox" }))] });
    const { url, requests } = await serve(() => answer(long, 2));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const seen: unknown[] = [];
    const stream = client.chat.completions.createPartial({
      model: "m",
      messages,
      response_model: Quotes,
      context: { source },
      validate: {
        path: "quotes.*.text",
        validate: (text, { context, path }) => {
          seen.push(path);
          return String(context?.["source"]).includes(String(text)) ? undefined : "not in the source text";
        },
      },
    });
    const error = await stream.final.catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).path).toEqual(["quotes", 0, "text"]);
    expect(seen).toEqual([["quotes", 0, "text"]]);
    expect((error as ValidationError).text.length).toBeLessThan(long.length);
    expect(await requests[0]?.closed).toBe("client-closed");
  });

  it("a validator that throws is a ValidatorError naming it: never retried, never swallowed", async () => {
    const { url, requests } = await serve(() => answer(good));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const bug = new Error("context.source is undefined");
    function checkQuotes(): never {
      throw bug;
    }
    const error = await client.chat.completions.create({ model: "m", messages, response_model: Quotes, validate: checkQuotes, max_retries: 3 }).catch((caught: unknown) => caught);
    expect(ValidatorError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "validator-failed", validator: "checkQuotes", path: [], attempt: 1, cause: bug });
    expect((error as Error).message).toContain('"checkQuotes" threw');
    expect(requests).toHaveLength(1);
  });

  it("a validator that throws on a retry ends the call with its own error, not a RetryError", async () => {
    const { url, requests } = await serve((index) => answer(index === 0 ? invented : good));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const error = await client.chat.completions
      .create({
        model: "m",
        messages,
        response_model: Quotes,
        context: { source },
        max_retries: 3,
        validate: [quotesInSource, { name: "second", path: ["quotes", 1], validate: (_quote, { attempt }) => (attempt === 2 ? Promise.reject(new Error("boom")) : undefined) }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "validator-failed", validator: "second", path: ["quotes", 1], attempt: 2 });
    expect(requests).toHaveLength(2);
  });

  it("createIterable: each item is judged as it closes; on_invalid decides, and a throw is a ValidatorError", async () => {
    const items = JSON.stringify({ items: [{ text: "The quick brown fox" }, { text: "made up" }, { text: "lazy dog" }] });
    const { url } = await serve(() => ({ pieces: [sseTranscript(toolCallChunks("QuoteList", deltas(items, 7)))] }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const Quote = z.object({ text: z.string() });
    const inSource = (quote: { text: string }, { context }: ValidatorContext) => (String(context?.["source"]).includes(quote.text) ? [] : ["not in the source"]);
    const kept: unknown[] = [];
    for await (const quote of client.chat.completions.createIterable({ model: "m", messages, response_model: { schema: Quote, name: "Quote" }, context: { source }, validate: inSource, on_invalid: "skip" })) kept.push(quote);
    expect(kept).toEqual([{ text: "The quick brown fox" }, { text: "lazy dog" }]);
    const thrown: unknown[] = [];
    const failing = async () => {
      for await (const quote of client.chat.completions.createIterable({ model: "m", messages, response_model: { schema: Quote, name: "Quote" }, context: { source }, validate: inSource })) thrown.push(quote);
    };
    await expect(failing()).rejects.toMatchObject({ code: "validation-failed" });
    expect(thrown).toEqual([{ text: "The quick brown fox" }]);
    const broken = async () => {
      for await (const quote of client.chat.completions.createIterable({ model: "m", messages, response_model: { schema: Quote, name: "Quote" }, validate: () => { throw new Error("bug"); } })) thrown.push(quote);
    };
    await expect(broken()).rejects.toMatchObject({ code: "validator-failed" });
    // Not even on_invalid "skip" swallows a validator's own failure.
    const skipping = async () => {
      for await (const quote of client.chat.completions.createIterable({ model: "m", messages, response_model: { schema: Quote, name: "Quote" }, on_invalid: "skip", validate: async () => { throw new Error("bug"); } })) thrown.push(quote);
    };
    await expect(skipping()).rejects.toMatchObject({ code: "validator-failed" });
  });

  it("bad options are clear errors: a context that is not an object, a validator that is not one", () => {
    const client = fromProvider({ provider: "test", baseURL: "http://127.0.0.1:9", apiKey: "k" });
    expect(() => client.chat.completions.createPartial({ model: "m", messages, response_model: Quotes, context: "text" as never })).toThrow(/context must be an object/);
    expect(() => client.chat.completions.createPartial({ model: "m", messages, response_model: Quotes, validate: [42 as never] })).toThrow(/validate\[0\] is neither a function/);
  });

  it("types the validated value by the schema", () => {
    const client = fromProvider({ provider: "test", baseURL: "http://127.0.0.1:9", apiKey: "k" });
    void client.chat.completions.createPartial({
      model: "m",
      messages,
      response_model: Quotes,
      validate: (value) => {
        expectTypeOf(value).toEqualTypeOf<{ topic: string; quotes: { text: string }[] }>();
        return undefined;
      },
    }).abort();
  });
});

describe("validate on parallel tool calls", () => {
  const { serve } = useReplayServer();

  it("judges each call's item; on_invalid decides", async () => {
    const Weather = z.object({ city: z.string() });
    const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
    const call = (index: number, name: string, args: string) => ({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_${index}`, type: "function", function: { name, arguments: args } }] }, finish_reason: null }] });
    const chunks = [call(0, "Weather", '{"city": "Oslo"}'), call(1, "Weather", '{"city": "Atlantis"}'), { ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }];
    const { url } = await serve(() => ({ pieces: [sseTranscript(chunks)] }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "parallel_tools" });
    const real = (value: unknown) => ((value as { city: string }).city === "Atlantis" ? "no such city" : undefined);
    const items: unknown[] = [];
    const calls = client.chat.completions.createIterable({ model: "m", messages, response_model: [{ schema: Weather, name: "Weather" }], validate: real, on_invalid: "skip" });
    for await (const item of calls) items.push(item);
    expect(items).toEqual([{ city: "Oslo" }]);
    expect(calls.skipped[0]?.issues[0]?.message).toBe("no such city");
  });
});

describe("path validators, edge cases", () => {
  const { serve } = useReplayServer();

  it("a path to the root judges the whole value; an absent optional part is not judged", async () => {
    const Note = z.object({ title: z.string(), subtitle: z.string().optional() });
    const { url } = await serve(() => ({ pieces: [sseTranscript(toolCallChunks("Note", ['{"title": "A", "subtitle": null}']))] }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "tools_strict" });
    const seen: unknown[] = [];
    const value = await client.chat.completions.create({
      model: "m",
      messages,
      response_model: { schema: Note, name: "Note" },
      validate: [
        { path: "$", validate: (whole) => void seen.push(["root", whole]) },
        { path: ["subtitle"], validate: (subtitle) => void seen.push(["subtitle", subtitle]) },
      ],
    });
    expect(value).toEqual({ title: "A" });
    expect(seen).toEqual([["root", { title: "A" }]]);
  });
});

describe("fixes", () => {
  const { serve } = useReplayServer();

  it("a fix of the whole value replaces it (in createIterable too); a fix of a part is an issue with its reason", async () => {
    const Quote = z.object({ text: z.string() });
    const items = JSON.stringify({ items: [{ text: "the quick brown fox" }] });
    const { url } = await serve((index) => ({ pieces: [sseTranscript(toolCallChunks(index === 0 ? "QuoteList" : "Quotes", [index === 0 ? items : good]))] }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const capitalise = (quote: { text: string }) => ({ fixedValue: { text: quote.text.charAt(0).toUpperCase() + quote.text.slice(1) } });
    const kept: unknown[] = [];
    for await (const quote of client.chat.completions.createIterable({ model: "m", messages, response_model: { schema: Quote, name: "Quote" }, validate: capitalise })) kept.push(quote);
    expect(kept).toEqual([{ text: "The quick brown fox" }]);
    const error = await client.chat.completions
      .create({ model: "m", messages, response_model: { schema: Quotes, name: "Quotes" }, validate: { path: "topic", validate: () => ({ fixedValue: "Pangrams", reason: "capitalise the topic" }) } })
      .catch((caught: unknown) => caught);
    expect((error as ValidationError).issues[0]).toMatchObject({ path: ["topic"], message: 'capitalise the topic (suggested: "Pangrams")' });
  });
});
