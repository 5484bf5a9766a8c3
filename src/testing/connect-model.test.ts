import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fromProvider } from "../client/from-provider.js";
import { connectModel, withModel, type ModelConnection } from "./connect-model.js";
import { capturedOutput, terminalOutput } from "./terminal-output.js";

const User = z.object({ name: z.string(), age: z.number().int() });
const messages = [{ role: "user" as const, content: "Alice, who is 28." }];

async function isServing(baseURL: string): Promise<boolean> {
  try {
    await fetch(`${baseURL}/models`);
    return true;
  } catch {
    return false;
  }
}

describe("connectModel", () => {
  it("starts the offline server when the environment names no provider, and answers from its scripts", async () => {
    const connection = await connectModel({ env: {}, offline: { scripts: [{ match: "Alice", text: '{"name":"Alice","age":28}' }] } });
    try {
      expect(connection).toMatchObject({ isOffline: true, apiKey: "offline", model: "gpt-4o-mini" });
      expect(connection.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(connection.description).toBe(`No OPENAI_API_KEY or OPENAI_BASE_URL: using formwork's offline model server at ${connection.baseURL}.`);
      const client = fromProvider({ baseURL: connection.baseURL, apiKey: connection.apiKey });
      expect(await client.chat.completions.create({ model: connection.model, messages, response_model: User })).toEqual({ name: "Alice", age: 28 });
    } finally {
      await connection.close();
    }
    expect(await isServing(connection.baseURL)).toBe(false);
    await connection.close(); // a second close is harmless
  });

  it("names the live provider from OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL, starting nothing", async () => {
    expect(await connectModel({ env: { OPENAI_API_KEY: "sk-test" } })).toMatchObject({
      isOffline: false,
      baseURL: "https://api.openai.com/v1",
      apiKey: "sk-test",
      model: "gpt-4o-mini",
      description: "Using https://api.openai.com/v1 with model gpt-4o-mini.",
    });
    // A keyless local server (Ollama, vLLM): the SDKs want some key, so it is "none".
    expect(await connectModel({ env: { OPENAI_BASE_URL: "http://localhost:11434/v1/", OPENAI_MODEL: "llama3.2" }, model: "ignored" })).toMatchObject({
      isOffline: false,
      baseURL: "http://localhost:11434/v1",
      apiKey: "none",
      model: "llama3.2",
    });
  });

  it("treats empty variables as unset, and goes offline on request whatever the environment says", async () => {
    const empty = await connectModel({ env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "  ", OPENAI_MODEL: "" }, model: "my-model" });
    const forced = await connectModel({ env: { OPENAI_API_KEY: "sk-test" }, use: "offline" });
    try {
      expect(empty).toMatchObject({ isOffline: true, model: "my-model" });
      expect(forced).toMatchObject({ isOffline: true, apiKey: "offline" });
      expect(forced.description).toMatch(/^Offline by request: /);
      expect(await isServing(forced.baseURL)).toBe(true);
    } finally {
      await Promise.all([empty.close(), forced.close()]);
    }
  });

  it("withModel closes the offline server after the body, also when it throws", async () => {
    let seen: ModelConnection | undefined;
    await expect(
      withModel(
        async (connection) => {
          seen = connection;
          throw new Error("the body failed");
        },
        { env: {} },
      ),
    ).rejects.toThrow("the body failed");
    expect(seen?.isOffline).toBe(true);
    expect(await isServing(seen?.baseURL ?? "")).toBe(false);
    expect(await withModel(async ({ model }) => model, { env: {}, model: "m" })).toBe("m");
  });
});

describe("terminalOutput", () => {
  function stream(isTTY: boolean, columns = 20) {
    const written: string[] = [];
    return { written, target: { isTTY, columns, write: (text: string) => written.push(text) } };
  }

  it("piped: a plain line per state, never the same redraw twice in a row", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 12 }), (states) => {
        const { written, target } = stream(false);
        const output = terminalOutput(target);
        for (const state of states) output.redraw(state);
        output.done();
        const expected = states.filter((state, index) => state !== states[index - 1]).map((state) => `${state}\n`);
        expect(written).toEqual(expected);
      }),
    );
  });

  it("in a terminal: redraws one line, cut short of the width (so it never wraps), and ends it before the next line", () => {
    const { written, target } = stream(true, 10);
    const output = terminalOutput(target);
    output.redraw("short");
    output.redraw("a line far wider than ten");
    output.line("next");
    expect(output.isTerminal).toBe(true);
    expect(written).toEqual(["\x1b[2K\rshort", "\x1b[2K\ra line f…", "\n", "next\n"]);
  });

  it("capturedOutput keeps each line and each distinct redraw", () => {
    const output = capturedOutput();
    output.redraw("x");
    output.redraw("x");
    output.redraw("y");
    output.line("done");
    expect(output.lines).toEqual(["x", "y", "done"]);
  });
});
