import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { UsageError, type Command } from "./command.js";
import { COMMANDS, runCli } from "./run-cli.js";

const main = fileURLToPath(new URL("./main.ts", import.meta.url));
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

async function run(args: string[], commands?: readonly Command[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) }, commands);
  return { code, stdout, stderr };
}

function spawnCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (part: Buffer) => (stdout += part.toString()));
  child.stderr.on("data", (part: Buffer) => (stderr += part.toString()));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
  return { child, exit, output: () => stdout };
}

describe("formwork (the dispatcher)", () => {
  it("prints the package's version for --version and -v", async () => {
    for (const flag of ["--version", "-v"]) expect(await run([flag])).toEqual({ code: 0, stdout: `formwork ${version}\n`, stderr: "" });
  });

  it("prints the usage, listing every command, for --help, -h and help", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const { code, stdout } = await run(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: formwork <command> \[options\]/);
      for (const command of COMMANDS) expect(stdout).toContain(`  ${command.name}`);
      expect(stdout).toContain("Example:");
    }
  });

  it("names an unknown command and an unknown option in the error, with the usage, exit 2", async () => {
    const bogus = await run(["bogus"]);
    expect(bogus).toMatchObject({ code: 2, stdout: "" });
    expect(bogus.stderr).toMatch(/^formwork: unknown command "bogus"\n\nUsage: formwork <command>/);
    expect((await run(["serv"])).stderr).toContain('unknown command "serv": did you mean "serve"?');
    expect((await run(["--verison"])).stderr).toMatch(/^formwork: unknown option "--verison": did you mean "--version"\?\n\nUsage:/);
    expect((await run(["--frobnicate"])).stderr).toMatch(/^formwork: unknown option "--frobnicate"\n\nUsage:/);
    expect((await run(["help", "bogus"])).stderr).toContain('unknown command "bogus"');
    expect(await run([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^formwork: no command given\n\nUsage:/) });
  });

  it("runs a command from the table with the rest of the arguments; a UsageError prints its help, another error exits 1", async () => {
    const seen: (readonly string[])[] = [];
    const echo: Command = {
      name: "echo",
      summary: "repeat",
      help: "Usage: formwork echo [--loud]\n\nExample:\n  formwork echo hi",
      run: async (args, io) => {
        seen.push(args);
        if (args[0] === "wrong") throw new UsageError("no wrong things");
        if (args[0] === "fail") throw new Error("it broke");
        io.stdout(args.join(" "));
        return 0;
      },
    };
    expect(await run(["echo", "a", "--b"], [echo])).toEqual({ code: 0, stdout: "a --b", stderr: "" });
    expect(seen).toEqual([["a", "--b"]]);
    expect(await run(["echo", "wrong"], [echo])).toEqual({ code: 2, stdout: "", stderr: "formwork: echo: no wrong things\n\nUsage: formwork echo [--loud]\n\nExample:\n  formwork echo hi\n" });
    expect(await run(["echo", "fail"], [echo])).toEqual({ code: 1, stdout: "", stderr: "formwork echo: it broke\n" });
    expect((await run(["help", "echo"], [echo])).stdout).toBe("Usage: formwork echo [--loud]\n\nExample:\n  formwork echo hi\n");
  });

  it("gives every command a --help with a usage line and an example", async () => {
    for (const command of COMMANDS) {
      const { code, stdout } = await run([command.name, "--help"]);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: formwork ${command.name}`));
      expect(stdout).toMatch(/\nExample:\n {2}formwork /);
      expect((await run([command.name, "-h"])).stdout).toBe(stdout);
    }
  });
});

describe("formwork serve", () => {
  it("says in its help every wire the server speaks", async () => {
    const { stdout } = await run(["serve", "--help"]);
    for (const path of ["/v1/chat/completions", "/v1/responses", "/v1/messages", ":streamGenerateContent", "/api/chat"]) expect(stdout).toContain(path);
  });

  it("names bad options and values, with its usage", async () => {
    const cases: [string[], string][] = [
      [["serve", "--port", "many"], '--port takes a whole number from 0 to 65535, not "many"'],
      [["serve", "--port", "70000"], '--port takes a whole number from 0 to 65535, not "70000"'],
      [["serve", "--seed", "1.5"], '--seed takes a whole number'],
      [["serve", "--tokens-per-second=-3"], '--tokens-per-second takes a number from 0'],
      [["serve", "--tokens-per-second", "-3"], '--tokens-per-second needs a value; write --tokens-per-second=VALUE for one that starts with "-"'],
      [["serve", "--prot", "1"], 'unknown option "--prot"'],
      [["serve", "--port"], "--port needs a value"],
      [["serve", "--help=yes"], "--help takes no value"],
      [["serve", "now"], 'unexpected argument "now"'],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await run(args);
      expect(code, args.join(" ")).toBe(2);
      expect(stderr).toContain(`formwork: serve: ${message}`);
      expect(stderr).toContain("Usage: formwork serve");
    }
  });

  it("serves on the port asked for, answers, and stops cleanly on Ctrl-C (SIGINT)", async () => {
    const { child, exit, output } = spawnCli(["serve", "--port", "0", "--seed", "3"]);
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", () => {
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output());
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      void exit.then(({ code, stderr }) => reject(new Error(`exited early with ${code}: ${output()} ${stderr}`)));
    });
    const response = await fetch(`${url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }) });
    expect(response.status).toBe(200);
    child.kill("SIGINT");
    const { code, stdout } = await exit;
    expect(code).toBe(0);
    expect(stdout).toContain("stopped");
  });

  it("exits with the dispatcher's code and writes errors to stderr as a process", async () => {
    const { stdout, stderr, code } = await spawnCli(["bogus"]).exit;
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr).toContain('formwork: unknown command "bogus"');
  });
});
