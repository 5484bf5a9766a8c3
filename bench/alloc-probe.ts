import { Session } from "node:inspector/promises";
import { fromProvider } from "../src/client/index.js";
import { tokenChunks } from "./documents.js";
import { LOAD_ANSWER, LoadSchema } from "./load-answer.js";
const encoder = new TextEncoder();
const base = { id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "m" };
const EVENTS = [
  { ...base, choices: [{ index: 0, delta: { role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "Order", arguments: "" } }] }, finish_reason: null }] },
  ...tokenChunks(LOAD_ANSWER).map((piece) => ({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, finish_reason: null }] })),
  { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
].map((event) => encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
const DONE = encoder.encode("data: [DONE]\n\n");
function body(): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({ pull(controller) { return new Promise<void>((resolve) => setImmediate(() => { if (next < EVENTS.length) controller.enqueue(EVENTS[next++] as Uint8Array); else { controller.enqueue(DONE); controller.close(); } resolve(); })); } }, { highWaterMark: 0 });
}
const fakeFetch = (async () => new Response(body(), { headers: { "content-type": "text/event-stream" } })) as typeof fetch;
const client = fromProvider({ provider: "per-read", baseURL: "http://per-read.invalid/v1", apiKey: "k", mode: "tools", fetch: fakeFetch });
async function createPartial(): Promise<void> {
  const stream = client.chat.completions.createPartial({ model: "m", messages: [{ role: "user", content: "x" }], response_model: { schema: LoadSchema, name: "Order" } });
  for await (const partial of stream) void partial;
  await stream.final;
}
await Promise.all(Array.from({ length: 50 }, createPartial));
if (process.env.CPU) { for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 200 }, createPartial)); process.exit(0); }
const session = new Session(); session.connect();
await session.post("HeapProfiler.startSampling", { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as any);
const streams = 100;
await Promise.all(Array.from({ length: streams }, createPartial));
const { profile } = (await session.post("HeapProfiler.stopSampling")) as any;
const reads = streams * (EVENTS.length + 1);
const byFrame = new Map<string, number>();
let total = 0;
(function walk(node: any) {
  const f = node.callFrame; const key = `${f.functionName || "(anon)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
  byFrame.set(key, (byFrame.get(key) ?? 0) + node.selfSize); total += node.selfSize;
  for (const c of node.children) walk(c);
})(profile.head);
console.log(`total ${(total / reads).toFixed(0)} bytes a read`);
for (const [k, v] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${(v / reads).toFixed(0).padStart(6)} B/read  ${k}`);
