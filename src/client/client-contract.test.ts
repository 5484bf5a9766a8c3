// The client's contract at its edges: every schema and configuration mistake is a typed error
// whose message names the fix, raised before any request; names and descriptions come from the
// schema; provider extras pass through extra_body; the common fields reach each wire by its names.
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import fc from "fast-check";
import OpenAI from "openai";
import * as v from "valibot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigurationError } from "../errors/configuration-error.js";
import { SchemaError } from "../errors/schema-error.js";
import { anthropicMessagesProtocol } from "../providers/anthropic/messages-protocol.js";
import { geminiProtocol } from "../providers/gemini/gemini-protocol.js";
import { ollamaNativeProtocol } from "../providers/ollama/native-protocol.js";
import { openAIResponsesProtocol } from "../providers/openai/responses-protocol.js";
import { fromAnthropic } from "./from-anthropic.js";
import { fromGemini } from "./from-gemini.js";
import { fromOpenAI } from "./from-openai.js";
import { fromProvider } from "./from-provider.js";
import { toToolName } from "./schema-name.js";
import { iterableStream } from "../stream/iterable-stream.js";
import { partialStream } from "../stream/partial-stream.js";
import type { StructuredCompletions } from "./structured-client.js";
import { contentChunks, sseTranscript, startReplayServer, toolCallChunks, type ReplayServer } from "./test-support/replay-server.js";

const User = z.object({ name: z.string(), age: z.number() });
const messages = [{ role: "user" as const, content: "Extract the user." }];
const schema = { name: "request", description: undefined, jsonSchema: { type: "object" } };

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serveUser(): Promise<ReplayServer> {
  server = await startReplayServer(() => ({ pieces: [sseTranscript(toolCallChunks("User", ['{"name": "Ada", "age": 36}']))] }));
  return server;
}

type Loose = { chat: { completions: { [K in keyof StructuredCompletions]: (params: Record<string, unknown>) => unknown } } };
const paths: [string, (url: string) => Loose][] = [
  ["fetch", (url) => fromProvider({ provider: "test", baseURL: url }) as unknown as Loose],
  ["sdk", (url) => fromOpenAI(new OpenAI({ baseURL: url, apiKey: "x" })) as unknown as Loose],
];

// Runs a call by each method: the streams throw at once, the promises reject.
async function failureOf(client: Loose, method: keyof StructuredCompletions, params: Record<string, unknown>): Promise<unknown> {
  try {
    const result = client.chat.completions[method]({ model: "m", messages, ...params });
    if (method === "create" || method === "createWithCompletion") {
      return await (result as Promise<unknown>).then(
        () => "no error",
        (error: unknown) => error,
      );
    }
    return "no error";
  } catch (error) {
    return error;
  }
}

const schemaMistakes: [string, unknown, string, string][] = [
  [
    "a map of type names",
    { name: "string", age: "number" },
    "schema-invalid",
    'response_model is an object with the keys name, age and no JSON Schema keyword, not a schema; write it as { type: "object", properties: { name: { type: "string" }, age: { type: "number" } } } or z.object({ ... })',
  ],
  ["a Zod shape", User.shape, "schema-invalid", "response_model is a Zod shape (an object of schemas: name, age), not a schema; pass z.object({ ... }) around it (for User.shape, pass User itself)"],
  [
    "a string",
    "User",
    "schema-invalid",
    'response_model is the string "User", not a schema; pass a Zod schema (z.object({ ... })), another Standard Schema (valibot, ArkType) or a JSON Schema object ({ type: "object", properties: { ... } })',
  ],
  [
    "nothing",
    null,
    "schema-invalid",
    'response_model is null, not a schema; pass a Zod schema (z.object({ ... })), another Standard Schema (valibot, ArkType) or a JSON Schema object ({ type: "object", properties: { ... } })',
  ],
  ["a misspelt JSON Schema type", { type: "strng" }, "schema-invalid", 'response_model is a JSON Schema whose type is "strng", not a schema; type takes string, number, integer, boolean, object, array, null (or an array of them)'],
  ["a Zod shape inside { schema }", { schema: User.shape, name: "User" }, "schema-invalid", "response_model.schema is a Zod shape (an object of schemas: name, age), not a schema; pass z.object({ ... }) around it (for User.shape, pass User itself)"],
  [
    "a name providers refuse",
    { schema: User, name: "User Profile" },
    "schema-name-invalid",
    'response_model.name "User Profile" is not a name providers accept: use 1 to 64 letters, digits, _ or - (such as "User_Profile")',
  ],
  [
    "a Standard Schema with no JSON Schema",
    v.object({ name: v.string() }),
    "schema-not-serializable",
    "response_model gives no JSON Schema to send to the provider; pass Zod 4, a Standard JSON Schema (valibot through toStandardJsonSchema, ArkType) or a JSON Schema object",
  ],
];

describe.each(paths)("schemas are checked at the call, before any request (%s)", (path, makeClient) => {
  it.each(schemaMistakes)("%s is a SchemaError from every method", async (_name, responseModel, code, message) => {
    const { url, requests } = await serveUser();
    const client = makeClient(url);
    for (const method of ["create", "createPartial", "createIterable", "createWithCompletion"] as const) {
      const error = await failureOf(client, method, { response_model: responseModel });
      expect(error).toBeInstanceOf(SchemaError);
      expect(SchemaError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code });
      // createIterable names the schema it wraps the same way.
      expect((error as Error).message).toBe(message);
    }
    expect(requests).toHaveLength(0);
  });

  it("several schemas in a single-tool mode, and a nameless one in parallel_tools, are SchemaErrors", async () => {
    const { url, requests } = await serveUser();
    const several = await failureOf(makeClient(url), "createIterable", { response_model: [{ schema: User, name: "User" }] });
    expect(several).toMatchObject({ name: "SchemaError", code: "schema-invalid", path: "response_model" });
    const parallel = fromProvider({ provider: "test", baseURL: url, mode: "parallel_tools" }) as unknown as Loose;
    const nameless = await failureOf(parallel, "createIterable", { response_model: [{ schema: User }] });
    expect(nameless).toBeInstanceOf(SchemaError);
    expect((nameless as Error).message).toBe('response_model[0] needs a name: the model calls each tool by its name (write { schema, name: "Weather" })');
    expect(requests).toHaveLength(0);
  });

  it("call options of the wrong kind are ConfigurationErrors, before any request", async () => {
    const { url, requests } = await serveUser();
    const client = makeClient(url);
    const retries = await failureOf(client, "create", { response_model: User, max_retries: -1 });
    expect(retries).toBeInstanceOf(ConfigurationError);
    expect(retries).toMatchObject({ code: "configuration-invalid", option: "max_retries", message: "max_retries must be a whole number of 0 or more, not -1" });
    if (path === "fetch") {
      const unnamed = await (client.chat.completions.create({ messages, response_model: User }) as Promise<unknown>).catch((error: unknown) => error);
      expect(unnamed).toBeInstanceOf(ConfigurationError);
      expect(unnamed).toMatchObject({ option: "model", message: `fromProvider({ provider: "test" }): the call names no model; pass { model } in the call, or create the client as fromProvider("test/<model>")` });
    }
    const extra = await failureOf(client, "createPartial", { response_model: User, extra_body: "top_k=40" });
    expect(extra).toMatchObject({ code: "configuration-invalid", option: "extra_body", message: "extra_body must be an object of request fields, not string" });
    expect(requests).toHaveLength(0);
  });
});

describe("the stream layer checks its schema the same way", () => {
  it("partialStream and iterableStream refuse a Zod shape with a SchemaError naming the fix", () => {
    const source = (async function* () {
      yield "{}";
    })();
    for (const make of [() => partialStream(User.shape as never, source), () => iterableStream(User.shape as never, source)]) {
      expect(make).toThrow(SchemaError);
      expect(make).toThrow("schema is a Zod shape (an object of schemas: name, age), not a schema; pass z.object({ ... }) around it (for User.shape, pass User itself)");
    }
  });
});

describe("configuration mistakes are ConfigurationErrors when the client is created", () => {
  const saved = process.env["OPENAI_API_KEY"];
  beforeEach(() => {
    delete process.env["OPENAI_API_KEY"];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env["OPENAI_API_KEY"];
    else process.env["OPENAI_API_KEY"] = saved;
  });

  let calls = 0;
  const counting: typeof fetch = (...args) => {
    calls++;
    return fetch(...args);
  };
  beforeEach(() => {
    calls = 0;
  });
  afterEach(() => expect(calls).toBe(0));

  const cases: [string, () => unknown, string, string][] = [
    ["fromOpenAI({})", () => fromOpenAI({} as never), "client", "fromOpenAI expects an OpenAI SDK client (new OpenAI() from the openai package; for a server without the SDK, use fromProvider({ provider, baseURL })), with chat.completions.create(); it was given an object with no properties"],
    [
      "fromOpenAI(an Anthropic client)",
      () => fromOpenAI(new Anthropic({ apiKey: "x" }) as never),
      "client",
      "fromOpenAI expects an OpenAI SDK client (new OpenAI() from the openai package; for a server without the SDK, use fromProvider({ provider, baseURL })), with chat.completions.create(); it was given an instance of Anthropic with the properties ",
    ],
    ["fromOpenAI with an unknown mode", () => fromOpenAI(new OpenAI({ apiKey: "x" }), { mode: "xml" as never }), "mode", 'fromOpenAI takes the modes "tools", "json_schema", "json", "md_json", "parallel_tools", "tools_strict", not "xml"'],
    ["fromOpenAI with a baseURL without a scheme", () => fromOpenAI(new OpenAI({ apiKey: "x", baseURL: "localhost:8000/v1" })), "baseURL", 'fromOpenAI (the client\'s baseURL): the baseURL "localhost:8000/v1" has no http:// or https:// scheme; write "http://localhost:8000/v1" (or https://)'],
    ["fromAnthropic({})", () => fromAnthropic({} as never), "client", 'fromAnthropic expects an Anthropic SDK client (new Anthropic() from @anthropic-ai/sdk; without the SDK, use fromProvider("anthropic/<model>")), with messages.create(); it was given an object with no properties'],
    ["fromAnthropic with a baseURL without a scheme", () => fromAnthropic(new Anthropic({ apiKey: "x", baseURL: "127.0.0.1:8080" })), "baseURL", 'fromAnthropic (the client\'s baseURL): the baseURL "127.0.0.1:8080" has no http:// or https:// scheme; write "http://127.0.0.1:8080" (or https://)'],
    ["fromAnthropic with a mode it lacks", () => fromAnthropic(new Anthropic({ apiKey: "x" }), { mode: "parallel_tools" as never }), "mode", 'fromAnthropic takes the modes "tools", "json_schema", "json", "md_json", not "parallel_tools"'],
    ["fromGemini(an OpenAI client)", () => fromGemini(new OpenAI({ apiKey: "x" }) as never), "client", "fromGemini expects a Google Gen AI SDK client (new GoogleGenAI() from @google/genai; without the SDK, use fromProvider(\"gemini/<model>\")), with models.generateContentStream(); it was given an instance of OpenAI with the properties "],
    ["fromGemini with a mode it lacks", () => fromGemini(new GoogleGenAI({ apiKey: "x" }), { mode: "json" as never }), "mode", 'fromGemini takes the modes "json_schema", "tools", "md_json", not "json"'],
    [
      'fromProvider("gpt-4o")',
      () => fromProvider("gpt-4o", { fetch: counting }),
      "provider",
      'fromProvider("gpt-4o"): "gpt-4o" is not a known provider. If "gpt-4o" is a model, write "provider/model", such as "openai/gpt-4o". Known providers: openai, anthropic, gemini, groq, openrouter, together, deepseek, mistral, ollama, ollama-native, vllm, llamacpp, lmstudio, xai, fireworks, cerebras, perplexity, azure, vertex; for another server, pass { provider, baseURL }',
    ],
    [
      "fromProvider with an unknown provider and no baseURL",
      () => fromProvider({ provider: "acme", fetch: counting }),
      "baseURL",
      'fromProvider({ provider: "acme" }): "acme" is not a known provider, so it needs a baseURL (such as "http://localhost:8000/v1"). Known providers: openai, anthropic, gemini, groq, openrouter, together, deepseek, mistral, ollama, ollama-native, vllm, llamacpp, lmstudio, xai, fireworks, cerebras, perplexity, azure, vertex',
    ],
    ['fromProvider("openai/…") without OPENAI_API_KEY', () => fromProvider("openai/gpt-4o", { fetch: counting }), "apiKey", 'fromProvider("openai/gpt-4o") needs an API key: set OPENAI_API_KEY in the environment, or pass { apiKey }'],
    ["fromProvider with a baseURL without a scheme", () => fromProvider({ baseURL: "localhost:8000/v1", fetch: counting }), "baseURL", 'fromProvider({ provider: "openai" }): the baseURL "localhost:8000/v1" has no http:// or https:// scheme; write "http://localhost:8000/v1" (or https://)'],
    [
      "fromProvider with a password in the baseURL",
      () => fromProvider({ provider: "vllm", baseURL: "http://admin:hunter2secret@gpu-box:8000/v1", fetch: counting }),
      "baseURL",
      'fromProvider({ provider: "vllm" }): the baseURL holds a user name or password (http://…@gpu-box:8000); fetch refuses such URLs, and a URL shows in error messages. Write "http://gpu-box:8000/v1" and send the credentials in a header (an authorization header, or the apiKey)',
    ],
    ["fromOpenAI with a user name in the client's baseURL", () => fromOpenAI(new OpenAI({ apiKey: "x", baseURL: "https://me@proxy.example/v1" })), "baseURL", 'fromOpenAI (the client\'s baseURL): the baseURL holds a user name or password (https://…@proxy.example); fetch refuses such URLs, and a URL shows in error messages. Write "https://proxy.example/v1" and send the credentials in a header (an authorization header, or the apiKey)'],
    ["fromProvider with another scheme", () => fromProvider({ provider: "vllm", baseURL: "ftp://gpu-box/v1", fetch: counting }), "baseURL", 'fromProvider({ provider: "vllm" }): the baseURL "ftp://gpu-box/v1" has no http:// or https:// scheme; write a URL that starts with http:// or https://'],
    ["fromProvider with an unknown mode", () => fromProvider({ provider: "vllm", mode: "xml" as never, fetch: counting }), "mode", 'fromProvider({ provider: "vllm" }) takes the modes "tools", "json_schema", "json", "md_json", "parallel_tools", "tools_strict", not "xml"'],
    ['fromProvider("gemini/…") with a mode Gemini lacks', () => fromProvider("gemini/gemini-2.5-flash", { apiKey: "x", mode: "json" as never, fetch: counting }), "mode", 'fromProvider("gemini/gemini-2.5-flash") takes the modes "json_schema", "tools", "md_json", not "json"'],
  ];

  it.each(cases)("%s", (_name, create, option, message) => {
    let error: unknown;
    try {
      create();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "configuration-invalid", option });
    if (message.endsWith(" ")) expect((error as Error).message.startsWith(message)).toBe(true);
    else expect((error as Error).message).toBe(message);
  });

  it("a key in the environment, a key given, or a baseURL of one's own needs no error", () => {
    process.env["OPENAI_API_KEY"] = "sk-from-env";
    expect(fromProvider("openai/gpt-4o").baseURL).toBe("https://api.openai.com/v1");
    delete process.env["OPENAI_API_KEY"];
    expect(fromProvider("openai/gpt-4o", { apiKey: "sk-given" }).provider).toBe("openai");
    expect(fromProvider({ provider: "openai", baseURL: "http://127.0.0.1:9/v1" }).baseURL).toBe("http://127.0.0.1:9/v1");
    expect(fromProvider("ollama/llama3.2").baseURL).toBe("http://localhost:11434/v1");
  });
});

describe("names and descriptions come from the schema", () => {
  const sentTool = async (responseModel: unknown, method: "create" | "createIterable" = "create") => {
    const replay = await startReplayServer(() => ({ pieces: [sseTranscript(toolCallChunks("any", ['{"items": []}']))] }));
    try {
      const client = fromProvider({ provider: "test", baseURL: replay.url }) as unknown as Loose;
      const call = { model: "m", messages, response_model: responseModel };
      if (method === "create") await (client.chat.completions.create(call) as Promise<unknown>).catch(() => undefined);
      else for await (const item of client.chat.completions.createIterable(call) as AsyncIterable<unknown>) expect(item).toBeDefined();
      const body = replay.requests[0]?.body as { tools: { function: { name: string; description?: string } }[] };
      return body.tools[0]?.function;
    } finally {
      await replay.close();
    }
  };

  it("Zod's .meta({ title, description }) names the tool, made to fit the providers' rule", async () => {
    const Profile = z.object({ name: z.string() }).meta({ title: "User Profile", description: "A person's public profile" });
    expect(await sentTool(Profile)).toEqual({ name: "User_Profile", description: "A person's public profile", parameters: expect.any(Object) });
    expect(await sentTool(Profile, "createIterable")).toMatchObject({ name: "User_ProfileList", description: "A person's public profile" });
  });

  it("Zod's .describe() gives the description; a JSON Schema's title and description both", async () => {
    expect(await sentTool(z.object({ name: z.string() }).describe("Who wrote it"))).toMatchObject({ name: "Response", description: "Who wrote it" });
    const weather = { title: "Weather report", description: "Today's weather", type: "object", properties: { city: { type: "string" } } };
    expect(await sentTool(weather)).toMatchObject({ name: "Weather_report", description: "Today's weather" });
  });

  it("{ schema, name, description } overrides the schema's own", async () => {
    const Profile = z.object({ name: z.string() }).meta({ title: "User Profile", description: "A person" });
    expect(await sentTool({ schema: Profile, name: "Person", description: "Someone" })).toMatchObject({ name: "Person", description: "Someone" });
  });

  it("the name goes to json_schema mode's response_format too", async () => {
    const replay = await startReplayServer(() => ({ pieces: [sseTranscript(contentChunks(['{"name": "Ada"}']))] }));
    try {
      const client = fromProvider({ provider: "test", baseURL: replay.url, mode: "json_schema" });
      await client.chat.completions.create({ model: "m", messages, response_model: z.object({ name: z.string() }).meta({ title: "Émile's card" }) });
      expect(replay.requests[0]?.body["response_format"]).toMatchObject({ json_schema: { name: "Emile_s_card" } });
    } finally {
      await replay.close();
    }
  });

  it("any title becomes a name of 1 to 64 letters, digits, _ or -", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (title) => {
        expect(toToolName(title)).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      }),
    );
    expect(toToolName("User Profile")).toBe("User_Profile");
    expect(toToolName("???")).toBe("Response");
  });
});

describe("requests: extra_body and the common fields on each wire", () => {
  it("extra_body reaches the request body as top-level fields; hooks see the body as sent", async () => {
    const { url, requests } = await serveUser();
    const client = fromProvider({ provider: "test", baseURL: url });
    const models: (string | undefined)[] = [];
    client.on("completion:kwargs", ({ body }) => models.push(body.model));
    await client.chat.completions.create({ model: "m", messages, temperature: 0.2, seed: 7, response_model: { schema: User, name: "User" }, extra_body: { reasoning_effort: "low", top_k: 40 } });
    expect(requests[0]?.body).toMatchObject({ model: "m", temperature: 0.2, seed: 7, reasoning_effort: "low", top_k: 40 });
    expect(requests[0]?.body).not.toHaveProperty("extra_body");
    expect(models).toEqual(["m"]);
  });

  it("Anthropic takes stop as stop_sequences", () => {
    const body = anthropicMessagesProtocol.buildRequest({ model: "c", messages, stop: "END", temperature: 0 }, "tools", schema);
    expect(body).toMatchObject({ stop_sequences: ["END"], temperature: 0 });
    expect(body).not.toHaveProperty("stop");
  });

  it("Gemini takes the sampling fields in generationConfig, merged with extra ones", () => {
    const body = geminiProtocol.buildRequest({ model: "g", messages, stop: ["END"], seed: 3, top_p: 0.9, max_tokens: 100, generationConfig: { topK: 40 } }, "json_schema", schema);
    expect(body["generationConfig"]).toMatchObject({ stopSequences: ["END"], seed: 3, topP: 0.9, maxOutputTokens: 100, topK: 40, responseMimeType: "application/json" });
    expect(body).not.toHaveProperty("seed");
  });

  it("Ollama's native API takes them in options (max_tokens as num_predict)", () => {
    const body = ollamaNativeProtocol.buildRequest({ model: "o", messages, temperature: 0.1, seed: 3, stop: "END", max_tokens: 50, options: { num_ctx: 8192 } }, "json_schema", schema);
    expect(body["options"]).toEqual({ num_ctx: 8192, temperature: 0.1, seed: 3, stop: ["END"], num_predict: 50 });
    expect(body).not.toHaveProperty("temperature");
  });

  it("the Responses API takes max_tokens as max_output_tokens", () => {
    const body = openAIResponsesProtocol.buildRequest({ model: "r", messages, max_tokens: 64 }, "json_schema", schema);
    expect(body).toMatchObject({ max_output_tokens: 64 });
    expect(body).not.toHaveProperty("max_tokens");
  });
});
