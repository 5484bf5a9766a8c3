import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_USAGE } from "../../providers/wire-event.js";
import { jsonlResults } from "./jsonl-results.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "formwork-results-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const line = (id: string, ok = true) => JSON.stringify(ok ? { id, ok, value: { n: 1 }, usage: NO_USAGE, attempts: 1, model: "m" } : { id, ok, error: { code: "x", message: "y" }, usage: NO_USAGE, attempts: 1, model: "m" });

describe("jsonlResults", () => {
  it("open cuts a torn last line off and gives the ids of the whole ones", async () => {
    const path = join(dir, "torn.jsonl");
    const whole = `${line("a")}\n${line("b", false)}\n`;
    await writeFile(path, `${whole}${line("c").slice(0, 20)}`);
    const store = jsonlResults(path);
    expect([...(await store.open())].sort()).toEqual(["a", "b"]);
    expect(store.repairedBytes).toBe(20);
    await store.write({ id: "c", ok: true, value: 1, usage: NO_USAGE, attempts: 1, model: "m" });
    await store.close();
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n").map((text) => JSON.parse(text) as { id: string });
    expect(lines.map((item) => item.id)).toEqual(["a", "b", "c"]);
  });

  it("refuses a file that holds something other than result lines, naming the line", async () => {
    const path = join(dir, "other.jsonl");
    await writeFile(path, `${line("a")}\nhello\n`);
    await expect(jsonlResults(path).open()).rejects.toMatchObject({ code: "batch-results", line: 2 });
  });

  it("one writer at a time: a live run's lock is refused with its pid, a dead one's is taken over", async () => {
    const path = join(dir, "locked.jsonl");
    const first = jsonlResults(path);
    await first.open();
    await expect(jsonlResults(path).open()).resolves.toBeDefined(); // the same process: its own lock
    await first.close();
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      await writeFile(`${path}.lock`, String(sleeper.pid));
      await expect(jsonlResults(path).open()).rejects.toMatchObject({ code: "batch-results", message: expect.stringContaining(`pid ${sleeper.pid}`) });
    } finally {
      sleeper.kill("SIGKILL");
      await new Promise((resolve) => sleeper.once("exit", resolve));
    }
    const store = jsonlResults(path);
    await expect(store.open()).resolves.toBeDefined();
    await store.close();
  });
});
