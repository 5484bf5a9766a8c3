import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { fromAnthropic } from "../client/from-anthropic.js";
import { fromGemini } from "../client/from-gemini.js";
import { fromOpenAI } from "../client/from-openai.js";
import { fromProvider } from "../client/from-provider.js";
import type { StructuredCompletions } from "../client/structured-client.js";
import type { AnthropicRequest } from "../client/from-anthropic.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { startModelServer, type ModelServer } from "./model-server.js";
import { sampleValue, seededRandom } from "./sample-data.js";

const User = z.object({
  name: z.string(),
  age: z.number().int().min(0).max(120),
  bio: z.string(),
  email: z.email().optional(),
  role: z.enum(["admin", "member", "guest"]),
  tags: z.array(z.string()).min(1).max(4),
  joined: z.iso.datetime(),
  id: z.uuid(),
});
const messages = [{ role: "user" as const, content: "Make up a user." }];

let server: ModelServer;
beforeEach(async () => {
  // Streams at a rate, as a model does, so that partials arrive one network write at a time
  // (the timer wheel's resolution is 1 ms: a faster rate sends several tokens per write).
  server = await startModelServer({ seed: 7, tokensPerSecond: 1000 });
});
afterEach(async () => {
  await server.close();
});

const client = (mode: "tools" | "json_schema" | "json" | "md_json" = "tools") => fromProvider({ provider: "offline", baseURL: server.url, apiKey: "offline", mode });

describe("sample data", () => {
  it("fits its schema for every seed: formats, bounds, enums, item counts, unions, recursion", () => {
    const Node: z.ZodType<{ label: string; children?: unknown[] | undefined }> = z.lazy(() => z.object({ label: z.string(), children: z.array(Node).optional() }));
    const schemas = [
      User,
      z.object({ shape: z.discriminatedUnion("kind", [z.object({ kind: z.literal("circle"), r: z.number().positive() }), z.object({ kind: z.literal("square"), side: z.number().gt(1).lt(2) })]) }),
      z.object({ note: z.string().min(40).max(60).nullable(), when: z.iso.date(), site: z.url(), count: z.number().int().multipleOf(1) }),
      z.object({ tree: Node }),
    ];
    for (const schema of schemas) {
      const json = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
      for (let seed = 0; seed < 60; seed++) {
        const value = sampleValue(json, seededRandom(seed));
        const result = schema.safeParse(value);
        expect(result.success, `seed ${seed}: ${JSON.stringify(value)} ${result.error?.message ?? ""}`).toBe(true);
      }
    }
  });
});

describe("sample data under a strict mode", () => {
  it("reads constraints that a strict mode moved into the description, as a model would", () => {
    const schema = { type: "object", properties: { email: { type: "string", description: 'Contact (format: "email")' }, code: { type: "string", description: "(minLength: 30, maxLength: 30)" }, n: { type: "integer", description: "(minimum: 5, maximum: 6)" } }, required: ["email", "code", "n"] };
    for (let seed = 0; seed < 20; seed++) {
      const value = sampleValue(schema, seededRandom(seed)) as { email: string; code: string; n: number };
      expect(z.email().safeParse(value.email).success).toBe(true);
      expect([...value.code]).toHaveLength(30);
      expect([5, 6]).toContain(value.n);
    }
  });
});

describe("the offline model server", () => {
  it.each(["tools", "json_schema", "json", "md_json"] as const)("answers %s mode with schema-valid data, streaming and not", async (mode) => {
    const user = await client(mode).chat.completions.create({ model: "offline", messages, response_model: { schema: User, name: "User" } });
    expect(User.safeParse(user).success).toBe(true);
    const stream = client(mode).chat.completions.createPartial({ model: "offline", messages, response_model: User });
    const partials: unknown[] = [];
    for await (const partial of stream) partials.push(partial);
    expect(partials.length).toBeGreaterThan(1);
    expect((await stream.result).usage.totalTokens).toBeGreaterThan(0);
  });

  it("answers through the official SDK, streaming and plain", async () => {
    const sdk = new OpenAI({ baseURL: server.url, apiKey: "offline" });
    const plain = await sdk.chat.completions.create({ model: "offline", messages });
    expect(plain.choices[0]?.message.content).toContain("offline model");
    const user = await fromOpenAI(sdk).chat.completions.create({ model: "offline", messages, response_model: User });
    expect(User.safeParse(user).success).toBe(true);
  });

  it("gives the same answer for the same seed and request, another for another seed", async () => {
    const first = await client().chat.completions.create({ model: "offline", messages, response_model: User });
    const again = await client().chat.completions.create({ model: "offline", messages, response_model: User });
    expect(again).toEqual(first);
    const other = await startModelServer({ seed: 8 });
    try {
      const different = await fromProvider({ baseURL: other.url, apiKey: "x" }).chat.completions.create({ model: "offline", messages, response_model: User });
      expect(different).not.toEqual(first);
    } finally {
      await other.close();
    }
  });

  it("streams scripted answers exactly", async () => {
    const scripted = await startModelServer({ scripts: [{ match: "Ada", text: '{"name": "Ada Lovelace", "age": 36}' }] });
    try {
      const Person = z.object({ name: z.string(), age: z.number() });
      const person = await fromProvider({ baseURL: scripted.url, apiKey: "x" }).chat.completions.create({ model: "m", messages: [{ role: "user", content: "Who is Ada?" }], response_model: Person });
      expect(person).toEqual({ name: "Ada Lovelace", age: 36 });
    } finally {
      await scripted.close();
    }
  });

  it("breaks a scripted answer's first attempt on request too, in every mode, and serves the script on the retry", async () => {
    const scripted = await startModelServer({ scripts: [{ match: "Ada", text: '{"name": "Ada Lovelace", "age": 36}' }] });
    try {
      const Person = z.object({ name: z.string(), age: z.number() });
      for (const mode of ["tools", "json_schema", "json", "md_json"] as const) {
        const errors: unknown[] = [];
        const scriptedClient = fromProvider({ baseURL: scripted.url, apiKey: "x", mode });
        scriptedClient.on("parse:error", (error) => errors.push(error));
        const { data, attempts } = await scriptedClient.chat.completions.createWithCompletion({
          model: "m+invalid-first",
          messages: [{ role: "user", content: "Who is Ada?" }],
          response_model: Person,
          max_retries: 1,
        });
        expect({ mode, data, attempts, errors: errors.length }).toEqual({ mode, data: { name: "Ada Lovelace", age: 36 }, attempts: 2, errors: 1 });
      }
    } finally {
      await scripted.close();
    }
  });

  it("breaks the first attempt on request (invalid-first), and a retry fixes it", async () => {
    const stream = client().chat.completions.createPartial({ model: "offline+invalid-first", messages, response_model: User, max_retries: 1 });
    const attempts = new Set<number>();
    for await (const update of stream.updates()) attempts.add(update.attempt);
    expect([...attempts]).toEqual([1, 2]);
    const { data, attempts: count } = await stream.result;
    expect(User.safeParse(data).success).toBe(true);
    expect(count).toBe(2);
  });

  it("stops at the token limit, drops the connection or sends an error mid-answer on request", async () => {
    const cut = await client().chat.completions.create({ model: "offline+length", messages, response_model: User }).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(IncompleteOutputError);
    expect(cut).toMatchObject({ finishReason: "length" });
    const dropped = await client().chat.completions.create({ model: "offline", messages, response_model: User, max_transport_retries: 0 }).then(() => "ok");
    expect(dropped).toBe("ok");
    for (const fault of ["drop", "error"]) {
      const error = await client().chat.completions.create({ model: `offline+${fault}`, messages, response_model: User }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
    }
  });

  it("answers 429 with Retry-After once, then the same request succeeds", async () => {
    const response = await fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "offline+429", messages }) });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after-ms")).toBe("200");
    expect(User.safeParse(await client().chat.completions.create({ model: "offline+429", messages: [{ role: "user", content: "Another user." }], response_model: User })).success).toBe(true);
  });

  it("pauses before the first token on request (slow-first-token)", async () => {
    const slow = await startModelServer({ slowFirstTokenMs: 30 });
    try {
      const user = await fromProvider({ baseURL: slow.url, apiKey: "x" }).chat.completions.create({ model: "m+slow-first-token", messages, response_model: User });
      expect(User.safeParse(user).success).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("answers a malformed request as the API would, and keeps serving", async () => {
    const post = (body: string, path = "/chat/completions") => fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const cases: [Response, number, string][] = [
      [await post("{not json"), 400, "not JSON"],
      [await post(JSON.stringify({ messages })), 400, "model"],
      [await post(JSON.stringify({ model: "m", messages: [] })), 400, "messages"],
      [await post(JSON.stringify({ model: "m+explode", messages })), 400, "Unknown fault"],
      [await post("{}", "/embeddings"), 404, "Unknown route"],
    ];
    for (const [response, status, text] of cases) {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { message: string; type: string } };
      expect(body.error.message).toContain(text);
      expect(body.error.type).toBe("invalid_request_error");
    }
    expect(User.safeParse(await client().chat.completions.create({ model: "offline", messages, response_model: User })).success).toBe(true);
  });
});

describe("the offline model server's Anthropic wire", () => {
  const anthropicClients = (mode: "tools" | "json_schema" | "json" | "md_json" = "tools"): { chat: { completions: StructuredCompletions<AnthropicRequest> } }[] => [
    fromProvider({ provider: "anthropic", baseURL: server.url, apiKey: "offline", mode }),
    fromAnthropic(new Anthropic({ apiKey: "offline", baseURL: server.url.replace(/\/v1$/, "") }), { mode }),
  ];

  it.each(["tools", "json_schema", "json", "md_json"] as const)("answers %s mode with schema-valid data, over fetch and through the SDK", async (mode) => {
    for (const client of anthropicClients(mode)) {
      const stream = client.chat.completions.createPartial({ model: "claude-offline", messages, response_model: { schema: User, name: "User" } });
      let count = 0;
      for await (const partial of stream) if (partial !== undefined) count++;
      const { data, usage } = await stream.result;
      expect(User.safeParse(data).success).toBe(true);
      expect(count).toBeGreaterThan(1);
      expect(usage.inputTokens).toBeGreaterThan(0);
      expect(usage.outputTokens).toBeGreaterThan(0);
    }
  });

  it("breaks the first attempt on request, and a tool_result with the errors fixes it", async () => {
    for (const client of anthropicClients()) {
      const result = await client.chat.completions.createWithCompletion({ model: "claude-offline+invalid-first", messages, response_model: User, max_retries: 1 });
      expect(result.attempts).toBe(2);
      expect(User.safeParse(result.data).success).toBe(true);
    }
  });

  it("stops at max_tokens, sends overloaded_error or drops the connection on request", async () => {
    const [client] = anthropicClients();
    const cut = await client?.chat.completions.create({ model: "claude-offline+length", messages, response_model: User }).catch((error: unknown) => error);
    expect(cut).toMatchObject({ code: "incomplete-output", finishReason: "length" });
    for (const fault of ["error", "drop"]) {
      const error = await client?.chat.completions.create({ model: `claude-offline+${fault}`, messages, response_model: User, max_transport_retries: 0 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
    }
  });

  it("answers plain and malformed Messages requests as the API would", async () => {
    const sdk = new Anthropic({ apiKey: "offline", baseURL: server.url.replace(/\/v1$/, "") });
    const message = await sdk.messages.create({ model: "claude-offline", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
    expect(message.content[0]).toMatchObject({ type: "text", text: expect.stringContaining("offline model") });
    const response = await fetch(`${server.url}/messages`, { method: "POST", body: JSON.stringify({ model: "m", messages }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } });
  });
});

describe("the offline model server's Ollama native wire", () => {
  const ollama = (mode: "json_schema" | "tools" | "json" | "md_json" = "json_schema") => fromProvider({ provider: "ollama-native", baseURL: server.url.replace(/\/v1$/, ""), mode });

  it.each(["json_schema", "tools", "json", "md_json"] as const)("answers %s mode with schema-valid data", async (mode) => {
    const stream = ollama(mode).chat.completions.createPartial({ model: "llama3.2", messages, response_model: { schema: User, name: "User" } });
    for await (const partial of stream) void partial;
    const { data, usage } = await stream.result;
    expect(User.safeParse(data).success).toBe(true);
    expect(usage.totalTokens).toBeGreaterThan(0);
  });

  it("retries after invalid-first, and ends as asked with length and error", async () => {
    expect((await ollama().chat.completions.createWithCompletion({ model: "llama3.2+invalid-first", messages, response_model: User, max_retries: 1 })).attempts).toBe(2);
    await expect(ollama().chat.completions.create({ model: "llama3.2+length", messages, response_model: User })).rejects.toMatchObject({ finishReason: "length" });
    await expect(ollama().chat.completions.create({ model: "llama3.2+error", messages, response_model: User, max_transport_retries: 0 })).rejects.toBeInstanceOf(ProviderError);
  });
});

describe("the offline model server's Responses and Gemini wires", () => {
  const root = () => server.url.replace(/\/v1$/, "");
  const clients = {
    "responses over fetch": (mode: "json_schema" | "tools") => fromProvider({ provider: "openai", baseURL: server.url, apiKey: "offline", api: "responses", mode }),
    "responses through the SDK": (mode: "json_schema" | "tools") => fromOpenAI(new OpenAI({ apiKey: "offline", baseURL: server.url }), { api: "responses", mode }),
    "gemini over fetch": (mode: "json_schema" | "tools") => fromProvider({ provider: "gemini", baseURL: `${root()}/v1beta`, apiKey: "offline", mode }),
    "gemini through the SDK": (mode: "json_schema" | "tools") => fromGemini(new GoogleGenAI({ apiKey: "offline", httpOptions: { baseUrl: root(), apiVersion: "v1beta" } }), { mode }),
  };

  it.each(Object.entries(clients))("answers both modes with schema-valid data: %s", async (_name, make) => {
    for (const mode of ["json_schema", "tools"] as const) {
      const stream = (make(mode) as { chat: { completions: StructuredCompletions } }).chat.completions.createPartial({ model: "offline-model", messages, response_model: { schema: User, name: "User" } });
      for await (const partial of stream) void partial;
      const { data, usage } = await stream.result;
      expect(User.safeParse(data).success, `${mode}: ${JSON.stringify(data)}`).toBe(true);
      expect(usage.totalTokens).toBeGreaterThan(0);
    }
  });

  it.each(Object.entries(clients))("retries after invalid-first and stops at the token limit on request: %s", async (_name, make) => {
    const completions = (make("json_schema") as { chat: { completions: StructuredCompletions } }).chat.completions;
    expect((await completions.createWithCompletion({ model: "offline-model+invalid-first", messages, response_model: User, max_retries: 1 })).attempts).toBe(2);
    await expect(completions.create({ model: "offline-model+length", messages, response_model: User })).rejects.toMatchObject({ code: "incomplete-output" });
  });
});
