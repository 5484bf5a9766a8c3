import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("./main.ts", import.meta.url));

describe("formwork serve", () => {
  it("serves on the port asked for, answers, and stops cleanly on Ctrl-C (SIGINT)", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", main, "serve", "--port", "0", "--seed", "3"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (part: Buffer) => (output += part.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", () => {
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const response = await fetch(`${url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }) });
    expect(response.status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    expect(await exit).toBe(0);
    expect(output).toContain("stopped");
  });

  it("explains its usage and refuses bad numbers", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; text: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let text = "";
        child.stdout.on("data", (part: Buffer) => (text += part.toString()));
        child.stderr.on("data", (part: Buffer) => (text += part.toString()));
        child.once("exit", (code) => resolve({ code, text }));
      });
    expect(await run([])).toMatchObject({ code: 2, text: expect.stringContaining("Usage: formwork serve") });
    expect(await run(["serve", "--port", "many"])).toMatchObject({ code: 2, text: expect.stringContaining('--port takes a number, not "many"') });
  });
});
