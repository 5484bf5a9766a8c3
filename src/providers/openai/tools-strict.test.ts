import OpenAI from "openai";
import type { ChatMessage } from "../../client/chat-request.js";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { fromOpenAI } from "../../client/from-openai.js";
import { fromProvider } from "../../client/from-provider.js";
import { sseTranscript, toolCallChunks } from "../../client/test-support/replay-server.js";
import { UnsupportedSchemaError } from "../../errors/unsupported-schema-error.js";
import { startModelServer, type ModelServer } from "../../testing/model-server.js";
import { useReplayServer } from "../test-support/provider-fixtures.js";

const User = z.object({ name: z.string(), age: z.number().int(), email: z.string().optional(), tags: z.array(z.object({ label: z.string(), weight: z.number().optional() })) });
const messages: ChatMessage[] = [{ role: "user", content: "Make up a user." }];

type Tool = { type: string; strict?: boolean; name?: string; parameters?: Record<string, unknown>; function?: { name: string; strict?: boolean; parameters: Record<string, unknown> } };

describe("mode tools_strict", () => {
  const { serve } = useReplayServer();

  it("Chat Completions: strict: true on the forced function, the schema in the strict subset, absent fields read from null", async () => {
    const answer = JSON.stringify({ name: "Ada", age: 36, email: null, tags: [{ label: "math", weight: null }] });
    const { url, requests } = await serve(() => ({ pieces: [sseTranscript(toolCallChunks("User", [answer]))] }));
    const viaFetch = fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "tools_strict" });
    const viaSdk = fromOpenAI(new OpenAI({ baseURL: url, apiKey: "k" }), { mode: "tools_strict" });
    expect(await viaFetch.chat.completions.create({ model: "m", messages, response_model: { schema: User, name: "User" } })).toEqual({ name: "Ada", age: 36, tags: [{ label: "math" }] });
    expect(await viaSdk.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Make up a user." }], response_model: { schema: User, name: "User" } })).toEqual({ name: "Ada", age: 36, tags: [{ label: "math" }] });
    for (const request of requests) {
      const tool = (request.body["tools"] as Tool[])[0];
      expect(tool?.function?.strict).toBe(true);
      const parameters = tool?.function?.parameters as { required: string[]; additionalProperties: boolean; properties: Record<string, { type: unknown }> };
      expect(parameters.required).toEqual(["name", "age", "email", "tags"]);
      expect(parameters.additionalProperties).toBe(false);
      expect(parameters.properties["email"]?.type).toEqual(["string", "null"]);
      expect(request.body["tool_choice"]).toEqual({ type: "function", function: { name: "User" } });
    }
  });

  it("Responses API: strict: true on the function (tools mode says strict: false), fed back as function_call items", async () => {
    const events = (args: string) =>
      [
        { type: "response.created", response: { id: "resp_1", model: "m" } },
        { type: "response.output_item.added", output_index: 0, item: { type: "function_call", call_id: "call_1", name: "User", arguments: "" } },
        { type: "response.function_call_arguments.delta", output_index: 0, delta: args },
        { type: "response.completed", response: { usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } } },
      ]
        .map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
        .join("");
    const { url, requests } = await serve((index) => ({ pieces: [events(index === 0 ? '{"name": "Ada"}' : JSON.stringify({ name: "Ada", age: 36, email: null, tags: [] }))] }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k", api: "responses", mode: "tools_strict" });
    expect(await client.chat.completions.create({ model: "m", messages, response_model: { schema: User, name: "User" }, max_retries: 1 })).toEqual({ name: "Ada", age: 36, tags: [] });
    const tool = (requests[0]?.body["tools"] as Tool[])[0];
    expect(tool).toMatchObject({ type: "function", name: "User", strict: true });
    expect((tool?.parameters as { additionalProperties: boolean }).additionalProperties).toBe(false);
    expect((requests[1]?.body["input"] as { type?: string }[]).map((item) => item.type)).toEqual([undefined, "function_call", "function_call_output"]);
    const plain = fromProvider({ provider: "test", baseURL: url, apiKey: "k", api: "responses", mode: "tools" });
    await plain.chat.completions.create({ model: "m", messages, response_model: { schema: User, name: "User" } }).catch(() => undefined);
    expect((requests[2]?.body["tools"] as Tool[])[0]?.strict).toBe(false);
  });

  it("a schema the strict subset cannot carry is an UnsupportedSchemaError naming its path, before any request", async () => {
    const { url, requests } = await serve(() => ({ pieces: [""] }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "tools_strict" });
    const error = await client.chat.completions.create({ model: "m", messages, response_model: z.object({ scores: z.record(z.string(), z.number()) }) }).catch((caught: unknown) => caught);
    expect(UnsupportedSchemaError.isInstance(error)).toBe(true);
    expect((error as UnsupportedSchemaError).path).toContain("scores");
    expect(requests).toHaveLength(0);
  });

  it("only the OpenAI wires take it", () => {
    expect(() => fromProvider({ provider: "anthropic", mode: "tools_strict" as never, apiKey: "k" })).toThrow(/takes the modes "tools", "json_schema", "json", "md_json", not "tools_strict"/);
  });
});

describe("tools_strict against the offline server", () => {
  let server: ModelServer | undefined;
  afterEach(async () => server?.close());

  it("accepts strict tools on both wires and answers in the schema; a strict tool outside the subset is a 400 as OpenAI gives", async () => {
    server = await startModelServer({ seed: 11 });
    for (const api of ["chat", "responses"] as const) {
      const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "k", api, mode: "tools_strict" });
      const value = await client.chat.completions.create({ model: "m", messages, response_model: { schema: User, name: "User" } });
      expect(User.safeParse(value).success).toBe(true);
    }
    const response = await fetch(`${server.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages, tools: [{ type: "function", function: { name: "User", strict: true, parameters: { type: "object", properties: { name: { type: "string" } } } } }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("'required' is required to be supplied");
  });
});
