// The request and result types of each entry point: each mistake a user makes fails to compile.
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsBase } from "openai/resources/chat/completions";
import type { ResponseCreateParamsBase } from "openai/resources/responses/responses";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import type { RetryError } from "../errors/retry-error.js";
import type { Usage } from "../providers/wire-event.js";
import { jsonSchema } from "../schema/schema-adapter.js";
import type { DeepPartial } from "../stream/deep-partial.js";
import type { Completion } from "./completion.js";
import { fromAnthropic } from "./from-anthropic.js";
import { fromGemini } from "./from-gemini.js";
import { fromOpenAI, type OpenAIChatRequest, type OpenAIResponsesRequest } from "./from-openai.js";
import { fromProvider } from "./from-provider.js";

const User = z.object({ name: z.string(), age: z.number() });
type User = z.infer<typeof User>;
const messages = [{ role: "user" as const, content: "hi" }];

const openai = fromOpenAI(new OpenAI({ apiKey: "x" }));
const provider = fromProvider({ provider: "ollama" });
const anthropic = fromAnthropic(new Anthropic({ apiKey: "x" }));
const gemini = fromGemini(new GoogleGenAI({ apiKey: "x" }));

describe("fromOpenAI takes the SDK's own request type", () => {
  it("is ChatCompletionCreateParamsBase without the fields formwork sets", () => {
    // Every field as the SDK types it; messages as the SDK's, whose user content may also hold
    // image(), audio() and pdf() parts (issue 15), so every SDK request is still one.
    expectTypeOf<Omit<OpenAIChatRequest<OpenAI>, "messages">>().toEqualTypeOf<Omit<ChatCompletionCreateParamsBase, "stream" | "tools" | "tool_choice" | "response_format" | "functions" | "function_call" | "messages">>();
    expectTypeOf<Omit<ChatCompletionCreateParamsBase, "stream" | "tools" | "tool_choice" | "response_format" | "functions" | "function_call">>().toExtend<OpenAIChatRequest<OpenAI>>();
    expectTypeOf<Omit<OpenAIResponsesRequest<OpenAI>, "messages">>().toExtend<Omit<ResponseCreateParamsBase, "stream" | "tools" | "tool_choice" | "input">>();
  });

  it("refuses misspelt fields, a wrong role, content of the wrong type, and fields formwork owns", () => {
    // @ts-expect-error `mesages` is not a field (and `messages` is missing)
    void openai.chat.completions.create({ model: "gpt-4o", mesages: messages, response_model: User });
    // @ts-expect-error `temprature` is not a field
    void openai.chat.completions.create({ model: "gpt-4o", messages, temprature: 2, response_model: User });
    // @ts-expect-error "usr" is not a role
    void openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "usr", content: "hi" }], response_model: User });
    // @ts-expect-error content is text or parts, not a number
    void openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: 1 }], response_model: User });
    // @ts-expect-error tool_choice is formwork's in a structured call
    void openai.chat.completions.create({ model: "gpt-4o", messages, tool_choice: "auto", response_model: User });
    // The SDK's own fields type-check: reasoning_effort, service_tier, a typed stop.
    void openai.chat.completions.create({ model: "o4-mini", messages, reasoning_effort: "low", service_tier: "auto", stop: ["END"], response_model: User });
  });

  it("the Responses API takes its own fields and messages as input items", () => {
    const responses = fromOpenAI(new OpenAI({ apiKey: "x" }), { api: "responses" });
    void responses.chat.completions.create({ model: "gpt-4o", messages, max_output_tokens: 100, response_model: User });
    // @ts-expect-error the Chat Completions field max_tokens is not the Responses API's
    void responses.chat.completions.create({ model: "gpt-4o", messages, max_tokens: 100, response_model: User });
    // @ts-expect-error the Responses API has no md_json mode
    fromOpenAI(new OpenAI({ apiKey: "x" }), { api: "responses", mode: "md_json" });
  });

  it("gives the SDK's ChatCompletion as the completion, and leaves the SDK's own calls as they were", () => {
    expectTypeOf(openai.chat.completions.createWithCompletion({ model: "m", messages, response_model: User })).resolves.toHaveProperty("completion").toExtend<ChatCompletion>();
    expectTypeOf(openai.chat.completions.createWithCompletion({ model: "m", messages, response_model: User })).resolves.toHaveProperty("completion").toHaveProperty("id").toEqualTypeOf<string>();
    expectTypeOf(openai.chat.completions.create({ model: "m", messages })).resolves.toExtend<ChatCompletion>();
  });
});

describe("fromProvider, fromAnthropic and fromGemini take the common request", () => {
  it("types the common fields and refuses each mistake", () => {
    void provider.chat.completions.create({ model: "m", messages, temperature: 0.2, max_tokens: 100, top_p: 0.9, stop: ["END"], seed: 1, response_model: User });
    // @ts-expect-error `mesages` is not a field
    void provider.chat.completions.create({ model: "m", mesages: messages, response_model: User });
    // @ts-expect-error `temprature` is not a field
    void provider.chat.completions.create({ model: "m", messages, temprature: 2, response_model: User });
    // @ts-expect-error "usr" is not a role
    void provider.chat.completions.create({ model: "m", messages: [{ role: "usr", content: "hi" }], response_model: User });
    // @ts-expect-error content is text or parts, not a number
    void provider.chat.completions.create({ model: "m", messages: [{ role: "user", content: 1 }], response_model: User });
    // @ts-expect-error a part needs its type
    void provider.chat.completions.create({ model: "m", messages: [{ role: "user", content: [{ text: "hi" }] }], response_model: User });
    // @ts-expect-error temperature is a number
    void provider.chat.completions.create({ model: "m", messages, temperature: "hot", response_model: User });
    // A tool result needs the call it answers.
    // @ts-expect-error tool_call_id is missing
    void provider.chat.completions.create({ model: "m", messages: [{ role: "tool", content: "42" }], response_model: User });
  });

  it("passes provider extras through extra_body, typed as an object", () => {
    void anthropic.chat.completions.create({ model: "claude-sonnet-4-5", messages, max_tokens: 1024, extra_body: { top_k: 40 }, response_model: User });
    // @ts-expect-error Anthropic has no seed
    void anthropic.chat.completions.create({ model: "claude-sonnet-4-5", messages, seed: 1, response_model: User });
    // @ts-expect-error the model is required without a preset
    void gemini.chat.completions.create({ messages, response_model: User });
    // @ts-expect-error extra_body is an object of fields
    void gemini.chat.completions.create({ model: "gemini-2.5-flash", messages, extra_body: "topK=40", response_model: User });
  });

  it("refuses a mode a provider lacks", () => {
    // @ts-expect-error Gemini has no json mode
    fromProvider("gemini/gemini-2.5-flash", { mode: "json" });
    // @ts-expect-error Anthropic has no parallel_tools mode
    fromProvider({ provider: "anthropic", mode: "parallel_tools" });
    fromProvider("ollama-native/llama3.2", { mode: "json" });
    fromProvider({ provider: "vllm", baseURL: "http://gpu-box:8000/v1", mode: "parallel_tools" });
    fromProvider("ollama", { model: "llama3.2", mode: "md_json" });
    // @ts-expect-error Gemini has no json mode
    fromGemini(new GoogleGenAI({ apiKey: "x" }), { mode: "json" });
    // @ts-expect-error Anthropic has no parallel_tools mode
    fromAnthropic(new Anthropic({ apiKey: "x" }), { mode: "parallel_tools" });
  });
});

describe("response_model is a schema, statically", () => {
  it("refuses a map of type names and a Zod shape", () => {
    // @ts-expect-error a map of type names is not a schema
    void provider.chat.completions.create({ model: "m", messages, response_model: { name: "string", age: "number" } });
    // @ts-expect-error a Zod shape is not a schema (pass User)
    void provider.chat.completions.create({ model: "m", messages, response_model: User.shape });
    // @ts-expect-error nor inside { schema }
    void openai.chat.completions.create({ model: "m", messages, response_model: { schema: User.shape, name: "User" } });
    // @ts-expect-error a string is not a schema
    void provider.chat.completions.create({ model: "m", messages, response_model: "User" });
  });

  it("takes Zod, a typed JSON Schema, a plain JSON Schema literal, and a schema typed loosely", () => {
    expectTypeOf(provider.chat.completions.create({ model: "m", messages, response_model: User })).resolves.toEqualTypeOf<User>();
    const Typed = jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] });
    expectTypeOf(provider.chat.completions.create({ model: "m", messages, response_model: Typed })).resolves.toEqualTypeOf<{ city: string }>();
    void provider.chat.completions.create({ model: "m", messages, response_model: { type: "object", properties: { city: { type: "string" } }, nullable: false } });
    // Declared without `as const`: `type` widens to string, and still compiles.
    const declared = { type: "object", properties: { name: { type: "string" }, tags: { type: "array", items: { type: "string" } } }, required: ["name"], additionalProperties: false };
    void provider.chat.completions.create({ model: "m", messages, response_model: declared });
    // Typed as @types/json-schema types it (every keyword `?: T | undefined`, draft 4's boolean required).
    interface DraftLike {
      $schema?: string | undefined;
      type?: "object" | "string" | ("object" | "null")[] | undefined;
      properties?: { [key: string]: DraftLike | boolean } | undefined;
      required?: boolean | string[] | undefined;
      examples?: string | undefined;
    }
    const draft: DraftLike = { type: "object", properties: { name: { type: "string" } } };
    void provider.chat.completions.create({ model: "m", messages, response_model: draft });
    const loaded: Record<string, unknown> = JSON.parse("{}") as Record<string, unknown>;
    void provider.chat.completions.create({ model: "m", messages, response_model: loaded });
  });
});

describe("errors and results are typed", () => {
  it("usage is Usage, the completion formwork's Completion, hook bodies name the model", () => {
    expectTypeOf<RetryError["usage"]>().toEqualTypeOf<Usage>();
    expectTypeOf<IncompleteOutputError["usage"]>().toEqualTypeOf<Usage | undefined>();
    expectTypeOf(provider.chat.completions.createWithCompletion({ model: "m", messages, response_model: User })).resolves.toHaveProperty("completion").toEqualTypeOf<Completion>();
    provider.on("completion:kwargs", ({ body }) => expectTypeOf(body.model).toEqualTypeOf<string | undefined>());
    provider.on("completion:response", ({ completion }) => expectTypeOf(completion.choices[0]?.message.content).toEqualTypeOf<string | null | undefined>());
  });

  it("IncompleteOutputError.isInstance(error, schema) types the partial by the schema", () => {
    const error: unknown = new Error("x");
    if (IncompleteOutputError.isInstance(error, User)) expectTypeOf(error.partial).toEqualTypeOf<DeepPartial<{ name: string; age: number }> | undefined>();
    if (IncompleteOutputError.isInstance(error)) expectTypeOf(error.partial).toEqualTypeOf<unknown>();
  });

  it("createIterable's items and their stream are typed", () => {
    const items = provider.chat.completions.createIterable({ model: "m", messages, response_model: User, max_retries: 2, on_invalid: "skip" });
    expectTypeOf(items).toExtend<AsyncIterable<User>>();
    expectTypeOf(items.skipped).toExtend<readonly { index: number }[]>();
  });
});
