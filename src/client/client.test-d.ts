import OpenAI from "openai";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { fromOpenAI } from "./from-openai.js";
import { fromProvider } from "./from-provider.js";

const User = z.object({ name: z.string(), age: z.number() });
const messages = [{ role: "user" as const, content: "hi" }];

describe("client types", () => {
  it("types a structured call by its schema, and leaves the SDK's own calls as they were", () => {
    const client = fromOpenAI(new OpenAI({ apiKey: "x" }));
    expectTypeOf(client.chat.completions.create({ model: "m", messages, response_model: User })).resolves.toEqualTypeOf<{ name: string; age: number }>();
    expectTypeOf(client.chat.completions.createPartial({ model: "m", messages, response_model: User }).final).resolves.toEqualTypeOf<{ name: string; age: number }>();
    expectTypeOf(client.chat.completions.create({ model: "m", messages })).resolves.toExtend<OpenAI.Chat.Completions.ChatCompletion>();
    expectTypeOf(client.models).toEqualTypeOf<OpenAI["models"]>();
  });

  it("types iterables, parallel tool calls included", () => {
    const client = fromProvider({ provider: "ollama" });
    const Weather = z.object({ city: z.string() });
    const Search = z.object({ query: z.string() });
    expectTypeOf(client.chat.completions.createIterable({ model: "m", messages, response_model: User })).toExtend<AsyncIterable<{ name: string; age: number }>>();
    const calls = client.chat.completions.createIterable({ model: "m", messages, response_model: [{ schema: Weather, name: "Weather" }, { schema: Search, name: "Search" }] });
    expectTypeOf(calls).toExtend<AsyncIterable<{ city: string } | { query: string }>>();
  });
});
