import { describe, expect, it } from "vitest";
import type { ChatMessage } from "./chat-request.js";
import { z } from "zod";
import { ConfigurationError } from "../errors/configuration-error.js";
import { expectedUser, useReplayServer, userJson } from "../providers/test-support/provider-fixtures.js";
import { sseTranscript, toolCallChunks } from "./test-support/replay-server.js";
import { fromProvider, PROVIDER_PRESETS } from "./from-provider.js";
import { fromOpenAI } from "./from-openai.js";
import { AzureOpenAI } from "openai";

const User = z.object({ name: z.string(), age: z.number().int(), bio: z.string() });
const messages: ChatMessage[] = [{ role: "user", content: "Extract the user." }];
const KEY = "azure-key-SECRET-0123456789";

// A fetch that records the URL a client asks for, and sends the request to the loopback server.
function redirectTo(url: string, seen: string[]): typeof globalThis.fetch {
  return (input, init) => {
    seen.push(String(input));
    const target = new URL(String(input));
    return globalThis.fetch(`${url.replace(/\/v1$/, "")}${target.pathname}${target.search}`, init);
  };
}

describe("cloud presets", () => {
  const { serve } = useReplayServer();

  it("azure: the deployment in the path, api-version in the query, the key in api-key (never as a bearer)", async () => {
    const { url, requests } = await serve(() => ({ pieces: [sseTranscript(toolCallChunks("User", [userJson]))] }));
    const seen: string[] = [];
    const client = fromProvider("azure/my-gpt4o", { resource: "contoso", apiKey: KEY, fetch: redirectTo(url, seen) });
    expect(await client.chat.completions.create({ messages, response_model: { schema: User, name: "User" } })).toEqual(expectedUser);
    expect(seen).toEqual(["https://contoso.openai.azure.com/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21"]);
    expect(requests[0]?.headers["api-key"]).toBe(KEY);
    expect(requests[0]?.headers["authorization"]).toBeUndefined();
    // The endpoint as the portal shows it, and another API version.
    const other = fromProvider("azure/dep", { baseURL: "https://contoso.openai.azure.com/", apiVersion: "2025-01-01-preview", apiKey: KEY, fetch: redirectTo(url, seen) });
    await other.chat.completions.create({ messages, response_model: { schema: User, name: "User" } });
    expect(seen[1]).toBe("https://contoso.openai.azure.com/openai/deployments/dep/chat/completions?api-version=2025-01-01-preview");
  });

  it("azure through the SDK's AzureOpenAI client: the same URL and header", async () => {
    const { url, requests } = await serve(() => ({ pieces: [sseTranscript(toolCallChunks("User", [userJson]))] }));
    const client = fromOpenAI(new AzureOpenAI({ endpoint: url.replace(/\/v1$/, ""), apiKey: KEY, apiVersion: "2024-10-21", deployment: "my-gpt4o" }));
    expect(await client.chat.completions.create({ model: "my-gpt4o", messages: messages as never, response_model: { schema: User, name: "User" } })).toEqual(expectedUser);
    expect(requests[0]?.url).toBe("/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21");
    expect(requests[0]?.headers["api-key"]).toBe(KEY);
  });

  it("azure: an error from the service does not carry the key", async () => {
    const { url } = await serve(() => ({ status: 401, headers: { "content-type": "application/json" }, pieces: [JSON.stringify({ error: { code: "401", message: "Access denied due to invalid subscription key." } })] }));
    const client = fromProvider("azure/dep", { baseURL: url, apiKey: KEY });
    const error = await client.chat.completions.create({ messages, response_model: User }).catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(401);
    expect(JSON.stringify(error) + String(error) + JSON.stringify((error as { body?: unknown }).body)).not.toContain(KEY);
  });

  it("azure: no endpoint, or no deployment, is a ConfigurationError that says what to give", async () => {
    expect(() => fromProvider("azure/dep", { apiKey: KEY })).toThrow(ConfigurationError);
    expect(() => fromProvider("azure/dep", { apiKey: KEY })).toThrow(/AZURE_OPENAI_ENDPOINT/);
    expect(() => fromProvider("azure/dep", { resource: "r", api: "responses" })).toThrow(/Chat Completions on a deployment/);
    const client = fromProvider({ provider: "azure", resource: "r", apiKey: KEY, fetch: () => Promise.reject(new Error("not reached")) });
    await expect(client.chat.completions.create({ messages, response_model: User })).rejects.toThrow(/names no model/);
  });

  it("vertex: Gemini's body at the project's regional URL, with the access token as bearer", async () => {
    const gemini = `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: userJson }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 5, totalTokenCount: 8 } })}\n\n`;
    const { url, requests } = await serve(() => ({ pieces: [gemini] }));
    const seen: string[] = [];
    const client = fromProvider("vertex/gemini-2.5-flash", { project: "my-project", location: "europe-west4", apiKey: "ya29.token", fetch: redirectTo(url, seen) });
    expect(await client.chat.completions.create({ messages, response_model: User })).toEqual(expectedUser);
    expect(seen).toEqual(["https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse"]);
    expect(requests[0]?.headers["authorization"]).toBe("Bearer ya29.token");
    expect(requests[0]?.headers["x-goog-api-key"]).toBeUndefined();
    expect(requests[0]?.body).toHaveProperty("contents");
    expect(requests[0]?.body).toHaveProperty(["generationConfig", "responseJsonSchema"]);
    const global = fromProvider("vertex/gemini-2.5-pro", { project: "p", location: "global", apiKey: "t", fetch: redirectTo(url, seen) });
    await global.chat.completions.create({ messages, response_model: User });
    expect(seen[1]).toBe("https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    expect(() => fromProvider("vertex/gemini-2.5-flash", { apiKey: "t" })).toThrow(/GOOGLE_CLOUD_PROJECT/);
  });

  it("xai, fireworks, cerebras and perplexity: their URL and key variable; perplexity answers through json_schema", async () => {
    for (const [name, baseURL, variable] of [
      ["xai", "https://api.x.ai/v1", "XAI_API_KEY"],
      ["fireworks", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"],
      ["cerebras", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"],
      ["perplexity", "https://api.perplexity.ai", "PERPLEXITY_API_KEY"],
    ] as const) {
      expect(PROVIDER_PRESETS[name]).toMatchObject({ baseURL, apiKeyVariable: variable });
      expect(fromProvider(`${name}/some-model`, { apiKey: "k" }).baseURL).toBe(baseURL);
    }
    const { url, requests } = await serve(() => ({ pieces: [sseTranscript([{ choices: [{ index: 0, delta: { content: userJson } }] }, { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }])] }));
    const seen: string[] = [];
    const client = fromProvider("perplexity/sonar", { apiKey: "pplx", fetch: redirectTo(url, seen) });
    expect(await client.chat.completions.create({ messages, response_model: { schema: User, name: "User" } })).toEqual(expectedUser);
    expect(seen).toEqual(["https://api.perplexity.ai/chat/completions"]);
    expect(requests[0]?.body).toMatchObject({ model: "sonar", response_format: { type: "json_schema", json_schema: { name: "User" } } });
    expect(() => fromProvider("perplexity/sonar", { mode: "tools" })).toThrow(/takes the modes "json_schema", "md_json", not "tools"/);
  });
});
