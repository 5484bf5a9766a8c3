// The Anthropic Messages protocol through fromProvider, replayed byte for byte by a loopback
// server, also cut at awkward places.
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { fromAnthropic } from "../../client/from-anthropic.js";
import { fromProvider } from "../../client/from-provider.js";
import type { StructuredCompletions } from "../../client/structured-client.js";
import { IncompleteOutputError } from "../../errors/incomplete-output-error.js";
import { ProviderError } from "../../errors/provider-error.js";
import { splitAt } from "../../json/test-support/feed.js";
import type { ReplayServer } from "../../client/test-support/replay-server.js";
import { deltas, describeSameGuarantees, expectedUser, itemsJson, useReplayServer, User, userJson } from "../test-support/provider-fixtures.js";

const KEY = "sk-ant-SECRET-never-shown";
const messages = [
  { role: "system" as const, content: "You extract users." },
  { role: "user" as const, content: "Ada Lovelace, 36." },
];

/** An Anthropic Messages SSE transcript: a tool_use block (a text block when `tool` is null) whose content arrives in `pieces`. */
function transcript(pieces: readonly string[], { tool = "User", stopReason = "tool_use", lineEnd = "\n" }: { tool?: string | null; stopReason?: string; lineEnd?: string } = {}): string {
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}${lineEnd}data: ${JSON.stringify({ type, ...data })}${lineEnd}${lineEnd}`;
  const block = tool === null ? { type: "text", text: "" } : { type: "tool_use", id: "toolu_01", name: tool, input: {} };
  const delta = (piece: string) => (tool === null ? { type: "text_delta", text: piece } : { type: "input_json_delta", partial_json: piece });
  return [
    event("message_start", { message: { id: "msg_01", type: "message", role: "assistant", model: "claude-test", content: [], stop_reason: null, usage: { input_tokens: 25, output_tokens: 1 } } }),
    event("content_block_start", { index: 0, content_block: block }),
    event("ping", {}),
    ...pieces.map((piece, index) => event("content_block_delta", { index: 0, delta: delta(piece) }) + (index === 2 ? event("ping", {}) : "")),
    event("content_block_stop", { index: 0 }),
    event("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 42 } }),
    event("message_stop", {}),
  ].join("");
}

const { serve } = useReplayServer();
type Mode = "tools" | "json_schema" | "json" | "md_json";
const paths: [string, (url: string, mode: Mode) => { chat: { completions: StructuredCompletions } }][] = [
  ["fetch", (url, mode) => fromProvider({ provider: "anthropic", baseURL: url, apiKey: KEY, mode })],
  // The SDK adds /v1/messages to its base URL.
  ["sdk", (url, mode) => fromAnthropic(new Anthropic({ apiKey: KEY, baseURL: url.replace(/\/v1$/, "") }), { mode })],
];

describe.each(paths)("the Anthropic Messages protocol, %s path", (_path, makeClient) => {
  const client = (url: string, mode: Mode = "tools") => makeClient(url, mode);

  it("tools mode: reads input_json_delta fragments after the empty input placeholder, with usage from message_start and message_delta", async () => {
    const { url, requests } = await serve(() => ({ pieces: transcript(deltas(userJson, 5)).split(/(?<=\n\n)/), pauseMs: 1 }));
    const stream = client(url).chat.completions.createPartial({ model: "claude-test", messages, response_model: { schema: User, name: "User" } });
    const partials: unknown[] = [];
    for await (const partial of stream) partials.push(partial);
    expect(partials.length).toBeGreaterThan(3);
    expect(await stream.result).toMatchObject({ data: expectedUser, usage: { inputTokens: 25, outputTokens: 42, totalTokens: 67 } });
    const request = requests[0] as ReplayServer["requests"][number];
    expect(request.url).toBe("/v1/messages");
    // formwork's fetch path sends x-api-key and 2023-06-01; the SDK uses its own (a bearer token
    // and a newer version in 1.12).
    expect(request.headers["x-api-key"] ?? request.headers["authorization"]?.replace(/^Bearer /, "")).toBe(KEY);
    expect(request.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    if (_path === "fetch") expect(request.headers["anthropic-version"]).toBe("2023-06-01");
    expect(request.body).toMatchObject({
      max_tokens: 4096,
      stream: true,
      system: "You extract users.",
      tool_choice: { type: "tool", name: "User" },
      tools: [{ name: "User", input_schema: { type: "object" } }],
    });
    expect((request.body["messages"] as { role: string }[]).map((message) => message.role)).toEqual(["user"]);
  });

  it("gives the same value when the transcript is cut at awkward places", async () => {
    const bytes = new TextEncoder().encode(transcript(deltas(userJson, 3), { lineEnd: "\r\n" }));
    const text = new TextDecoder().decode(bytes);
    const byteOffset = (index: number) => new TextEncoder().encode(text.slice(0, index)).length;
    const cuts = [byteOffset(text.indexOf("é")) + 1, byteOffset(text.indexOf("\r\n")) + 1, byteOffset(text.indexOf('\\\\\\"')) + 1, byteOffset(text.indexOf("😀")) + 2];
    for (const cut of [...cuts, ...Array.from({ length: 8 }, (_, i) => Math.floor(((i + 1) * bytes.length) / 9))]) {
      const { url } = await serve(() => ({ pieces: splitAt(bytes, [cut]), pauseMs: 1 }));
      expect(await client(url).chat.completions.create({ model: "claude-test", messages, response_model: User })).toEqual(expectedUser);
          }
  });

  it("md_json and json modes read the text block, with the schema in the system prompt", async () => {
    for (const mode of ["md_json", "json"] as const) {
      const answer = mode === "md_json" ? `Here you are:\n\`\`\`json\n${userJson}\n\`\`\`` : userJson;
      const { url, requests } = await serve(() => ({ pieces: [transcript(deltas(answer, 6), { tool: null, stopReason: "end_turn" })] }));
      expect(await client(url, mode).chat.completions.create({ model: "claude-test", messages, response_model: User })).toEqual(expectedUser);
      expect(String(requests[0]?.body["system"])).toContain('"bio"');
      expect(requests[0]?.body["tools"]).toBeUndefined();
          }
  });

  it("json_schema mode sends output_config.format in Anthropic's subset and reads the text block", async () => {
    const { url, requests } = await serve(() => ({ pieces: [transcript(deltas(userJson, 6), { tool: null, stopReason: "end_turn" })] }));
    expect(await client(url, "json_schema").chat.completions.create({ model: "claude-test", messages, response_model: User })).toEqual(expectedUser);
    expect(requests[0]?.body["output_config"]).toMatchObject({ format: { type: "json_schema", schema: { type: "object", additionalProperties: false, required: ["name", "age", "bio"] } } });
    expect(requests[0]?.body["tools"]).toBeUndefined();
  });

  it("max_tokens ends with IncompleteOutputError carrying the last partial and the usage", async () => {
    const { url } = await serve(() => ({ pieces: [transcript(['{"name": "Ada", "age": 3'], { stopReason: "max_tokens" })] }));
    const error = await client(url).chat.completions.create({ model: "claude-test", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IncompleteOutputError);
    expect(error).toMatchObject({ finishReason: "length", partial: { name: "Ada" }, usage: { totalTokens: 67 } });
  });

  it("an overloaded_error event is a retryable ProviderError: sent again before any output, the end of the call after", async () => {
    const overloaded = 'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n';
    const { url, requests } = await serve((index) => ({ pieces: [index === 0 ? overloaded : transcript([userJson])] }));
    expect(await client(url).chat.completions.create({ model: "claude-test", messages, response_model: User })).toEqual(expectedUser);
    expect(requests).toHaveLength(2);
        const midAnswer = transcript(['{"name": "Ada", '], { stopReason: "tool_use" }).split("event: content_block_stop")[0] + overloaded;
    const { url: second } = await serve(() => ({ pieces: [midAnswer] }));
    const error = await client(second).chat.completions.create({ model: "claude-test", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ isRetryable: true, provider: "anthropic", body: { error: { type: "overloaded_error" } } });
  });

  it("an HTTP 529 is retried, and every error keeps the key out", async () => {
    const { url, requests } = await serve((index) =>
      index === 0
        ? { status: 529, headers: { "content-type": "application/json", "retry-after-ms": "10" }, pieces: ['{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'] }
        : index === 1
          ? { pieces: [transcript([userJson])] }
          : { status: 400, headers: { "content-type": "application/json" }, pieces: ['{"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: too large"}}'] },
    );
    expect(await client(url).chat.completions.create({ model: "claude-test", messages, response_model: User })).toEqual(expectedUser);
    expect(requests).toHaveLength(2);
    const error = await client(url).chat.completions.create({ model: "claude-test", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, isRetryable: false, message: expect.stringContaining("max_tokens: too large") });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("SECRET");
  });

  it("feeds a failed answer back as tool_use and an error tool_result, and the retry fits", async () => {
    const { url, requests } = await serve((index) => ({ pieces: [transcript(deltas(index === 0 ? '{"name": "Ada", "age": 36}' : userJson, 7))] }));
    const result = await client(url).chat.completions.createWithCompletion({ model: "claude-test", messages, response_model: { schema: User, name: "User" }, max_retries: 1 });
    expect(result).toMatchObject({ data: expectedUser, attempts: 2, usage: { totalTokens: 134 } });
    const retry = requests[1]?.body["messages"] as Record<string, unknown>[];
    expect(retry.at(-2)).toEqual({ role: "assistant", content: [{ type: "tool_use", id: "toolu_01", name: "User", input: { name: "Ada", age: 36 } }] });
    expect(retry.at(-1)).toMatchObject({ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", is_error: true, content: expect.stringContaining("$.bio") }] });
  });

});

describe("the anthropic provider's modes", () => {
  it("refuses a mode it does not have", () => {
    // @ts-expect-error Anthropic has no parallel_tools mode (the types say so too)
    expect(() => fromProvider({ provider: "anthropic", mode: "parallel_tools", apiKey: "x" })).toThrow(/takes the modes "tools", "json_schema", "json", "md_json", not "parallel_tools"/);
  });

  it("keeps every other method of the SDK client reachable", () => {
    const sdk = new Anthropic({ apiKey: KEY });
    const client = fromAnthropic(sdk);
    expect(client.messages).toBe(sdk.messages);
    expect(typeof client.models.list).toBe("function");
    expect(typeof client.chat.completions.createPartial).toBe("function");
  });
});


describeSameGuarantees({
  clientsFor: (url: string) => paths.map(([name, make]) => [name, make(url, "tools")] as const),
  serve,
  slowAnswer: () => transcript(deltas(userJson, 2)).split(/(?<=\n\n)/),
  itemsAnswer: () => transcript(deltas(itemsJson, 7), { tool: "UserList" }),
  model: "claude-test",
  messages,
});
