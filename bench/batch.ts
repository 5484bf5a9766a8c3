// The batch benchmarks (issue 13), against the offline model server in its own process (so the
// CPU measured here is the runner's and the client's, not the server's):
// 1. 1,000 items at concurrency 200, the server answering at 50 tokens/s: wall time against the
//    ideal (items × time per answer ÷ concurrency), and the runner's CPU; beside it, the loop a
//    user would write by hand (a pool over the OpenAI SDK, one JSON.parse and a Zod parse each).
// 2. 3,000 items on 3 worker processes against 1 (BullMQ on a real redis-server).
// 3. A run killed with SIGKILL at 50% and resumed: which items were requested twice.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import OpenAI from "openai";
import { z } from "zod";
import { fromProvider, memoryResults, runBatch, type BatchItem } from "../src/index.js";
import { bullmqQueue } from "../src/batch/index.js";
import { freePort, startRedisServer } from "../src/testing/redis-server.js";
import { startModelServer } from "../src/testing/index.js";
import { formatMs, formatRatio, markdownTable } from "./measure.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;
const Invoice = z.object({ vendor: z.string(), total: z.number(), currency: z.enum(["EUR", "USD"]) });
const schemaJson = z.toJSONSchema(Invoice);
// An extraction of the size real ones have (a summary and eight lines: about 3.4 s at 50
// tokens/s). With the three-field invoice above (about 20 tokens) the fixed cost of each request
// dominates, and even a bare pool over the OpenAI SDK lands near 2x its ideal.
const FullInvoice = z.object({
  vendor: z.string(),
  total: z.number(),
  currency: z.enum(["EUR", "USD"]),
  summary: z.string().min(200).max(300),
  lines: z.array(z.object({ item: z.string(), amount: z.number() })).min(8).max(8),
});
const PROMPT = "Extract the invoice:\n{{ text }}";
const items = (count: number): BatchItem[] => Array.from({ length: count }, (_, index) => ({ id: `doc-${index}`, text: `Invoice ${index} from ACME, ${index} EUR` }));

function node(args: readonly string[]): ChildProcess & { exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", tsx, join(root, "src/cli/main.ts"), ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, OPENAI_API_KEY: "offline" } });
  return Object.assign(child, { exited: new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code))) });
}

async function serveInChild(tokensPerSecond: number): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = node(["serve", "--port", String(port), "--tokens-per-second", String(tokensPerSecond)]);
  await new Promise<void>((resolve) => child.stdout?.on("data", (data: Buffer) => (data.toString().includes("offline model server at") ? resolve() : undefined)));
  return {
    url: `http://127.0.0.1:${port}/v1`,
    stop: async () => {
      child.kill("SIGINT");
      await child.exited;
    },
  };
}

async function oneMachine(Schema: z.ZodType, label: string): Promise<string> {
  const server = await serveInChild(50);
  try {
    const client = fromProvider({ baseURL: server.url, apiKey: "offline" });
    // Time per answer: the same requests one at a time.
    const probe = items(10);
    const probeStart = performance.now();
    for (const item of probe) await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: `Extract the invoice:\n${String(item["text"])}` }], response_model: Schema });
    const perAnswer = (performance.now() - probeStart) / probe.length;
    const count = 1000;
    const concurrency = 200;
    const ideal = (count * perAnswer) / concurrency;
    const rows: string[][] = [];
    {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const summary = await runBatch({ client, model: "m", items: items(count), schema: Schema, prompt: PROMPT, concurrency, output: memoryResults() });
      const wall = performance.now() - start;
      const used = process.cpuUsage(cpu);
      rows.push(["formwork runBatch", String(summary.succeeded), formatMs(wall), formatRatio(wall / ideal), `${((used.user + used.system) / 1000 / wall).toFixed(2)} core`]);
    }
    {
      const openai = new OpenAI({ baseURL: server.url, apiKey: "offline", maxRetries: 2 });
      const parameters = z.toJSONSchema(Schema) as Record<string, unknown>;
      const queue = items(count);
      const cpu = process.cpuUsage();
      const start = performance.now();
      let ok = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
            // Streamed, as formwork's calls are (the offline server paces only streamed answers).
            const stream = await openai.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: `Extract the invoice:\n${String(item["text"])}` }], tools: [{ type: "function", function: { name: "Invoice", parameters } }], tool_choice: { type: "function", function: { name: "Invoice" } } });
            let text = "";
            for await (const chunk of stream) text += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "";
            if (Schema.safeParse(JSON.parse(text)).success) ok++;
          }
        }),
      );
      const wall = performance.now() - start;
      const used = process.cpuUsage(cpu);
      rows.push(["a hand-written pool over the OpenAI SDK (streamed, JSON.parse and Zod at the end; no retries, no resume)", String(ok), formatMs(wall), formatRatio(wall / ideal), `${((used.user + used.system) / 1000 / wall).toFixed(2)} core`]);
    }
    return `${label}: 1,000 items at concurrency 200, the offline server (its own process) at 50 tokens/s; one answer alone takes ${formatMs(perAnswer)}, so the ideal is ${formatMs(ideal)}.\n\n${markdownTable(["runner", "valid results", "wall time", "to ideal", "CPU of this process"], rows)}`;
  } finally {
    await server.stop();
  }
}

async function workers(): Promise<string> {
  const redis = await startRedisServer();
  const server = await serveInChild(50);
  try {
    const times: number[] = [];
    for (const count of [1, 3]) {
      const name = `bench-${count}`;
      const children = Array.from({ length: count }, () => node(["batch", "worker", "--queue", redis.url, "--queue-name", name, "--concurrency", "8"]));
      const config = { model: "m", schema: "(inline)", schemaJson, prompt: PROMPT, baseURL: server.url };
      const start = performance.now();
      const summary = await runBatch({ client: fromProvider({ baseURL: server.url, apiKey: "offline" }), model: "m", items: items(3000), schema: Invoice, prompt: PROMPT, output: memoryResults(), queue: bullmqQueue({ url: redis.url, name, config, pollMs: 50 }) });
      times.push(performance.now() - start);
      if (summary.succeeded !== 3000) throw new Error(`only ${summary.succeeded} results`);
      for (const child of children) child.kill("SIGTERM");
      await Promise.all(children.map((child) => child.exited));
    }
    const [one, three] = times as [number, number];
    return `3,000 items on BullMQ workers (each \`formwork batch worker --concurrency 8\`, a process of its own; the server at 50 tokens/s; the time includes each worker's start):\n\n${markdownTable(["workers", "wall time", "to one worker"], [["1", formatMs(one), "1.00x"], ["3", formatMs(three), formatRatio(three / one)]])}`;
  } finally {
    await server.stop();
    await redis.close();
  }
}

async function killAndResume(): Promise<string> {
  const requested = new Map<string, number>();
  const server = await startModelServer({ tokensPerSecond: 200, scripts: [{ match: (request) => ((key) => (requested.set(key, (requested.get(key) ?? 0) + 1), false))(JSON.stringify(request["messages"])), text: "" }] });
  const dir = await mkdtemp(join(tmpdir(), "formwork-bench-kill-"));
  try {
    const all = items(1000);
    await writeFile(join(dir, "in.jsonl"), all.map((item) => JSON.stringify(item)).join("\n") + "\n");
    await writeFile(join(dir, "schema.json"), JSON.stringify(schemaJson));
    await writeFile(join(dir, "prompt.md"), PROMPT);
    const out = join(dir, "out.jsonl");
    const args = ["batch", "run", "--input", join(dir, "in.jsonl"), "--schema", join(dir, "schema.json"), "--prompt", join(dir, "prompt.md"), "--out", out, "--model", "m", "--base-url", server.url, "--concurrency", "50"];
    const lines = async () => (await readFile(out, "utf8").catch(() => "")).split("\n").filter((line) => line !== "").length;
    const first = node(args);
    while ((await lines()) < 500) await new Promise((resolve) => setTimeout(resolve, 10));
    first.kill("SIGKILL");
    await first.exited;
    const atKill = new Map(requested);
    const written = new Set((await readFile(out, "utf8")).split("\n").filter((line) => line.trim().startsWith("{") && line.endsWith("}")).map((line) => (JSON.parse(line) as { id: string }).id));
    await node(args).exited;
    const textOf = (item: BatchItem) => JSON.stringify([{ role: "user", content: `Extract the invoice:\n${String(item["text"])}` }]);
    const inFlight = all.filter((item) => atKill.has(textOf(item)) && !written.has(item.id)).length;
    const twice = all.filter((item) => (requested.get(textOf(item)) ?? 0) > 1);
    const twiceNotInFlight = twice.filter((item) => written.has(item.id) || !atKill.has(textOf(item))).length;
    const final = (await readFile(out, "utf8")).split("\n").filter((line) => line !== "").map((line) => (JSON.parse(line) as { id: string }).id);
    return `A run of 1,000 items (concurrency 50) killed with SIGKILL once 500 results were written, then run again: ${written.size} results at the kill, ${inFlight} items in flight at the kill, ${twice.length} items requested twice (${twiceNotInFlight} of them not in flight at the kill); the results hold ${final.length} lines for ${new Set(final).size} ids.`;
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** All three parts, or those named (`npm run bench -- batch one-machine,workers,kill`). */
export async function benchBatch(parts: readonly string[] = ["one-machine", "workers", "kill"]): Promise<string> {
  const sections = ["### Batch (issue 13)"];
  if (parts.includes("one-machine")) {
    sections.push(await oneMachine(FullInvoice, "An invoice with a summary and eight lines"));
    sections.push(await oneMachine(Invoice, "A three-field invoice (the fixed cost per request dominates)"));
  }
  if (parts.includes("workers")) sections.push(await workers());
  if (parts.includes("kill")) sections.push(await killAndResume());
  return sections.join("\n\n");
}
