// `formwork batch` as users run it: a child process on files, killed and resumed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startModelServer, type ModelServer } from "../testing/model-server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const main = join(root, "src/cli/main.ts");
// The child runs in a temporary folder, where `--import tsx` would not resolve: name the loader's file.
const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;
let server: ModelServer;
let slow: ModelServer;
let dir: string;

function start(args: readonly string[]): ChildProcess & { output: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ["--import", tsx, main, "batch", ...args], { cwd: dir, env: { ...process.env, OPENAI_API_KEY: "offline" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  const output = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return Object.assign(child, { output });
}

const cli = (args: readonly string[]) => start(args).output;

async function resultLines(path: string): Promise<{ id: string; ok: boolean }[]> {
  const text = await readFile(path, "utf8");
  expect(text === "" || text.endsWith("\n")).toBe(true);
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as { id: string; ok: boolean });
}

function expectEachOnce(lines: readonly { id: string }[], ids: readonly string[]): void {
  const seen = lines.map((line) => line.id);
  expect(new Set(seen).size).toBe(seen.length); // no duplicate
  expect([...seen].sort()).toEqual([...ids].sort()); // every id
}

async function linesOnDisk(path: string): Promise<number> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").length - 1;
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
}

const ids = Array.from({ length: 60 }, (_, index) => `inv-${String(index).padStart(3, "0")}`);

beforeAll(async () => {
  server = await startModelServer({ seed: 2 });
  slow = await startModelServer({ seed: 2, tokensPerSecond: 60 });
  dir = await mkdtemp(join(tmpdir(), "formwork-batch-cli-"));
  await writeFile(join(dir, "items.jsonl"), ids.map((id, index) => JSON.stringify({ id, text: `Invoice ${index} from ACME, ${index * 10} EUR` })).join("\n") + "\n");
  await writeFile(join(dir, "bad.jsonl"), `{"id":"x","text":"fine"}\n{"id": oops}\n{"id":"y","text":"fine"}\n`);
  await writeFile(join(dir, "prompt.md"), "Extract the invoice:\n\n{{text}}\n");
  await writeFile(join(dir, "invoice.ts"), `export const Invoice = { type: "object", properties: { vendor: { type: "string" }, total: { type: "number" } }, required: ["vendor", "total"] } as const;\nexport const unrelated = 1;\n`);
});
afterAll(async () => {
  await server.close();
  await slow.close();
  await rm(dir, { recursive: true, force: true });
});

const common = (out: string, base: ModelServer = server) => ["--schema", "./invoice.ts#Invoice", "--prompt", "prompt.md", "--out", out, "--model", "offline", "--base-url", base.url];

describe("formwork batch run", () => {
  it("writes one validated line per id, reports bad lines by number, and status adds up", async () => {
    const result = await cli(["run", "--input", "bad.jsonl", ...common("bad-results.jsonl")]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/skipped: .*bad\.jsonl:2: not JSON/);
    expect(result.stdout).toMatch(/done: 2 succeeded, 0 failed, 0 already done, 1 bad input lines/);
    const lines = await resultLines(join(dir, "bad-results.jsonl"));
    expectEachOnce(lines, ["x", "y"]);
    expect(lines[0]).toMatchObject({ ok: true, value: { vendor: expect.any(String), total: expect.any(Number) }, attempts: 1, model: "offline", usage: { totalTokens: expect.any(Number) } });
    const status = await cli(["status", "--out", "bad-results.jsonl"]);
    expect(status.stdout).toMatch(/finished\n\s+done:\s+2\n\s+failed:\s+0.*\n\s+pending:\s+0\n\s+bad input lines:\s+1/);
  });

  it("--strict stops at the first bad line, naming it", async () => {
    const result = await cli(["run", "--input", "bad.jsonl", "--strict", ...common("strict.jsonl")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.jsonl:2: not JSON/);
  });

  it("killed with SIGKILL mid-run, then run again: every id exactly once", async () => {
    const out = join(dir, "killed.jsonl");
    const child = start(["run", "--input", "items.jsonl", "--concurrency", "6", ...common("killed.jsonl", slow)]);
    await waitFor(async () => (await linesOnDisk(out)) >= 12);
    child.kill("SIGKILL");
    const killed = await child.output;
    expect(killed.signal).toBe("SIGKILL");
    const before = await resultLines(out);
    expect(before.length).toBeLessThan(ids.length);
    expect(new Set(before.map((line) => line.id)).size).toBe(before.length);
    const status = await cli(["status", "--out", "killed.jsonl"]);
    expect(status.stdout).toContain("a crash or kill");
    expect(status.stdout).toMatch(new RegExp(`pending:\\s+${ids.length - before.length}\\n`));
    const resumed = await cli(["run", "--input", "items.jsonl", "--concurrency", "6", ...common("killed.jsonl")]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`${before.length} already done`);
    expectEachOnce(await resultLines(out), ids);
  });

  it("Ctrl-C finishes the requests in flight, saves the state, and the next run finishes the rest", async () => {
    const out = join(dir, "interrupted.jsonl");
    const child = start(["run", "--input", "items.jsonl", "--concurrency", "4", ...common("interrupted.jsonl", slow)]);
    await waitFor(async () => (await linesOnDisk(out)) >= 5);
    child.kill("SIGINT");
    const stopped = await child.output;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain("finishing the requests in flight");
    expect(stopped.stdout).toContain("run the same command again to resume");
    expect(JSON.parse(await readFile(`${out}.state`, "utf8"))).toMatchObject({ status: "stopped" });
    await expect(stat(`${out}.lock`)).rejects.toThrow(); // released
    const resumed = await cli(["run", "--input", "items.jsonl", "--concurrency", "6", ...common("interrupted.jsonl")]);
    expect(resumed.code).toBe(0);
    expectEachOnce(await resultLines(out), ids);
  });

  it("--via openai-batch sends the items as one provider batch; the state forgets it once its results are in", async () => {
    const result = await cli(["run", "--input", "items.jsonl", "--via", "openai-batch", "--poll-ms", "20", ...common("via.jsonl")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`done: ${ids.length} succeeded, 0 failed`);
    expectEachOnce(await resultLines(join(dir, "via.jsonl")), ids);
    expect(JSON.parse(await readFile(join(dir, "via.jsonl.state"), "utf8"))).toMatchObject({ status: "finished", via: "openai-batch", providerBatches: [] });
    const wrong = await cli(["run", "--input", "items.jsonl", "--via", "gemini-batch", ...common("via2.jsonl")]);
    expect(wrong.stderr).toContain('--via takes openai-batch or anthropic-batch, not "gemini-batch"');
  });

  it("--queue: the run puts the items on Redis and a `batch worker` (which reads the run's model, prompt and schema from Redis) does them", async () => {
    const { startRedisServer } = await import("../testing/redis-server.js");
    const redis = await startRedisServer();
    try {
      const worker = start(["worker", "--queue", redis.url, "--queue-name", "cli", "--concurrency", "4"]);
      const result = await cli(["run", "--input", "items.jsonl", "--queue", redis.url, "--queue-name", "cli", ...common("queued.jsonl")]);
      expect(result.code).toBe(0);
      expectEachOnce(await resultLines(join(dir, "queued.jsonl")), ids);
      expect(JSON.parse(await readFile(join(dir, "queued.jsonl.state"), "utf8"))).toMatchObject({ status: "finished", queue: redis.url });
      worker.kill("SIGTERM");
      const stopped = await worker.output;
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toMatch(new RegExp(`stopped after ${ids.length} items`));
    } finally {
      await redis.close();
    }
  });

  it("a schema module without the export lists the exports it has", async () => {
    const result = await cli(["run", "--input", "items.jsonl", ...common("x.jsonl").map((arg) => (arg === "./invoice.ts#Invoice" ? "./invoice.ts#Invoise" : arg))]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no export "Invoise"; its exports: Invoice, unrelated/);
  });

  it("another input for the same --out is refused, saying how to resume or start anew", async () => {
    const result = await cli(["run", "--input", "bad.jsonl", ...common("killed.jsonl")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/holds the results of a run over .*items\.jsonl.*pass that --input to resume it, or another --out/);
  });

  it("every subcommand answers --help with an example; a missing flag names itself and the fix", async () => {
    for (const command of ["run", "worker", "status"]) {
      const help = await cli([command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Example:");
      expect(help.stdout).toContain(`formwork batch ${command}`);
    }
    const missing = await cli(["run", "--input", "items.jsonl"]);
    expect(missing.stderr).toMatch(/--schema is required: the schema, as \.\/invoice\.ts#Invoice/);
    const unknown = await cli(["run", "--concurency", "3"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option "--concurency".*formwork batch run --help/);
    const badNumber = await cli(["run", "--input", "items.jsonl", "--concurrency", "lots", ...common("y.jsonl")]);
    expect(badNumber.stderr).toMatch(/--concurrency takes a whole number from 1 to \d+, not "lots"/);
  });
});
