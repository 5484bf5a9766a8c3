// Extraction at scale: 1,000 documents through one schema on this machine, resumable, then the
// same run on queue workers. Offline by default (formwork's model server stands in for the
// model); the workers half needs Redis: `npx tsx examples/batch.ts --queue redis://localhost:6379`
// (or FORMWORK_QUEUE=redis://…).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromProvider } from "formwork";
import { bullmqQueue, jsonlResults, readItems, runBatch, scanResults, startBatchWorker, type BatchProgress } from "formwork/batch";
import { startModelServer, terminalOutput, type TerminalOutput } from "formwork/testing";

const Invoice = z.object({
  vendor: z.string().describe("who issued the invoice"),
  total: z.number().describe("the amount due"),
  currency: z.enum(["EUR", "USD", "GBP"]),
});

const PROMPT = "Extract the invoice from this document:\n\n{{ text }}";
const VENDORS = ["ACME GmbH", "Globex Ltd", "Initech", "Umbrella plc", "Hooli Inc"];

function describe(progress: BatchProgress): string {
  const done = progress.skipped + progress.succeeded + progress.failed;
  const filled = progress.total === undefined || progress.total === 0 ? 0 : Math.round((done / progress.total) * 20);
  return `[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${done}/${progress.total ?? "?"} · ${progress.itemsPerSecond.toFixed(0)} docs/s · ${progress.usage.totalTokens} tokens · ${progress.failed} failed`;
}

export async function main(output: TerminalOutput = terminalOutput(), options: { readonly count?: number; readonly queue?: string } = {}): Promise<void> {
  const count = options.count ?? 1000;
  const queueAt = options.queue ?? argument("--queue") ?? process.env["FORMWORK_QUEUE"];
  const dir = await mkdtemp(join(tmpdir(), "formwork-batch-example-"));
  const server = await startModelServer();
  try {
    // The documents: one JSON line each, with an id.
    const input = join(dir, "invoices.jsonl");
    await writeFile(input, Array.from({ length: count }, (_, index) => JSON.stringify({ id: `invoice-${index}`, text: `INVOICE #${index}\nFrom: ${VENDORS[index % VENDORS.length]}\nAmount due: ${(index * 7.3 + 12).toFixed(2)} EUR` })).join("\n") + "\n");
    const source = await readItems(input);
    const total = await source.count();
    const client = fromProvider({ baseURL: server.url, apiKey: "offline" });
    const run = (out: string, extra: Partial<Parameters<typeof runBatch>[0]> = {}) =>
      runBatch({ client, model: "gpt-4o-mini", items: source.items(), schema: Invoice, prompt: PROMPT, concurrency: 32, rateLimit: { rpm: 100_000 }, output: jsonlResults(out), total, onProgress: (progress) => output.redraw(describe(progress)), ...extra });

    output.line(`1. ${count} documents on this machine (the offline model server stands in for the model)`);
    const out = join(dir, "results.jsonl");
    const first = await run(out);
    output.done();
    output.line(`   ${first.succeeded} succeeded, ${first.failed} failed, ${first.usage.totalTokens} tokens, in ${(first.elapsedMs / 1000).toFixed(1)} s`);
    const again = await run(out);
    output.done();
    output.line(`   run again (a resume after Ctrl-C or a crash works the same): ${again.skipped} already done, ${again.succeeded} new requests`);
    const scan = await scanResults(out);
    output.line(`   ${out.replace(dir, "<tmp>")}: ${scan.succeeded.size} results, one line per id`);

    output.line("2. The same run on queue workers (BullMQ on Redis)");
    if (queueAt === undefined) {
      output.line("   skipped: pass --queue redis://localhost:6379 (or set FORMWORK_QUEUE) to run it on three workers");
      return;
    }
    // Workers usually run elsewhere (`formwork batch worker --queue …`); here, three in this process.
    const workers = await Promise.all(Array.from({ length: 3 }, () => startBatchWorker({ url: queueAt, name: "formwork-example", client, model: "gpt-4o-mini", schema: Invoice, prompt: PROMPT, concurrency: 16 })));
    try {
      const queued = await run(join(dir, "queued.jsonl"), { queue: bullmqQueue({ url: queueAt, name: "formwork-example" }) });
      output.done();
      output.line(`   ${queued.succeeded} succeeded on 3 workers, ${queued.failed} failed, in ${(queued.elapsedMs / 1000).toFixed(1)} s`);
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
    }
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
