// The end-to-end benchmark (issue 4): a 100 KB structured answer served over loopback HTTP as a
// Chat Completions stream of token-sized deltas, timed from the request to the final value.
// formwork and instructor-js read it as a forced tool call; the AI SDK's streamText with
// Output.object asks for response_format json_schema, so the same JSON comes as content.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createOpenAI } from "@ai-sdk/openai";
import { Output, streamText } from "ai";
import { z } from "zod";
import { fromProvider } from "../src/client/index.js";
import { documentSchema } from "./document-schema.js";
import { documentValue, tokenChunks } from "./documents.js";
import { formatMs, formatRatio, markdownTable, medianMs } from "./measure.js";

const schema = documentSchema(z);
const messages = [{ role: "user" as const, content: "Write the document." }];

function transcript(deltas: readonly string[], toolName: string | undefined): string {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1, model: "bench-model" };
  const delta = (piece: string) =>
    toolName === undefined ? { content: piece } : { tool_calls: [{ index: 0, function: { arguments: piece } }] };
  const first = toolName === undefined ? { role: "assistant", content: "" } : { role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: toolName, arguments: "" } }] };
  const events = [
    { ...base, choices: [{ index: 0, delta: first, finish_reason: null }] },
    ...deltas.map((piece) => ({ ...base, choices: [{ index: 0, delta: delta(piece), finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: toolName === undefined ? "stop" : "tool_calls" }] },
    { ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: deltas.length, total_tokens: deltas.length + 10 } },
  ];
  return events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join("") + "data: [DONE]\n\n";
}

async function serve(deltas: readonly string[]) {
  const bodies = new Map<string, Buffer>();
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { tools?: { function: { name: string } }[] };
      const toolName = body.tools?.[0]?.function.name;
      const key = toolName ?? "(content)";
      let payload = bodies.get(key);
      if (payload === undefined) bodies.set(key, (payload = Buffer.from(transcript(deltas, toolName))));
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.end(payload);
    });
  });
  // A client whose parsing blocks the event loop for a minute must not find its kept-alive
  // socket closed under it (the default is 5 s).
  server.keepAliveTimeout = 10 * 60 * 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

// The floor client: the least any client of a Chat Completions stream does. Returns the
// joined tool-call arguments.
async function sseFloor(baseURL: string): Promise<string> {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer bench" },
    body: JSON.stringify({ model: "bench-model", messages, stream: true, tools: [{ type: "function", function: { name: "Document", parameters: {} } }] }),
  });
  const decoder = new TextDecoder();
  let buffer = "";
  let text = "";
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n", start)) {
      const event = buffer.slice(start, end);
      start = end + 2;
      if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
      const envelope = JSON.parse(event.slice(6)) as { choices?: { delta?: { tool_calls?: { function?: { arguments?: string } }[] } }[] };
      text += envelope.choices?.[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? "";
    }
    buffer = buffer.slice(start);
  }
  return text;
}

type InstructorRun = (baseURL: string) => Promise<unknown>;

async function loadInstructor(): Promise<InstructorRun | undefined> {
  try {
    return ((await import("./competitors/instructor-run.mjs" as string)) as { runInstructor: InstructorRun }).runInstructor;
  } catch (error) {
    console.error(`instructor-js not run: ${(error as Error).message} (npm run bench installs bench/competitors)`);
    return undefined;
  }
}

/** Runs the end-to-end benchmark; returns the markdown it printed. */
export async function benchEndToEnd({ withCompetitors = true }: { withCompetitors?: boolean } = {}): Promise<string> {
  const value = documentValue(100_000);
  const text = JSON.stringify(value);
  const deltas = tokenChunks(text);
  const expected = JSON.stringify(schema.parse(value));
  const server = await serve(deltas);
  const check = (name: string, result: unknown) => {
    if (JSON.stringify(result) !== expected) throw new Error(`${name} gave a wrong value`);
  };
  try {
    const client = fromProvider({ provider: "bench", baseURL: server.url, apiKey: "bench", mode: "tools" });
    // The floor: what any client of this wire must do, and nothing structured. The same fetch
    // and decoding; SSE events split at blank lines, every `data:` envelope JSON.parsed, the
    // argument deltas joined; then one JSON.parse and one Zod parse of the joined text.
    const floorMs = await medianMs(async () => check("floor", schema.parse(JSON.parse(await sseFloor(server.url)))));
    const formworkMs = await medianMs(async () =>
      check("formwork", await client.chat.completions.create({ model: "bench-model", messages, response_model: { schema, name: "Document" } })),
    );
    const formworkStreamMs = await medianMs(async () => {
      const stream = client.chat.completions.createPartial({ model: "bench-model", messages, response_model: { schema, name: "Document" } });
      for await (const partial of stream) void partial;
      check("formwork (partials)", await stream.final);
    });
    const openai = createOpenAI({ baseURL: server.url, apiKey: "bench" });
    const once = { warmupMs: 0, minRuns: 1, maxRuns: 1 };
    const aiSdkMs = !withCompetitors ? undefined : await medianMs(async () => {
      const result = streamText({ model: openai.chat("bench-model"), prompt: "Write the document.", output: Output.object({ schema }), maxRetries: 0 });
      for await (const partial of result.partialOutputStream) void partial;
      check("AI SDK", await result.output);
    }, once);
    const instructor = withCompetitors ? await loadInstructor() : undefined;
    const instructorMs =
      instructor === undefined
        ? undefined
        : await medianMs(async () => {
            const last = (await instructor(server.url)) as { items?: unknown[] };
            if (last.items?.length !== value.items.length) throw new Error("instructor-js gave a wrong value");
          }, once);
    const rows = [
      ["floor: fetch, SSE split, `JSON.parse` of every envelope, one parse of the answer", floorMs, undefined],
      ["formwork `create` (final value)", formworkMs, undefined],
      ["formwork `createPartial` (every partial read)", formworkStreamMs, undefined],
      ["AI SDK `streamText` + `Output.object`", aiSdkMs, aiSdkMs === undefined ? undefined : aiSdkMs / formworkStreamMs],
      ["instructor-js (TOOLS, stream: true)", instructorMs, instructorMs === undefined ? undefined : instructorMs / formworkStreamMs],
    ] as const;
    return [
      "### End to end: a 100 KB structured answer over loopback HTTP",
      "",
      `${deltas.length} Chat Completions chunks of 1 to 8 characters (${(text.length / 1000).toFixed(0)} KB of JSON), served at once; the time from the request to the validated final value. The AI SDK and instructor-js are timed once (a run takes about a minute).`,
      "",
      markdownTable(
        ["client", "time", "over formwork (partials)"],
        rows.map(([name, ms, ratio]) => [name, ms === undefined ? "not run" : formatMs(ms), ratio === undefined ? "" : formatRatio(ratio)]),
      ),
      "",
      `- formwork over the floor: \`create\` ${formatRatio(formworkMs / floorMs)}, \`createPartial\` ${formatRatio(formworkStreamMs / floorMs)}`,
    ].join("\n");
  } finally {
    await server.close();
  }
}
