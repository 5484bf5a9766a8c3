// Issue 11's memory target: 700 MB of deltas on a channel the mode ignores (content, in tools
// mode) must end in a typed limit error while the client's process stays under 200 MB RSS.
// The server runs here; the client runs in a child process of plain Node over the built library
// (no compiler in memory), so that its peak RSS is the library's own.
//
//   npm run build && node --import tsx bench/ignored-flood.ts [megabytes=700]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const TOTAL_MB = Number(process.argv[2] ?? 700);
const DIST = fileURLToPath(new URL("../dist/client/from-provider.js", import.meta.url));

// The client: one structured call in tools mode; it reports how it ended and its peak RSS.
const CHILD = `
import { z } from "zod";
import { fromProvider } from ${JSON.stringify(DIST)};
const baselineMb = process.resourceUsage().maxRSS / 1024;
const client = fromProvider({ provider: "flood", baseURL: process.argv[1], apiKey: "sk-bench", mode: "tools" });
const started = performance.now();
const outcome = await client.chat.completions
  .create({ model: "m", messages: [{ role: "user", content: "hi" }], response_model: z.object({ a: z.string() }) })
  .then(() => "resolved", (error) => error.name + " (" + error.code + "): " + error.message);
console.log(JSON.stringify({ outcome, baselineMb, maxRssMb: process.resourceUsage().maxRSS / 1024, seconds: (performance.now() - started) / 1000 }));
`;

async function main(): Promise<void> {
  if (!existsSync(DIST)) throw new Error("build the library first: npm run build");
  // Deltas of 1,000 characters: larger than a token, so that the run is short, and small enough
  // that many arrive in one network read, as they do.
  const piece = "x".repeat(Number(process.env["FLOOD_PIECE"] ?? 1000));
  const event = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })}\n\n`;
  let sentMb = 0;
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { "content-type": "text/event-stream" });
    const limit = TOTAL_MB * 1024 * 1024;
    let sent = 0;
    const pump = () => {
      while (sent < limit && !response.destroyed) {
        sent += event.length;
        sentMb = sent / 1024 / 1024;
        if (!response.write(event)) return void response.once("drain", pump);
      }
      if (!response.destroyed) response.end("data: [DONE]\n\n");
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, url], { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (data: Buffer) => (output += data.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  server.closeAllConnections();
  server.close();
  const report = JSON.parse(output) as { outcome: string; baselineMb: number; maxRssMb: number; seconds: number };
  console.log(`ignored-channel flood of up to ${TOTAL_MB} MB, deltas of ${piece.length} characters (default maxLength 64 Mi):`);
  console.log(`  outcome: ${report.outcome}`);
  console.log(`  the server had sent ${sentMb.toFixed(0)} MB when the client closed the request`);
  console.log(`  client peak RSS: ${report.maxRssMb.toFixed(0)} MB (target: under 200 MB), of which ${report.baselineMb.toFixed(0)} MB before the call; ${report.seconds.toFixed(1)} s`);
}

await main();
