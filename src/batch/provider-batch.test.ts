import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromProvider } from "../client/from-provider.js";
import { checkJsonSchema } from "../schema/json-schema-check.js";
import { startModelServer, type ModelServer } from "../testing/model-server.js";
import { memoryResults, type BatchItem } from "./batch-result.js";
import { anthropicBatch, openAIBatch, type ProviderBatchRecord } from "./provider-batch.js";
import { runBatch } from "./run-batch.js";
import { INVOICE_SCHEMA } from "./test-support/faulting-client.js";

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer({ seed: 5 });
});
afterAll(() => server.close());

const items = (count: number, text = (index: number) => `Invoice ${index}`): BatchItem[] => Array.from({ length: count }, (_, index) => ({ id: `inv/${index}`, text: text(index) }));

// Counts the batch API calls a run makes.
function countingFetch() {
  const calls: string[] = [];
  const fetcher: typeof fetch = (input, init) => {
    calls.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
    return fetch(input, init);
  };
  return { calls, fetcher };
}

const providers = [
  { name: "openai-batch", via: openAIBatch, client: () => fromProvider({ baseURL: server.url, apiKey: "offline" }), create: "POST /v1/batches" },
  { name: "anthropic-batch", via: anthropicBatch, client: () => fromProvider({ provider: "anthropic", baseURL: server.url, apiKey: "offline" }), create: "POST /v1/messages/batches" },
] as const;

describe.each(providers)("$name", ({ via, client, create }) => {
  it("sends every item in one batch, polls it, and validates every answer", async () => {
    const output = memoryResults();
    const { calls, fetcher } = countingFetch();
    const summary = await runBatch({ client: client(), model: "offline", items: items(25), schema: INVOICE_SCHEMA, prompt: "Extract: {{ text }}", output, via: via({ baseURL: server.url, apiKey: "offline", pollMs: 20, fetch: fetcher }) });
    expect(summary).toMatchObject({ succeeded: 25, failed: 0 });
    expect(calls.filter((call) => call === create)).toHaveLength(1);
    for (const result of output.results) {
      expect(result).toMatchObject({ ok: true, attempts: 1, usage: { totalTokens: expect.any(Number) } });
      if (result.ok) expect(checkJsonSchema(INVOICE_SCHEMA as never, result.value)).toEqual([]);
    }
  });

  it("reports a request that expired or failed in the batch, with the provider's reason, per item", async () => {
    const output = memoryResults();
    await runBatch({ client: client(), model: "offline", items: items(6, (index) => (index === 1 ? "BATCH:expire" : index === 2 ? "BATCH:error" : `ok ${index}`)), schema: INVOICE_SCHEMA, prompt: "{{ text }}", output, via: via({ baseURL: server.url, apiKey: "offline", pollMs: 20 }) });
    const byId = new Map(output.results.map((result) => [result.id, result]));
    expect(byId.get("inv/1")).toMatchObject({ ok: false, error: { code: "batch-expired", message: expect.stringMatching(/expire/) } });
    expect(byId.get("inv/2")).toMatchObject({ ok: false, error: { code: "batch-request-failed", message: expect.stringContaining("BATCH:error fault") } });
    expect(output.results.filter((result) => result.ok)).toHaveLength(4);
  });

  it("a batch that expires as a whole fails each of its items with the reason", async () => {
    const output = memoryResults();
    await runBatch({ client: client(), model: "offline", items: items(3), schema: INVOICE_SCHEMA, prompt: "{{ text }}", output, via: via({ baseURL: server.url, apiKey: "offline", pollMs: 20, headers: { "x-formwork-batch-fault": "expire" } }) });
    expect(output.results).toHaveLength(3);
    for (const result of output.results) expect(result).toMatchObject({ ok: false, error: { code: "batch-expired" } });
  });

  it("answers that do not validate are run again online with the errors fed back", async () => {
    const output = memoryResults();
    const { calls, fetcher } = countingFetch();
    // +invalid-first: the batch's answers break the schema; a request with feedback is answered well.
    const online = fromProvider({ provider: create.includes("messages") ? "anthropic" : "openai", baseURL: server.url, apiKey: "offline", fetch: fetcher });
    await runBatch({ client: online, model: "offline+invalid-first", items: items(4), schema: INVOICE_SCHEMA, prompt: "{{ text }}", output, via: via({ baseURL: server.url, apiKey: "offline", pollMs: 20 }) });
    expect(output.results).toHaveLength(4);
    for (const result of output.results) expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(calls.filter((call) => /\/v1\/(chat\/completions|messages)$/.test(call))).toHaveLength(4);
  });

  it("a run stopped while its batch runs polls that batch on resume instead of sending it again", async () => {
    const all = items(5);
    const records: ProviderBatchRecord[] = [];
    const drain = new AbortController();
    const { calls, fetcher } = countingFetch();
    const first = memoryResults();
    const stopped = await runBatch({ client: client(), model: "offline", items: all, schema: INVOICE_SCHEMA, prompt: "{{ text }}", output: first, drain: drain.signal, via: via({ baseURL: server.url, apiKey: "offline", pollMs: 20, fetch: fetcher, onSubmitted: (record) => (records.push(record), drain.abort()) }) });
    expect(stopped.stoppedEarly).toBe(true);
    expect(first.results).toHaveLength(0);
    const second = memoryResults();
    await runBatch({ client: client(), model: "offline", items: all, schema: INVOICE_SCHEMA, prompt: "{{ text }}", output: second, via: via({ baseURL: server.url, apiKey: "offline", pollMs: 20, fetch: fetcher, submitted: records }) });
    expect(second.results.map((result) => result.id).sort()).toEqual(all.map((item) => item.id).sort());
    expect(calls.filter((call) => call === create)).toHaveLength(1);
  });
});

describe("openai-batch", () => {
  it("a batch that fails validation fails each item with OpenAI's reason", async () => {
    const output = memoryResults();
    await runBatch({ client: fromProvider({ baseURL: server.url, apiKey: "offline" }), model: "offline", items: items(2), schema: INVOICE_SCHEMA, prompt: "{{ text }}", output, via: openAIBatch({ baseURL: server.url, apiKey: "offline", pollMs: 20, headers: { "x-formwork-batch-fault": "fail" } }) });
    for (const result of output.results) expect(result).toMatchObject({ ok: false, error: { code: "batch-failed", message: expect.stringMatching(/failed: The offline model failed this batch's validation/) } });
  });

  it("a refused upload is a clear error naming the status and the reason", async () => {
    await expect(runBatch({ client: fromProvider({ baseURL: server.url, apiKey: "offline" }), model: "offline", items: items(1), schema: INVOICE_SCHEMA, prompt: "{{ text }}", via: openAIBatch({ baseURL: `${server.url}/nowhere`, apiKey: "offline", pollMs: 20 }) })).rejects.toMatchObject({ code: "batch-provider", message: expect.stringMatching(/OpenAI refused to take the batch file: 404/) });
  });
});
