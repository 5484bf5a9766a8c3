// Spans of structured calls, read back with OpenTelemetry's in-memory exporter.
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryCache } from "../cache/memory-cache.js";
import { fromProvider } from "../client/from-provider.js";
import { sseTranscript, startReplayServer, toolCallChunks, type ReplayServer, type ScriptedResponse } from "../client/test-support/replay-server.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { RetryError } from "../errors/retry-error.js";
import { importPeer } from "../peers/import-peer.js";
import type { TelemetryOptions } from "./call-trace.js";

const API_KEY = "sk-test-SECRET-never-in-a-span-0123456789";
const User = z.object({ name: z.string(), age: z.number().int() });
const userJson = '{"name": "Ada Lovelace", "age": 36}';
const messages = [{ role: "user" as const, content: "Extract: Ada Lovelace, 36 years old." }];

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");

let server: ReplayServer;
let answers: ((index: number) => ScriptedResponse | undefined) | undefined;
const valid = (): ScriptedResponse => ({ pieces: [sseTranscript(toolCallChunks("User", [userJson.slice(0, 10), userJson.slice(10)]))] });
beforeAll(async () => {
  server = await startReplayServer((index) => answers?.(index) ?? valid());
});
afterAll(async () => {
  await server.close();
  await provider.shutdown();
});
afterEach(() => {
  exporter.reset();
  answers = undefined;
});

const client = (telemetry: TelemetryOptions = { tracer }, extra: Record<string, unknown> = {}) => fromProvider({ provider: "openai", baseURL: server.url, apiKey: API_KEY, telemetry, ...extra });
const spans = () => exporter.getFinishedSpans();
const named = (prefix: string) => spans().filter((span) => span.name.startsWith(prefix));
const only = (prefix: string): ReadableSpan => {
  const found = named(prefix);
  expect(found).toHaveLength(1);
  return found[0] as ReadableSpan;
};

describe("spans of a call", () => {
  it("one span per call and a chat span per attempt under it, with the GenAI attributes", async () => {
    await client().chat.completions.create({ model: "gpt-test", messages, response_model: User, temperature: 0.3, max_tokens: 200, seed: 7 });
    const call = only("formwork.create");
    const chat = only("chat gpt-test");
    expect(call.name).toBe("formwork.create gpt-test");
    expect(chat.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(chat.spanContext().traceId).toBe(call.spanContext().traceId);
    expect(chat.kind).toBe(2); // CLIENT
    expect(chat.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-test",
      "gen_ai.request.temperature": 0.3,
      "gen_ai.request.max_tokens": 200,
      "gen_ai.request.seed": 7,
      "gen_ai.output.type": "json",
      "gen_ai.response.id": "chatcmpl-1",
      "gen_ai.response.model": "test-model",
      "gen_ai.response.finish_reasons": ["tool_calls"],
      "gen_ai.usage.input_tokens": 11,
      "gen_ai.usage.output_tokens": 7,
      "formwork.attempt": 1,
    });
    expect(call.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-test",
      "gen_ai.usage.input_tokens": 11,
      "gen_ai.usage.output_tokens": 7,
      "gen_ai.response.finish_reasons": ["tool_calls"],
      "formwork.attempts": 1,
      "formwork.cached": false,
      "formwork.mode": "tools",
      "formwork.schema.name": "Response",
    });
    // Content is off by default.
    expect(JSON.stringify(spans().map((span) => [span.attributes, span.events]))).not.toMatch(/Lovelace/);
  });

  it("a retry and a validation failure are span events; each attempt has its span", async () => {
    answers = (index) => (index === server.requests.length - 1 && retriesLeft-- > 0 ? { pieces: [sseTranscript(toolCallChunks("User", ['{"name": "Ada"}']))] } : undefined);
    let retriesLeft = 1;
    await client().chat.completions.create({ model: "gpt-test", messages, response_model: User, max_retries: 2 });
    const call = only("formwork.create");
    const attempts = named("chat").sort((a, b) => Number(a.attributes["formwork.attempt"]) - Number(b.attributes["formwork.attempt"]));
    expect(attempts.map((span) => span.attributes["formwork.attempt"])).toEqual([1, 2]);
    const failed = attempts[0]?.events.find((event) => event.name === "formwork.validation_failed");
    expect(failed?.attributes).toMatchObject({ "error.type": "ValidationError", "formwork.attempt": 1, "formwork.issue.paths": ["age"] });
    const retry = call.events.find((event) => event.name === "formwork.retry");
    expect(retry?.attributes).toMatchObject({ "formwork.attempt": 2, "error.type": "ValidationError" });
    expect(call.attributes["formwork.attempts"]).toBe(2);
    expect(call.status.code).not.toBe(2);
  });

  it("a failed call has an error status and type; a resent request is an event of its attempt", async () => {
    answers = (index) =>
      index === server.requests.length - 1 && !hasLimited
        ? ((hasLimited = true), { status: 429, headers: { "content-type": "application/json", "retry-after-ms": "1" }, pieces: ['{"error": {"message": "slow down", "type": "rate_limit_error"}}'] })
        : { pieces: [sseTranscript(toolCallChunks("User", ['{"name": 1}']))] };
    let hasLimited = false;
    await expect(client().chat.completions.create({ model: "gpt-test", messages, response_model: User, max_retries: 1 })).rejects.toBeInstanceOf(RetryError);
    const call = only("formwork.create");
    expect(call.status.code).toBe(2); // ERROR
    expect(call.attributes["error.type"]).toBe("RetryError");
    expect(call.events.some((event) => event.name === "exception")).toBe(true);
    const first = named("chat").find((span) => span.attributes["formwork.attempt"] === 1);
    expect(first?.events.map((event) => event.name)).toEqual(["formwork.provider_error", "formwork.resend", "formwork.validation_failed"]);
    expect(first?.events[0]?.attributes).toMatchObject({ "error.type": "ProviderError", "http.response.status_code": 429 });
  });

  it("a cache hit is a call span with no attempt under it", async () => {
    const cache = memoryCache();
    await client({ tracer }, { cache }).chat.completions.create({ model: "gpt-test", messages, response_model: User });
    exporter.reset();
    await client({ tracer }, { cache }).chat.completions.createWithCompletion({ model: "gpt-test", messages, response_model: User });
    expect(spans().map((span) => span.name)).toEqual(["formwork.createWithCompletion gpt-test"]);
    expect(spans()[0]?.attributes).toMatchObject({ "formwork.cache.hit": true, "formwork.cached": true, "formwork.attempts": 0 });
  });
});

describe("createIterable", () => {
  it("is a call span with its chat span; an invalid item gives the call an error status", async () => {
    const items: unknown[] = [];
    for await (const item of client().chat.completions.createIterable({ model: "gpt-test", messages, response_model: User })) items.push(item);
    expect(items).toEqual([{ name: "Ada Lovelace", age: 36 }]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const call = only("formwork.createIterable");
    expect(only("chat gpt-test").parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(call.attributes).toMatchObject({ "formwork.attempts": 1, "gen_ai.usage.input_tokens": 11, "gen_ai.usage.output_tokens": 7 });
    expect(call.status.code).not.toBe(2);
    exporter.reset();
    answers = () => ({ pieces: [sseTranscript(toolCallChunks("User", ['{"name": "Ada"}']))] });
    await expect(
      (async () => {
        for await (const item of client().chat.completions.createIterable({ model: "gpt-test", messages, response_model: User })) void item;
      })(),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const failed = only("formwork.createIterable");
    expect(failed.status.code).toBe(2);
    expect(failed.attributes["error.type"]).toBe("ValidationError");
  });
});

describe("content and credentials", () => {
  it("records prompt and answer only with recordContent, and never the API key", async () => {
    await client({ tracer, recordContent: true }).chat.completions.create({ model: "gpt-test", messages, response_model: User });
    const chat = only("chat gpt-test");
    expect(String(chat.attributes["gen_ai.input.messages"])).toContain("Extract: Ada Lovelace");
    expect(String(chat.attributes["gen_ai.output.messages"])).toContain("Ada Lovelace");
    const everything = JSON.stringify(spans().map((span) => [span.name, span.attributes, span.events, span.status, span.resource.attributes]));
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toMatch(/SECRET|authorization|bearer/i);
  });
});

describe("where spans go", () => {
  it("uses the global tracer provider when no tracer is given, and nothing with enabled: false", async () => {
    trace.setGlobalTracerProvider(provider);
    try {
      await client({}).chat.completions.create({ model: "gpt-test", messages, response_model: User });
      expect(spans().map((span) => span.name).sort()).toEqual(["chat gpt-test", "formwork.create gpt-test"]);
      exporter.reset();
      await client({ enabled: false }).chat.completions.create({ model: "gpt-test", messages, response_model: User });
      expect(spans()).toEqual([]);
    } finally {
      trace.disable();
    }
  });

  it("a tracer that is not one is a ConfigurationError before anything is sent", () => {
    const before = server.requests.length;
    expect(() => client({ tracer: {} as never }).chat.completions.createPartial({ model: "gpt-test", messages, response_model: User })).toThrow(ConfigurationError);
    expect(server.requests.length).toBe(before);
  });

  it("loads an optional peer only when present: a missing one is undefined, not an error", async () => {
    expect(await importPeer("@formwork/not-installed-anywhere")).toBeUndefined();
    expect(await importPeer<{ trace: unknown }>("@opentelemetry/api")).toHaveProperty("trace");
  });
});
