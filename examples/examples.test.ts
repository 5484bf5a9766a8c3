// Every example runs against the offline model server, so none can rot; and every example
// imports only packages (formwork by its name), so each can be copied into a project unchanged.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { capturedOutput } from "formwork/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const captured = capturedOutput;
const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(here, "../package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
const installable = new Set(["formwork", ...Object.keys({ ...manifest["dependencies"], ...manifest["devDependencies"], ...manifest["peerDependencies"] })]);

function exampleFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : exampleFiles(path);
    return /\.(ts|tsx|mts)$/.test(entry.name) && !/\.test(-d)?\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe("every example can be copied into a project", () => {
  it.each(exampleFiles(here).map((path) => relative(here, path)))("%s imports packages only (and files of its own folder)", (name) => {
    const path = join(here, name);
    const source = readFileSync(path, "utf8");
    const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s+["']([^"']+)["']/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? "");
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) {
        // A top-level example stands alone; one in a folder (a web demo) may use its folder's files.
        expect(dirname(path), `${name} imports ${specifier}`).not.toBe(here);
        expect(resolve(dirname(path), specifier).startsWith(dirname(path)), `${name} imports ${specifier} from outside its folder`).toBe(true);
        continue;
      }
      if (specifier.startsWith("node:")) continue;
      const name_ = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] ?? "");
      expect(installable.has(name_), `${name} imports ${specifier}, which is no package of this project's`).toBe(true);
    }
  });
});

// The examples use a real provider when these are set; the tests must not.
const saved = { key: process.env["OPENAI_API_KEY"], base: process.env["OPENAI_BASE_URL"], local: process.env["LOCAL_BASE_URL"] };
beforeAll(() => {
  delete process.env["OPENAI_API_KEY"];
  delete process.env["OPENAI_BASE_URL"];
  delete process.env["LOCAL_BASE_URL"];
});
afterAll(() => {
  if (saved.key !== undefined) process.env["OPENAI_API_KEY"] = saved.key;
  if (saved.base !== undefined) process.env["OPENAI_BASE_URL"] = saved.base;
  if (saved.local !== undefined) process.env["LOCAL_BASE_URL"] = saved.local;
});

describe("examples", () => {
  it("streaming-basics (npm start) runs every section of Instructor's page, and the retry", async () => {
    const output = captured();
    await (await import("./streaming-basics.js")).main(output);
    const text = output.lines.join("\n");
    expect(text).toContain("offline model server");
    for (const section of ["1. create with stream: true", "2. createPartial", "3. A progress tracker", "4. Async iteration", "5. createIterable", "6. A retry"]) expect(text).toContain(section);
    // The scripted answers fit the prompts: the seed's four people, as its own page shows them.
    expect(text).toMatch(/chunk: \{"name":"Al"?/);
    expect(text).toMatch(/final: \{"name":"Alice","age":28,"bio":"Alice /);
    expect(text).toMatch(/name: Bob \| age: 35 \| bio: Bob is a software developer [^\n]*\.\n/);
    expect(text).toContain("[####################] 100% done: name, age, bio");
    expect(text).toContain("done: Carol (42), Dave (31)");
    expect(output.lines.filter((line) => /^ {3}user \d: /.test(line)).map((line) => line.split(":")[1])).toEqual([" Alice, 28", " Bob, 35", " Carol, 42", " Dave, 31"]);
    expect(text).toContain("attempt 1 did not validate");
    expect(text).toMatch(/valid after 2 attempt\(s\): \{"name":"Alice","age":28,/);
  });

  it("partial shows each field's state, ending with every field done", async () => {
    const output = captured();
    await (await import("./partial.js")).main(output);
    expect(output.lines.some((line) => line.includes("title: streaming"))).toBe(true);
    expect(output.lines.at(-2)).toBe("title: done | priority: done | estimateHours: done | steps: done");
    expect(output.lines.at(-1)).toMatch(/^ticket: \{"title":/);
  });

  it("iterable prints tasks one at a time", async () => {
    const output = captured();
    await (await import("./iterable.js")).main(output);
    expect(output.lines.length).toBeGreaterThanOrEqual(2);
    output.lines.forEach((line, index) => expect(line).toMatch(new RegExp(`^task ${index + 1}: `)));
  });

  it("progress reaches every field", async () => {
    const output = captured();
    await (await import("./progress.js")).main(output);
    expect(output.lines).toContain("[####################] 100% 6/6 fields, writing nothing");
    expect(output.lines.at(-1)).toMatch(/^report by /);
  });

  it("retries-and-hooks retries once, and every hook speaks", async () => {
    const output = captured();
    await (await import("./retries-and-hooks.js")).main(output);
    const text = output.lines.join("\n");
    for (const hook of ["completion:kwargs  attempt 1", "parse:error        attempt 1", "attempt:start      attempt 2", "completion:response attempt 2"]) expect(text).toContain(hook);
    expect(output.lines.at(-1)).toMatch(/^invoice after 2 attempt\(s\)/);
  });

  it("modes answers in every mode, parallel tool calls included", async () => {
    const output = captured();
    await (await import("./modes.js")).main(output);
    for (const mode of ["tools", "json_schema", "json", "md_json"]) expect(output.lines.some((line) => line.startsWith(mode))).toBe(true);
    expect(output.lines.filter((line) => line.startsWith("parallel_tools"))).toHaveLength(2);
  });

  it("local-server works over plain fetch", async () => {
    const output = captured();
    await (await import("./local-server.js")).main(output);
    expect(output.lines.at(-1)).toMatch(/minutes, \d+ ingredients \(from the offline model server\)$/);
  });
});

describe("the parser example", () => {
  it("shows the value growing and ends with the document", async () => {
    const output = captured();
    const value = await (await import("./json-parser.js")).main(output, 0);
    expect(output.lines).toContain('{"title":"Field"}');
    expect(output.lines).toContain('  closed rating = 4.5');
    expect(output.lines.some((line) => line.includes('"rating":4}'))).toBe(false); // never 4 before 4.5
    expect(value).toMatchObject({ rating: 4.5, author: { verified: true } });
  });
});

describe("the providers example", () => {
  it("streams the same User through every provider's wire", async () => {
    const output = captured();
    await (await import("./providers.js")).main(output);
    for (const name of ["OpenAI Chat Completions", "OpenAI Responses API", "Anthropic Messages", "Gemini", "Ollama native"]) {
      expect(output.lines.some((line) => line.startsWith(name) && /done, \d+ tokens/.test(line)), name).toBe(true);
    }
  });
});

describe("the batch example", () => {
  it("runs the documents, resumes with nothing left to do, and runs on three queue workers (a real redis-server)", async () => {
    const { startRedisServer } = await import("../src/testing/redis-server.js");
    const redis = await startRedisServer();
    try {
      const output = captured();
      // 1,000 by default; fewer here, to spare the shared machine.
      await (await import("./batch.js")).main(output, { queue: redis.url, count: 300 });
      const text = output.lines.join("\n");
      expect(text).toContain("300 succeeded, 0 failed");
      expect(text).toContain("300 already done, 0 new requests");
      expect(text).toContain("300 results, one line per id");
      expect(text).toMatch(/300 succeeded on 3 workers, 0 failed/);
    } finally {
      await redis.close();
    }
  });

  it("without a queue, says how to run the workers half", async () => {
    const output = captured();
    await (await import("./batch.js")).main(output, { count: 50 });
    expect(output.lines.join("\n")).toContain("skipped: pass --queue redis://localhost:6379");
  });
});

describe("the toolbox example", () => {
  it("Maybe answers and declines, a made-up quote is fed back and corrected, and an image is described", async () => {
    const output = captured();
    await (await import("./toolbox.js")).main(output);
    expect(output.lines).toContain("maybe: no answer (The transcript names no treasurer.)");
    expect(output.lines).toContain("maybe: Ada (designer)");
    expect(output.lines).toContain('quotes after 2 attempt(s): Ada: "The engine weaves algebraic patterns."');
    expect(output.lines).toContain("photo: A small red square. (red)");
  });
});
