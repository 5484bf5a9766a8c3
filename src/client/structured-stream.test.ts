// A reader of a structured call's updates that is slower than the model gets coalesced
// records: every path the skipped records completed is carried over, once each and in order,
// so a form that marks fields done misses none, however slowly it reads.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AbortError } from "../errors/abort-error.js";
import type { JsonPath } from "../json/json-path.js";
import { fromProvider } from "./from-provider.js";
import { sseTranscript, startReplayServer, toolCallChunks, type ReplayServer } from "./test-support/replay-server.js";

const Order = z.object({ title: z.string(), lines: z.array(z.object({ sku: z.string(), quantity: z.number() })), paid: z.boolean() });
const ORDER = JSON.stringify({ title: "North workshop", lines: [{ sku: "A-1", quantity: 2 }, { sku: "B-7", quantity: 40 }, { sku: "C-3", quantity: 1 }], paid: false });

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// The order's arguments cut into pieces of `size` characters, each written on its own.
async function serveInPieces(size: number): Promise<string> {
  const pieces: string[] = [];
  for (let start = 0; start < ORDER.length; start += size) pieces.push(ORDER.slice(start, start + size));
  server = await startReplayServer(() => ({ pieces: sseTranscript(toolCallChunks("Order", pieces)).split(/(?<=\n\n)/) }));
  return server.url;
}

// Every path completed, in the order the records report them; the reader waits `pauses[i]`
// macrotasks before its i-th read (0: reads at once).
async function completedPaths(url: string, pauses: readonly number[]): Promise<{ paths: string[]; last: unknown }> {
  const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "tools" });
  const updates = client.chat.completions.createPartial({ model: "m", messages: [{ role: "user", content: "The order." }], response_model: Order }).updates();
  const paths: string[] = [];
  let last: unknown;
  for (let index = 0; ; index++) {
    for (let pause = pauses[index % Math.max(1, pauses.length)] ?? 0; pause > 0; pause--) await new Promise((resolve) => setImmediate(resolve));
    const next = await updates.next();
    if (next.done === true) break;
    paths.push(...next.value.completed.map((path: JsonPath) => JSON.stringify(path)));
    if (next.value.value !== undefined) last = next.value.value;
  }
  return { paths, last };
}

describe("a structured call read slower than it streams", () => {
  it("carries every completed path over the records it skipped, once each and in order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 8 }), async (size, pauses) => {
        const url = await serveInPieces(size);
        const eager = await completedPaths(url, []);
        const slow = await completedPaths(url, pauses);
        await server?.close();
        server = undefined;
        expect(slow.paths).toEqual(eager.paths);
        expect(slow.last).toEqual(JSON.parse(ORDER));
        // Every leaf and container of the order, and the root, closed exactly once.
        expect(new Set(eager.paths).size).toBe(eager.paths.length);
        expect(eager.paths).toContain(JSON.stringify(["lines", 2, "quantity"]));
        expect(eager.paths).toContain(JSON.stringify([]));
      }),
      { numRuns: 15 },
    );
  }, 60_000);

  it("a reader that comes only after the call ended gets one record holding every path", async () => {
    const url = await serveInPieces(3);
    const eager = await completedPaths(url, []);
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "tools" });
    const stream = client.chat.completions.createPartial({ model: "m", messages: [{ role: "user", content: "The order." }], response_model: Order });
    const updates = stream.updates();
    const first = updates.next(); // starts the call; the reader then waits until it is over
    await stream.final;
    const records = [(await first).value, ...(await drain(updates))];
    const paths = records.flatMap((record) => (record === undefined ? [] : record.completed.map((path: JsonPath) => JSON.stringify(path))));
    expect(paths).toEqual(eager.paths);
  }, 30_000);
});

async function drain<T>(iterator: AsyncIterator<T>): Promise<T[]> {
  const seen: T[] = [];
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) seen.push(next.value);
  return seen;
}

describe("final, read and never awaited", () => {
  it("is one promise however often it is read, and a call that then fails is no unhandled rejection", async () => {
    const url = await serveInPieces(2);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "tools" });
      const stream = client.chat.completions.createPartial({ model: "m", messages: [{ role: "user", content: "The order." }], response_model: Order });
      // Read (it starts the call), never awaited; then the reader leaves, which aborts the call.
      expect(stream.final).toBe(stream.final);
      for await (const partial of stream) {
        void partial;
        break;
      }
      await expect(stream.final).rejects.toBeInstanceOf(AbortError);
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
