// The package as a user gets it: `npm pack` (its prepack builds), the tarball installed into an
// empty project, then imported as ESM, required as CommonJS, type-checked under
// `module: nodenext` (an ESM file, a CommonJS file, and a CommonJS program compiled and run) and
// `moduleResolution: bundler`, its `formwork` command run, and one structured call made against
// the offline server, all from the installed copy. Every entry of `exports` is checked, so a new
// subpath is covered the day it is added. Needs the npm registry (or npm's cache) for the
// package's own dependencies and peers; nothing else leaves the machine.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");
const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  exports: Record<string, string | Record<string, string>>;
  peerDependencies?: Record<string, string>;
};

// Installs and builds take long on a loaded two-core machine; nothing here asserts a duration.
const SLOW = 10 * 60_000;

function run(command: string, args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout}\n${stderr}`, { cause: error }));
      else resolve({ stdout, stderr });
    });
  });
}

// The version of a package this repository tests with, so the consumer gets the same one.
async function installedVersion(name: string): Promise<string> {
  return (JSON.parse(await readFile(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

// "." -> "formwork", "./json" -> "formwork/json"; the manifest itself is not code.
const subpaths = Object.keys(manifest.exports)
  .filter((key) => key !== "./package.json" && !key.includes("*"))
  .map((key) => (key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`));
const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target)));

let work = "";
let project = "";
let packedFiles: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "formwork-packaging-"));
  project = join(work, "consumer");
  // No dist beforehand: what the tarball holds must come from prepack.
  await rm(join(root, "dist"), { recursive: true, force: true });
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", work], root);
  // Scripts run by prepack may print before npm's JSON.
  const [packed] = JSON.parse(stdout.slice(stdout.search(/^\[/m))) as [{ filename: string; files: { path: string }[] }];
  packedFiles = packed.files.map(({ path }) => path);

  await mkdir(project);
  // No "type" field: a CommonJS project, the harder case; ESM files use .mjs/.mts.
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  const peers = await Promise.all(Object.keys(manifest.peerDependencies ?? {}).map(async (name) => `${name}@${await installedVersion(name)}`));
  await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", join(work, packed.filename), ...peers, `@types/node@${await installedVersion("@types/node")}`],
    project,
  );
}, SLOW);

afterAll(async () => {
  if (work !== "") await rm(work, { recursive: true, force: true });
});

describe("the tarball", () => {
  it("holds the built package, its declarations, README and LICENSE, and no maps, tests or sources", () => {
    for (const file of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js"]) expect(packedFiles).toContain(file);
    expect(packedFiles.filter((file) => file.endsWith(".map") || /\.test(-d)?\./.test(file) || file.includes("test-support") || file.startsWith("src/"))).toEqual([]);
  });

  it("holds every file that exports points to", () => {
    expect(targets.length).toBeGreaterThanOrEqual(subpaths.length * 2);
    for (const target of targets) expect(packedFiles, target).toContain(target.replace(/^\.\//, ""));
  });

  it("gives every export a types and a default condition, types first, so import and require both resolve", () => {
    for (const [key, target] of Object.entries(manifest.exports)) {
      if (key === "./package.json") continue;
      expect(typeof target, key).toBe("object");
      expect(Object.keys(target)[0], key).toBe("types");
      expect(Object.keys(target).at(-1), key).toBe("default");
    }
  });
});

describe("installed into an empty project", () => {
  it("imports every export as ESM, and requires each as CommonJS with the same names", async () => {
    await writeFile(
      join(project, "exports.mjs"),
      `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const result = {};
for (const subpath of ${JSON.stringify(subpaths)}) {
  const esm = Object.keys(await import(subpath)).sort();
  const cjs = Object.keys(require(subpath)).filter((key) => key !== "module.exports").sort();
  result[subpath] = { esm, cjs };
}
console.log(JSON.stringify(result));`,
    );
    await writeFile(join(project, "exports.cjs"), `for (const subpath of ${JSON.stringify(subpaths)}) require(subpath);\nconsole.log("required", ${subpaths.length});`);
    const names = JSON.parse((await run(process.execPath, ["exports.mjs"], project)).stdout) as Record<string, { esm: string[]; cjs: string[] }>;
    expect(Object.keys(names)).toEqual(subpaths);
    for (const [subpath, { esm, cjs }] of Object.entries(names)) {
      expect(esm.length, subpath).toBeGreaterThan(0);
      expect(cjs, subpath).toEqual(esm);
    }
    expect(names["formwork"]?.esm).toEqual(expect.arrayContaining(["fromOpenAI", "fromProvider", "partialStream", "iterableStream", "FormworkError"]));
    expect(names["formwork/testing"]?.esm).toEqual(expect.arrayContaining(["startModelServer", "connectModel", "withModel"]));
    // A plain CommonJS file, run by node as it is (require(esm) needs Node 20.19 or later).
    expect((await run(process.execPath, ["exports.cjs"], project)).stdout.trim()).toBe(`required ${subpaths.length}`);
  }, SLOW);

  it("makes a structured call against the offline server, from ESM and from CommonJS", async () => {
    const program = (load: string) => `${load}
const User = z.object({ name: z.string(), age: z.number().int() });
async function main() {
  const connection = await connectModel({ env: {}, offline: { tokensPerSecond: 1000, scripts: [{ match: "Alice", text: '{"name": "Alice", "age": 28}' }] } });
  try {
    const client = fromProvider({ baseURL: connection.baseURL, apiKey: connection.apiKey });
    const stream = client.chat.completions.createPartial({ model: connection.model, messages: [{ role: "user", content: "Alice, who is 28" }], response_model: User });
    let partials = 0;
    for await (const partial of stream) partials += partial === undefined ? 0 : 1;
    console.log(JSON.stringify({ user: await stream.final, partials }));
  } finally {
    await connection.close();
  }
}
main().catch((error) => { console.error(error); process.exitCode = 1; });`;
    await writeFile(join(project, "call.mjs"), program(`import { z } from "zod";\nimport { fromProvider } from "formwork";\nimport { connectModel } from "formwork/testing";`));
    await writeFile(join(project, "call.cjs"), program(`const { z } = require("zod");\nconst { fromProvider } = require("formwork");\nconst { connectModel } = require("formwork/testing");`));
    for (const file of ["call.mjs", "call.cjs"]) {
      const result = JSON.parse((await run(process.execPath, [file], project)).stdout) as { user: unknown; partials: number };
      expect(result.user, file).toEqual({ name: "Alice", age: 28 });
      expect(result.partials, file).toBeGreaterThan(1); // it streamed
    }
  }, SLOW);

  it("type-checks under module nodenext (ESM and CommonJS files), and a compiled CommonJS program runs", async () => {
    const imports = subpaths.map((subpath, index) => `import * as entry${index} from "${subpath}";`).join("\n");
    const typed = `const User = z.object({ name: z.string(), age: z.number().int() });
export async function call(baseURL: string): Promise<string> {
  const client = fromProvider({ baseURL, apiKey: "offline" });
  const user = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Alice, who is 28" }], response_model: User });
  const name: string = user.name;
  // @ts-expect-error age is a number: the types came through, they are not any
  const wrong: string = user.age;
  return \`\${name} \${wrong}\`;
}`;
    await writeFile(join(project, "check.mts"), `${imports}\nimport { z } from "zod";\nimport { fromProvider } from "formwork";\nexport const entries = [${subpaths.map((_, index) => `entry${index}`).join(", ")}];\n${typed}\n`);
    await writeFile(join(project, "check.cts"), `import formwork = require("formwork");\nimport testing = require("formwork/testing");\nexport const names: string[] = [typeof formwork.fromProvider, typeof testing.startModelServer];\n`);
    // A .ts file in a package without "type": CommonJS, its imports compiled to require().
    await writeFile(
      join(project, "program.ts"),
      `import { z } from "zod";\nimport { fromProvider } from "formwork";\nimport { startModelServer } from "formwork/testing";\n${typed}
async function main(): Promise<void> {
  const server = await startModelServer({ scripts: [{ match: "Alice", text: '{"name": "Alice", "age": 28}' }] });
  try {
    console.log(await call(server.url));
  } finally {
    await server.close();
  }
}
void main();\n`,
    );
    const options = { strict: true, skipLibCheck: true, target: "ES2022", lib: ["ES2022", "DOM"], types: ["node"], outDir: "out" };
    await writeFile(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...options, module: "nodenext", moduleResolution: "nodenext" }, files: ["check.mts", "check.cts", "program.ts"] }));
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], project);
    expect((await run(process.execPath, ["out/program.js"], project)).stdout.trim()).toBe("Alice 28");
  }, SLOW);

  it("type-checks under moduleResolution bundler", async () => {
    const imports = subpaths.map((subpath, index) => `import * as entry${index} from "${subpath}";`).join("\n");
    await writeFile(
      join(project, "bundler.ts"),
      `${imports}\nimport { partialStream } from "formwork";\nimport { JsonParser } from "formwork/json";\nimport { z } from "zod";
export const entries = [${subpaths.map((_, index) => `entry${index}`).join(", ")}];
export async function first(source: AsyncIterable<string>): Promise<number> {
  const value = await partialStream(z.object({ n: z.number() }), source).final;
  // @ts-expect-error n is a number
  const wrong: string = value.n;
  return value.n + new JsonParser().write.length + wrong.length;
}\n`,
    );
    await writeFile(
      join(project, "tsconfig.bundler.json"),
      JSON.stringify({ compilerOptions: { strict: true, skipLibCheck: true, target: "ES2022", lib: ["ES2022", "DOM"], types: ["node"], module: "preserve", moduleResolution: "bundler", noEmit: true }, files: ["bundler.ts"] }),
    );
    await run(process.execPath, [tsc, "-p", "tsconfig.bundler.json"], project);
  }, SLOW);

  it("installs the formwork command, which knows its version", async () => {
    const { stdout } = await run(join(project, "node_modules/.bin/formwork"), ["--version"], project);
    expect(stdout.trim()).toBe(`formwork ${manifest.version}`);
  }, SLOW);
});
