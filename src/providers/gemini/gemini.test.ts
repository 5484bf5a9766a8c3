// Gemini's streamGenerateContent through fromProvider (fetch) and fromGemini (@google/genai),
// replayed byte for byte by a loopback server, also cut at awkward places.
import { GoogleGenAI } from "@google/genai";
import { describe, expect, it } from "vitest";
import { fromGemini } from "../../client/from-gemini.js";
import { fromProvider } from "../../client/from-provider.js";
import type { StructuredCompletions } from "../../client/structured-client.js";
import type { ReplayServer } from "../../client/test-support/replay-server.js";
import { deltas, describeSameGuarantees, expectedUser, itemsJson, useReplayServer, User, userJson } from "../test-support/provider-fixtures.js";
import { ContentFilterError } from "../../errors/content-filter-error.js";
import { IncompleteOutputError } from "../../errors/incomplete-output-error.js";
import { splitAt } from "../../json/test-support/feed.js";

const KEY = "gemini-SECRET-key";
const messages = [
  { role: "system" as const, content: "You extract users." },
  { role: "user" as const, content: "Ada Lovelace, 36." },
];

// Gemini ends events with CRLF, and repeats the usage on every event (the last one counts).
function transcript(pieces: readonly string[], { finish = "STOP" }: { finish?: string } = {}): string {
  return pieces
    .map((text, index) => {
      const isLast = index === pieces.length - 1;
      const chunk = {
        candidates: [{ content: { parts: [{ text }], role: "model" }, index: 0, ...(isLast ? { finishReason: finish } : {}) }],
        usageMetadata: { promptTokenCount: 15, candidatesTokenCount: index + 1, totalTokenCount: 16 + index },
        modelVersion: "gemini-test",
        responseId: "resp-1",
      };
      return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
    })
    .join("");
}

function callTranscript(args: unknown): string {
  const chunk = {
    candidates: [{ content: { parts: [{ functionCall: { name: "User", args } }], role: "model" }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 15, candidatesTokenCount: 9, totalTokenCount: 24 },
  };
  return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
}

const { serve } = useReplayServer();

type Mode = "json_schema" | "tools" | "md_json";
const root = (url: string) => url.replace(/\/v1$/, "");
const paths: [string, (url: string, mode: Mode) => { chat: { completions: StructuredCompletions } }][] = [
  ["fetch", (url, mode) => fromProvider({ provider: "gemini", baseURL: `${root(url)}/v1beta`, apiKey: KEY, mode })],
  ["sdk", (url, mode) => fromGemini(new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: root(url), apiVersion: "v1beta" } }), { mode })],
];

describe.each(paths)("Gemini, %s path", (_path, client) => {
  it("json_schema mode sends responseJsonSchema and reads text parts; usage is the last event's", async () => {
    const { url, requests } = await serve(() => ({ pieces: transcript(deltas(userJson, 6)).split(/(?<=\r\n\r\n)/), pauseMs: 1 }));
    const stream = client(url, "json_schema").chat.completions.createPartial({ model: "gemini-test", messages, response_model: { schema: User, name: "User" } });
    const partials: unknown[] = [];
    for await (const partial of stream) partials.push(partial);
    expect(partials.length).toBeGreaterThan(3);
    const pieceCount = deltas(userJson, 6).length;
    expect(await stream.result).toMatchObject({ data: expectedUser, usage: { inputTokens: 15, outputTokens: pieceCount, totalTokens: 15 + pieceCount } });
    const request = requests[0] as ReplayServer["requests"][number];
    expect(request.url).toBe("/v1beta/models/gemini-test:streamGenerateContent?alt=sse");
    expect(request.headers["x-goog-api-key"]).toBe(KEY);
    expect(request.body).toMatchObject({
      contents: [{ role: "user", parts: [{ text: "Ada Lovelace, 36." }] }],
      systemInstruction: { parts: [{ text: "You extract users." }] },
      generationConfig: { responseMimeType: "application/json", responseJsonSchema: { type: "object" } },
    });
    expect(request.body["model"]).toBeUndefined();
  });

  it("gives the same value when the stream is cut at awkward places", async () => {
    const bytes = new TextEncoder().encode(transcript(deltas(userJson, 4)));
    const text = new TextDecoder().decode(bytes);
    const byteOffset = (index: number) => new TextEncoder().encode(text.slice(0, index)).length;
    const cuts = [byteOffset(text.indexOf("é")) + 1, byteOffset(text.indexOf("\r\n")) + 1, byteOffset(text.indexOf('\\\\\\"')) + 1];
    for (const cut of [...cuts, ...Array.from({ length: 6 }, (_, i) => Math.floor(((i + 1) * bytes.length) / 7))]) {
      const { url } = await serve(() => ({ pieces: splitAt(bytes, [cut]), pauseMs: 1 }));
      expect(await client(url, "json_schema").chat.completions.create({ model: "gemini-test", messages, response_model: User })).toEqual(expectedUser);
          }
  });

  it("tools mode reads a function call whose arguments arrive whole, and feeds a failure back as a functionResponse", async () => {
    const { url, requests } = await serve((index) => ({ pieces: [callTranscript(index === 0 ? { name: "Ada", age: 36 } : expectedUser)] }));
    const result = await client(url, "tools").chat.completions.createWithCompletion({ model: "gemini-test", messages, response_model: { schema: User, name: "User" }, max_retries: 1 });
    expect(result).toMatchObject({ data: expectedUser, attempts: 2, usage: { totalTokens: 48 } });
    expect(requests[0]?.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: "User", parametersJsonSchema: { type: "object" } }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["User"] } },
    });
    const contents = requests[1]?.body["contents"] as Record<string, unknown>[];
    expect(contents.at(-2)).toEqual({ role: "model", parts: [{ functionCall: { name: "User", args: { name: "Ada", age: 36 } } }] });
    expect(contents.at(-1)).toMatchObject({ role: "user", parts: [{ functionResponse: { name: "User", response: { error: expect.stringContaining("$.bio") } } }] });
  });

  it("MAX_TOKENS ends with IncompleteOutputError, SAFETY with ContentFilterError naming it", async () => {
    const { url } = await serve((index) => ({ pieces: [transcript(index === 0 ? ['{"name": "Ada", "age": 3'] : ['{"name": "A'], { finish: index === 0 ? "MAX_TOKENS" : "SAFETY" })] }));
    const cut = await client(url, "json_schema").chat.completions.create({ model: "gemini-test", messages, response_model: User }).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(IncompleteOutputError);
    expect(cut).toMatchObject({ finishReason: "length", partial: { name: "Ada" }, usage: { totalTokens: 16 } });
    const filtered = await client(url, "json_schema").chat.completions.create({ model: "gemini-test", messages, response_model: User }).catch((error: unknown) => error);
    expect(filtered).toBeInstanceOf(ContentFilterError);
    expect(filtered).toMatchObject({ finishReason: "SAFETY", provider: "gemini" });
  });

  it("an HTTP error is a ProviderError, without the key", async () => {
    const { url } = await serve(() => ({ status: 400, headers: { "content-type": "application/json" }, pieces: ['{"error": {"code": 400, "message": "Invalid JSON payload", "status": "INVALID_ARGUMENT"}}'] }));
    const error = await client(url, "json_schema").chat.completions.create({ model: "gemini-test", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "provider-error", status: 400, isRetryable: false });
    expect(String((error as Error).message)).toContain("Invalid JSON payload");
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("SECRET");
  });
});


describeSameGuarantees({
  clientsFor: (url: string) => paths.map(([name, make]) => [name, make(url, "json_schema")] as const),
  serve,
  slowAnswer: () => transcript(deltas(userJson, 2)).split(/(?<=\r\n\r\n)/),
  itemsAnswer: () => transcript(deltas(itemsJson, 7)),
  model: "gemini-test",
  messages,
});
