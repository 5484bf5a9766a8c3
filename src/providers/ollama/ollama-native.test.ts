// Ollama's native /api/chat through fromProvider, replayed byte for byte by a loopback server,
// also cut at awkward places.
import { describe, expect, it } from "vitest";
import { deltas, describeSameGuarantees, expectedUser, itemsJson, useReplayServer, User, userJson } from "../test-support/provider-fixtures.js";
import { fromProvider } from "../../client/from-provider.js";
import { IncompleteOutputError } from "../../errors/incomplete-output-error.js";
import { ProviderError } from "../../errors/provider-error.js";
import { splitAt } from "../../json/test-support/feed.js";

const messages = [{ role: "user" as const, content: "Ada Lovelace, 36." }];

/** Ollama chat lines: the content in `pieces`, then the done line with counts. */
function lines(pieces: readonly string[], { doneReason = "stop", lineEnd = "\n" }: { doneReason?: string; lineEnd?: string } = {}): string {
  const line = (value: unknown) => JSON.stringify(value) + lineEnd;
  return [
    ...pieces.map((content) => line({ model: "llama3.2", created_at: "2026-11-24T00:00:00Z", message: { role: "assistant", content }, done: false })),
    line({ model: "llama3.2", created_at: "2026-11-24T00:00:01Z", message: { role: "assistant", content: "" }, done: true, done_reason: doneReason, prompt_eval_count: 20, eval_count: 30 }),
  ].join("");
}

function toolLine(argumentsObject: unknown): string {
  return (
    JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: "", tool_calls: [{ function: { name: "User", arguments: argumentsObject } }] }, done: false }) +
    "\n" +
    JSON.stringify({ model: "llama3.2", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 20, eval_count: 30 }) +
    "\n"
  );
}

const replay = useReplayServer();
// Ollama streams with the content type application/x-ndjson, which the fetch path checks.
const serve: typeof replay.serve = (script) => replay.serve((index, body, headers) => {
  const answer = script(index, body, headers);
  return { ...answer, headers: { "content-type": "application/x-ndjson", ...answer.headers } };
});
const client = (url: string, mode: "json_schema" | "tools" | "json" | "md_json" = "json_schema") =>
  fromProvider({ provider: "ollama-native", baseURL: url.replace(/\/v1$/, ""), mode });

describe("Ollama's native chat API", () => {
  it("json_schema mode sends the schema as format and reads NDJSON content, with usage from the done line", async () => {
    const { url, requests } = await serve(() => ({ pieces: lines(deltas(userJson, 5)).split(/(?<=\n)/), pauseMs: 1, headers: { "content-type": "application/x-ndjson" } }));
    const stream = client(url).chat.completions.createPartial({ model: "llama3.2", messages, response_model: { schema: User, name: "User" } });
    const partials: unknown[] = [];
    for await (const partial of stream) partials.push(partial);
    expect(partials.length).toBeGreaterThan(3);
    expect(await stream.result).toMatchObject({ data: expectedUser, usage: { inputTokens: 20, outputTokens: 30, totalTokens: 50 } });
    expect(requests[0]?.url).toBe("/api/chat");
    expect(requests[0]?.body).toMatchObject({ model: "llama3.2", stream: true, format: { type: "object", properties: { bio: { type: "string" } } } });
  });

  it("gives the same value when the lines are cut at awkward places", async () => {
    const bytes = new TextEncoder().encode(lines(deltas(userJson, 3), { lineEnd: "\r\n" }));
    const text = new TextDecoder().decode(bytes);
    const byteOffset = (index: number) => new TextEncoder().encode(text.slice(0, index)).length;
    const cuts = [byteOffset(text.indexOf("é")) + 1, byteOffset(text.indexOf("\r\n")) + 1, byteOffset(text.indexOf('\\\\\\"')) + 1];
    for (const cut of [...cuts, ...Array.from({ length: 8 }, (_, i) => Math.floor(((i + 1) * bytes.length) / 9))]) {
      const { url } = await serve(() => ({ pieces: splitAt(bytes, [cut]), pauseMs: 1 }));
      expect(await client(url).chat.completions.create({ model: "llama3.2", messages, response_model: User })).toEqual(expectedUser);
          }
  });

  it("tools mode reads arguments that arrive whole, as an object, and feeds a failed answer back as a tool message", async () => {
    const { url, requests } = await serve((index) => ({ pieces: [toolLine(index === 0 ? { name: "Ada", age: 36 } : expectedUser)] }));
    const result = await client(url, "tools").chat.completions.createWithCompletion({ model: "llama3.2", messages, response_model: { schema: User, name: "User" }, max_retries: 1 });
    expect(result).toMatchObject({ data: expectedUser, attempts: 2, usage: { totalTokens: 100 } });
    expect(requests[0]?.body["tools"]).toMatchObject([{ type: "function", function: { name: "User", parameters: { type: "object" } } }]);
    const retry = requests[1]?.body["messages"] as Record<string, unknown>[];
    expect(retry.at(-2)).toEqual({ role: "assistant", content: "", tool_calls: [{ function: { name: "User", arguments: { name: "Ada", age: 36 } } }] });
    expect(retry.at(-1)).toMatchObject({ role: "tool", tool_name: "User", content: expect.stringContaining("$.bio") });
  });

  it("done_reason length ends with IncompleteOutputError; an error line mid-stream is a ProviderError", async () => {
    const { url } = await serve((index) =>
      index === 0
        ? { pieces: [lines(['{"name": "Ada", "age": 3'], { doneReason: "length" })] }
        : { pieces: [lines(['{"name": "Ada", ']).split("\n")[0] + '\n{"error": "model runner has unexpectedly stopped"}\n'] },
    );
    const cut = await client(url).chat.completions.create({ model: "llama3.2", messages, response_model: User }).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(IncompleteOutputError);
    expect(cut).toMatchObject({ finishReason: "length", partial: { name: "Ada" }, usage: { totalTokens: 50 } });
    const failed = await client(url).chat.completions.create({ model: "llama3.2", messages, response_model: User }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ProviderError);
    expect(failed).toMatchObject({ provider: "ollama-native", message: expect.stringContaining("model runner has unexpectedly stopped") });
  });

  it("json and md_json modes read the content leniently, with the schema in the prompt", async () => {
    for (const mode of ["json", "md_json"] as const) {
      const answer = mode === "md_json" ? `Sure:\n\`\`\`json\n${userJson}\n\`\`\`` : userJson;
      const { url, requests } = await serve(() => ({ pieces: [lines(deltas(answer, 7))] }));
      expect(await client(url, mode).chat.completions.create({ model: "llama3.2", messages, response_model: User })).toEqual(expectedUser);
      expect(requests[0]?.body["format"]).toBe(mode === "json" ? "json" : undefined);
      expect(String((requests[0]?.body["messages"] as { content: string }[])[0]?.content)).toContain('"bio"');
          }
  });
});


describeSameGuarantees({
  clientsFor: (url: string) => [["fetch", client(url)]] as const,
  serve,
  slowAnswer: () => lines(deltas(userJson, 2)).split(/(?<=\n)/),
  itemsAnswer: () => lines(deltas(itemsJson, 7)),
  model: "llama3.2",
  messages,
});
