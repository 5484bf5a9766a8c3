import { describe, expect, it } from "vitest";
import type { BatchProgress } from "../batch/batch-result.js";
import { describeProgress, progressReporter } from "./batch-progress.js";

const base: BatchProgress = { total: 200, skipped: 20, succeeded: 70, failed: 10, inFlight: 8, invalid: 0, usage: { inputTokens: 9000, outputTokens: 3345, totalTokens: 12345 }, elapsedMs: 20_000, itemsPerSecond: 4, etaMs: 25_000, pausedUntil: undefined };

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream };
}

describe("batch progress", () => {
  it("says done/total, rate, tokens, failures and the time left", () => {
    expect(describeProgress(base, 10)).toBe("[#####.....] 50% 100/200 · 4.0 items/s · 12,345 tokens · 10 failed · 25s left");
    expect(describeProgress({ ...base, total: undefined, etaMs: undefined, invalid: 2 })).toBe("102 done · 4.0 items/s · 12,345 tokens · 10 failed · 2 bad input");
    expect(describeProgress({ ...base, pausedUntil: Date.now() + 5_000 })).toMatch(/paused by a 429 for [45]s$/);
  });

  it("redraws one line in a terminal and ends it; writes plain lines when piped", () => {
    const terminal = sink(true);
    const bar = progressReporter(terminal.stream);
    bar.update(base);
    bar.finish();
    expect(terminal.writes[0]?.startsWith("\r\x1b[2K[")).toBe(true);
    expect(terminal.writes.at(-1)).toBe("\n");
    const piped = sink(false);
    const lines = progressReporter(piped.stream, { intervalMs: 60_000 });
    for (let index = 0; index < 50; index++) lines.update({ ...base, succeeded: index });
    lines.finish();
    expect(piped.writes.every((text) => text.endsWith("\n") && !text.includes("\r"))).toBe(true);
    expect(piped.writes).toHaveLength(2); // the first, then the last at finish: not 50
  });
});
