import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkJsonSchema } from "../schema/json-schema-check.js";
import type { ModelServer } from "../testing/model-server.js";
import { BatchError } from "./batch-error.js";
import { memoryResults, type BatchItem, type BatchProgress } from "./batch-result.js";
import { runBatch } from "./run-batch.js";
import { faultingClient, INVOICE_SCHEMA, offlineServer } from "./test-support/faulting-client.js";

let server: ModelServer;
beforeAll(async () => {
  server = await offlineServer({ seed: 3 });
});
afterAll(() => server.close());

const items = (count: number, text = (index: number) => `Invoice ${index} from ACME`): BatchItem[] =>
  Array.from({ length: count }, (_, index) => ({ id: `doc-${index}`, text: text(index) }));

function countIds(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

describe("runBatch", () => {
  it("stores one validated result per item, with usage, attempts and the model", async () => {
    const output = memoryResults();
    const summary = await runBatch({ client: faultingClient(server), model: "offline-model", items: items(40), schema: INVOICE_SCHEMA, prompt: "Extract the invoice:\n{{text}}", concurrency: 7, output });
    expect(output.results.map((result) => result.id).sort()).toEqual(items(40).map((item) => item.id).sort());
    for (const result of output.results) {
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(checkJsonSchema(INVOICE_SCHEMA as never, result.value)).toEqual([]);
      expect(result.attempts).toBe(1);
      expect(result.model).toBe("offline-model");
      expect(result.usage.totalTokens).toBeGreaterThan(0);
    }
    expect(summary).toMatchObject({ succeeded: 40, failed: 0, skipped: 0, stoppedEarly: false });
    expect(summary.usage.totalTokens).toBe(output.results.reduce((sum, result) => sum + result.usage.totalTokens, 0));
  });

  it("renders each item's fields into the prompt", async () => {
    const bodies: string[] = [];
    await runBatch({ client: faultingClient(server, (body) => bodies.push(body)), model: "m", items: [{ id: "a", text: "ACME GmbH", meta: { page: 3 } }], schema: INVOICE_SCHEMA, prompt: { system: "You read invoices.", user: "Text: {{text}} (page {{meta.page}})" } });
    const messages = JSON.parse(bodies[0] as string).messages as { role: string; content: string }[];
    expect(messages[0]).toEqual({ role: "system", content: "You read invoices." });
    expect(messages[1]).toEqual({ role: "user", content: "Text: ACME GmbH (page 3)" });
  });

  it("an item that lacks a field its prompt reads fails alone, naming the field", async () => {
    const output = memoryResults();
    await runBatch({ client: faultingClient(server), model: "m", items: [{ id: "a", text: "x" }, { id: "b" }], schema: INVOICE_SCHEMA, prompt: "Text: {{ text }}", output });
    expect(output.results.find((result) => result.id === "a")?.ok).toBe(true);
    expect(output.results.find((result) => result.id === "b")).toMatchObject({ ok: false, attempts: 0, error: { code: "template-missing-variable", message: expect.stringContaining("text") } });
  });

  it("bad template syntax stops the run before any request", async () => {
    const bodies: string[] = [];
    await expect(runBatch({ client: faultingClient(server, (body) => bodies.push(body)), model: "m", items: items(2), schema: INVOICE_SCHEMA, prompt: "Text: {{ text" })).rejects.toMatchObject({ name: "TemplateError" });
    expect(bodies).toEqual([]);
  });

  it("feeds an invalid answer back and counts the attempts", async () => {
    const output = memoryResults();
    await runBatch({ client: faultingClient(server), model: "m", items: items(3, (index) => (index === 1 ? "FAULT:invalid-first" : "fine")), schema: INVOICE_SCHEMA, prompt: "{{text}}", output });
    const byId = new Map(output.results.map((result) => [result.id, result]));
    expect(byId.get("doc-1")).toMatchObject({ ok: true, attempts: 2 });
    expect(byId.get("doc-0")).toMatchObject({ ok: true, attempts: 1 });
  });

  it("writes a failure with the typed error's code and message, once", async () => {
    const output = memoryResults();
    const summary = await runBatch({ client: faultingClient(server), model: "m", items: items(4, (index) => (index % 2 === 0 ? "FAULT:length" : "fine")), schema: INVOICE_SCHEMA, prompt: "{{text}}", maxRetries: 0, output });
    const failures = output.results.filter((result) => !result.ok);
    expect(failures.map((result) => result.id).sort()).toEqual(["doc-0", "doc-2"]);
    for (const failure of failures) if (!failure.ok) expect(failure.error).toEqual({ code: "incomplete-output", message: expect.stringMatching(/length|token/i) });
    expect(summary).toMatchObject({ succeeded: 2, failed: 2 });
  });

  it("pauses every request of the run on a 429 and then succeeds", async () => {
    const output = memoryResults();
    const progress: BatchProgress[] = [];
    await runBatch({ client: faultingClient(server), model: "m", items: items(6, (index) => (index === 0 ? "FAULT:429" : `doc ${index}`)), schema: INVOICE_SCHEMA, prompt: "{{text}}", concurrency: 2, output, onProgress: (update) => progress.push(update) });
    expect(output.results).toHaveLength(6);
    expect(output.results.every((result) => result.ok)).toBe(true);
    expect(output.results.find((result) => result.id === "doc-0")?.attempts).toBe(2);
    expect(progress.some((update) => update.pausedUntil !== undefined)).toBe(true);
  });

  it("reports malformed inputs with where they were and skips them; strict stops the run", async () => {
    const input = [{ id: "a", text: "x" }, new BatchError("batch-input", "line 2 is not JSON", { source: "in.jsonl", line: 2 }), { text: "no id" } as unknown as BatchItem, { id: "a", text: "again" }, { id: 7, text: "numeric id" } as unknown as BatchItem];
    const output = memoryResults();
    const summary = await runBatch({ client: faultingClient(server), model: "m", items: input, schema: INVOICE_SCHEMA, prompt: "{{text}}", output });
    expect(output.results.map((result) => result.id).sort()).toEqual(["7", "a"]);
    expect(summary.problems.map((problem) => problem.line)).toEqual([2, 3, 4]);
    expect(summary.problems[1]?.message).toMatch(/no id/);
    expect(summary.problems[2]?.message).toMatch(/repeats the id "a"/);
    const strict = runBatch({ client: faultingClient(server), model: "m", items: input, schema: INVOICE_SCHEMA, prompt: "{{text}}", strict: true });
    await expect(strict).rejects.toMatchObject({ code: "batch-input", line: 2 });
  });

  it("rejects a bad concurrency naming the option", async () => {
    await expect(runBatch({ client: faultingClient(server), model: "m", items: [], schema: INVOICE_SCHEMA, prompt: "", concurrency: 0 })).rejects.toMatchObject({ code: "batch-options", option: "concurrency" });
  });

  it("an abort releases the requests in flight; the next run does the rest, every id once", async () => {
    const slow = await offlineServer({ tokensPerSecond: 400 });
    try {
      const all = items(30);
      const written: string[] = [];
      const controller = new AbortController();
      const first = memoryResults();
      const summary = await runBatch({
        client: faultingClient(slow), model: "m", items: all, schema: INVOICE_SCHEMA, prompt: "{{text}}", concurrency: 5, output: first, signal: controller.signal, total: all.length,
        onResult: (result) => {
          written.push(result.id);
          if (written.length === 8) controller.abort("enough");
        },
      });
      expect(summary.stoppedEarly).toBe(true);
      expect(first.results.length).toBeLessThan(all.length);
      const second = memoryResults(first.results.map((result) => result.id));
      const resumed = await runBatch({ client: faultingClient(slow), model: "m", items: all, schema: INVOICE_SCHEMA, prompt: "{{text}}", concurrency: 5, output: second, total: all.length });
      expect(resumed.skipped).toBe(first.results.length);
      const counts = countIds([...first.results, ...second.results].map((result) => result.id));
      expect([...counts.keys()].sort()).toEqual(all.map((item) => item.id).sort());
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("drain stops taking items but finishes and writes those in flight", async () => {
    const drain = new AbortController();
    const output = memoryResults();
    let started = 0;
    const summary = await runBatch({
      client: faultingClient(server, () => {
        if (++started === 3) drain.abort();
      }),
      model: "m", items: items(20), schema: INVOICE_SCHEMA, prompt: "{{text}}", concurrency: 3, output, drain: drain.signal,
    });
    expect(output.results.length).toBe(started);
    expect(output.results.length).toBeLessThan(20);
    expect(summary.stoppedEarly).toBe(true);
  });

  it("property: whatever was done before, a run leaves every id exactly once", async () => {
    const all = items(12);
    await fc.assert(
      fc.asyncProperty(fc.subarray(all.map((item) => item.id)), fc.integer({ min: 1, max: 6 }), async (done, concurrency) => {
        const output = memoryResults(done);
        const summary = await runBatch({ client: faultingClient(server), model: "m", items: all, schema: INVOICE_SCHEMA, prompt: "{{text}}", concurrency, output });
        const counts = countIds([...done, ...output.results.map((result) => result.id)]);
        expect(counts.size).toBe(all.length);
        expect([...counts.values()].every((count) => count === 1)).toBe(true);
        expect(summary.skipped).toBe(done.length);
      }),
      { numRuns: 15 },
    );
  });
});
