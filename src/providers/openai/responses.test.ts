// The OpenAI Responses API through fromProvider (fetch) and fromOpenAI (the SDK), replayed byte
// for byte by a loopback server, also cut at awkward places.
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fromOpenAI } from "../../client/from-openai.js";
import { fromProvider } from "../../client/from-provider.js";
import type { StructuredCompletions } from "../../client/structured-client.js";
import { deltas, describeSameGuarantees, expectedUser, itemsJson, useReplayServer, userJson } from "../test-support/provider-fixtures.js";
import { IncompleteOutputError } from "../../errors/incomplete-output-error.js";
import { ProviderError } from "../../errors/provider-error.js";
import { splitAt } from "../../json/test-support/feed.js";

const KEY = "sk-test-SECRET-responses";
const User = z.object({ name: z.string(), age: z.number().int(), bio: z.string(), nickname: z.string().optional() });
// Strict mode sends every field: an absent optional one comes as null.
const strictJson = userJson.replace(/}$/, ', "nickname": null}');
const messages = [{ role: "user" as const, content: "Ada Lovelace, 36." }];

/** A Responses SSE transcript: a function call (or a text message when `tool` is null) whose text arrives in `pieces`. */
function transcript(pieces: readonly string[], { tool = "User", end = "completed", lineEnd = "\n" }: { tool?: string | null; end?: "completed" | "incomplete"; lineEnd?: string } = {}): string {
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}${lineEnd}data: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}${lineEnd}${lineEnd}`;
  const response = { id: "resp_01", object: "response", model: "gpt-test", status: "in_progress" };
  const item = tool === null ? { type: "message", id: "msg_01", role: "assistant", content: [] } : { type: "function_call", id: "fc_01", call_id: "call_01", name: tool, arguments: "" };
  const usage = { input_tokens: 12, output_tokens: 34, total_tokens: 46 };
  return [
    event("response.created", { response }),
    event("response.output_item.added", { output_index: 0, item }),
    ...pieces.map((delta) =>
      tool === null
        ? event("response.output_text.delta", { item_id: "msg_01", output_index: 0, content_index: 0, delta })
        : event("response.function_call_arguments.delta", { item_id: "fc_01", output_index: 0, delta }),
    ),
    end === "completed"
      ? event("response.completed", { response: { ...response, status: "completed", usage } })
      : event("response.incomplete", { response: { ...response, status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage } }),
  ].join("");
}

const { serve } = useReplayServer();

type Mode = "json_schema" | "tools";
const paths: [string, (url: string, mode: Mode) => { chat: { completions: StructuredCompletions } }][] = [
  ["fetch", (url, mode) => fromProvider({ provider: "openai", baseURL: url, apiKey: KEY, api: "responses", mode })],
  ["sdk", (url, mode) => fromOpenAI(new OpenAI({ apiKey: KEY, baseURL: url }), { api: "responses", mode }) as unknown as { chat: { completions: StructuredCompletions } }],
];

describe.each(paths)("the Responses API, %s path", (_path, client) => {
  it("tools mode reads function_call_arguments deltas keyed by the output item, with usage", async () => {
    const { url, requests } = await serve(() => ({ pieces: transcript(deltas(userJson, 5)).split(/(?<=\n\n)/), pauseMs: 1 }));
    const stream = client(url, "tools").chat.completions.createPartial({ model: "gpt-test", messages, response_model: { schema: User, name: "User" } });
    const partials: unknown[] = [];
    for await (const partial of stream) partials.push(partial);
    expect(partials.length).toBeGreaterThan(3);
    expect(await stream.result).toMatchObject({ data: { ...expectedUser }, usage: { inputTokens: 12, outputTokens: 34, totalTokens: 46 } });
    expect(requests[0]?.url).toBe("/v1/responses");
    expect(requests[0]?.body).toMatchObject({ input: messages, stream: true, tool_choice: { type: "function", name: "User" }, tools: [{ type: "function", name: "User", parameters: { type: "object" } }] });
    expect(requests[0]?.body["messages"]).toBeUndefined();
  });

  it("json_schema mode sends text.format in the strict subset and gives absent fields back as absent", async () => {
    const { url, requests } = await serve(() => ({ pieces: [transcript(deltas(strictJson, 6), { tool: null })] }));
    expect(await client(url, "json_schema").chat.completions.create({ model: "gpt-test", messages, response_model: { schema: User, name: "User" } })).toEqual(expectedUser);
    const format = (requests[0]?.body["text"] as { format: Record<string, unknown> }).format;
    expect(format).toMatchObject({ type: "json_schema", name: "User", strict: true, schema: { required: ["name", "age", "bio", "nickname"], additionalProperties: false } });
  });

  it("gives the same value when the transcript is cut at awkward places", async () => {
    const bytes = new TextEncoder().encode(transcript(deltas(userJson, 3), { lineEnd: "\r\n" }));
    const text = new TextDecoder().decode(bytes);
    const byteOffset = (index: number) => new TextEncoder().encode(text.slice(0, index)).length;
    const cuts = [byteOffset(text.indexOf("é")) + 1, byteOffset(text.indexOf("\r\n")) + 1, byteOffset(text.indexOf('\\\\\\"')) + 1];
    for (const cut of [...cuts, ...Array.from({ length: 6 }, (_, i) => Math.floor(((i + 1) * bytes.length) / 7))]) {
      const { url } = await serve(() => ({ pieces: splitAt(bytes, [cut]), pauseMs: 1 }));
      expect(await client(url, "tools").chat.completions.create({ model: "gpt-test", messages, response_model: User })).toEqual(expectedUser);
          }
  });

  it("response.incomplete ends with IncompleteOutputError; response.failed and error with ProviderError", async () => {
    const failed = 'event: response.failed\ndata: {"type": "response.failed", "response": {"id": "resp_01", "status": "failed", "error": {"code": "server_error", "message": "The model failed"}}}\n\n';
    const { url } = await serve((index) => ({ pieces: [index === 0 ? transcript(['{"name": "Ada", "age": 3'], { end: "incomplete" }) : transcript(['{"name": "A']).split("event: response.completed")[0] + failed] }));
    const cut = await client(url, "tools").chat.completions.create({ model: "gpt-test", messages, response_model: User }).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(IncompleteOutputError);
    expect(cut).toMatchObject({ finishReason: "length", partial: { name: "Ada" }, usage: { totalTokens: 46 } });
    const error = await client(url, "tools").chat.completions.create({ model: "gpt-test", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("SECRET");
  });

  it("feeds a failed answer back as a function_call and its function_call_output", async () => {
    const { url, requests } = await serve((index) => ({ pieces: [transcript(deltas(index === 0 ? '{"name": "Ada", "age": 36}' : userJson, 9))] }));
    const result = await client(url, "tools").chat.completions.createWithCompletion({ model: "gpt-test", messages, response_model: { schema: User, name: "User" }, max_retries: 1 });
    expect(result).toMatchObject({ data: expectedUser, attempts: 2, usage: { totalTokens: 92 } });
    const input = requests[1]?.body["input"] as Record<string, unknown>[];
    expect(input.at(-2)).toEqual({ type: "function_call", call_id: "call_01", name: "User", arguments: '{"name": "Ada", "age": 36}' });
    expect(input.at(-1)).toMatchObject({ type: "function_call_output", call_id: "call_01", output: expect.stringContaining("$.bio") });
  });
});

describe("the Responses API's modes", () => {
  it("refuses a mode it does not have", () => {
    expect(() => fromProvider({ provider: "openai", apiKey: "x", api: "responses", mode: "md_json" })).toThrow(/api: "responses" takes the modes "json_schema", "tools", "tools_strict", not "md_json"/);
    // @ts-expect-error the Responses API has no json mode
    expect(() => fromOpenAI(new OpenAI({ apiKey: "x" }), { api: "responses", mode: "json" })).toThrow(/api: "responses" takes the modes "json_schema", "tools", "tools_strict", not "json"/);
  });
});


describeSameGuarantees({
  clientsFor: (url: string) => paths.map(([name, make]) => [name, make(url, "tools")] as const),
  serve,
  slowAnswer: () => transcript(deltas(userJson, 2)).split(/(?<=\n\n)/),
  itemsAnswer: () => transcript(deltas(itemsJson, 7), { tool: "UserList" }),
  model: "gpt-test",
  messages,
});
