import { connect, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startModelServer, type ModelServer } from "./model-server.js";

// The offline server's writes, seen on the wire: each res.write is one HTTP chunk, so the chunked
// framing shows the server's write boundaries whatever the TCP reads merged. The wheel runs on
// fake timers (and a fake performance.now), so that the server is exactly as late as a test makes
// it, while the sockets are real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

const SCRIPT = '{"title":"Purchase order 4471","lines":[{"sku":"SKU-1000","quantity":3}],"paid":false}';

// The body's chunks (one per server write), once the response has ended.
function chunksOf(raw: string): string[] {
  const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  const chunks: string[] = [];
  for (let at = 0; ; ) {
    const lineEnd = body.indexOf("\r\n", at);
    const size = Number.parseInt(body.slice(at, lineEnd), 16);
    if (size === 0) return chunks;
    chunks.push(Buffer.from(body.slice(lineEnd + 2)).subarray(0, size).toString("utf8"));
    at = lineEnd + 2 + Buffer.from(chunks.at(-1) as string).toString("latin1").length + 2;
  }
}

async function open(server: ModelServer): Promise<{ socket: Socket; received: () => string; ended: Promise<void> }> {
  const socket = connect(server.port, "127.0.0.1");
  let raw = "";
  socket.setEncoding("latin1");
  const first = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.on("data", (piece: string) => (raw += piece));
  const ended = new Promise<void>((resolve) => socket.on("data", () => raw.endsWith("\r\n0\r\n\r\n") && resolve()));
  const body = JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "order" }], tools: [{ type: "function", function: { name: "Order", parameters: { type: "object" } } }], tool_choice: { type: "function", function: { name: "Order" } } });
  socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await first; // the head and the first event: written as the stream starts
  return { socket, received: () => Buffer.from(raw, "latin1").toString("utf8"), ended };
}

const eventsIn = (chunk: string) => chunk.split("\n\n").filter((event) => event !== "");
const argumentsOf = (events: readonly string[]) =>
  events
    .filter((event) => event !== "data: [DONE]")
    .map((event) => (JSON.parse(event.slice(6)) as { choices: { delta: { tool_calls?: { function: { arguments?: string } }[] } }[] }).choices[0]?.delta.tool_calls?.[0]?.function.arguments ?? "")
    .join("");

describe("the offline server's pacing, on the wire", () => {
  it("writes one event a write while it keeps up, at one a tick", async () => {
    const server = await startModelServer({ tokensPerSecond: 100, scripts: [{ match: () => true, text: SCRIPT }] });
    try {
      const stream = await open(server);
      for (let tick = 0; tick < 100 && !stream.received().includes("[DONE]"); tick++) {
        const before = stream.received().length;
        await vi.advanceTimersByTimeAsync(10);
        // Each tick of 10 ms (the interval at 100 tokens/s) sends exactly the token then due.
        await vi.waitFor(() => expect(stream.received().length).toBeGreaterThan(before), { timeout: 5000, interval: 1 });
      }
      await stream.ended;
      const chunks = chunksOf(stream.received());
      for (const chunk of chunks.slice(0, -1)) expect(eventsIn(chunk)).toHaveLength(1);
      // The finish event and [DONE] leave together, after the last token's interval.
      expect(eventsIn(chunks.at(-1) as string)).toHaveLength(2);
      expect(argumentsOf(chunks.flatMap(eventsIn))).toBe(SCRIPT);
      stream.socket.destroy();
    } finally {
      await server.close();
    }
  });

  it("merges only what is more than 50 ms overdue into one write, then goes back to one event a write", async () => {
    const server = await startModelServer({ tokensPerSecond: 100, scripts: [{ match: () => true, text: SCRIPT }] });
    try {
      const stream = await open(server);
      await vi.advanceTimersByTimeAsync(10);
      await vi.waitFor(() => expect(chunksOf(`${stream.received()}0\r\n\r\n`)).toHaveLength(2), { timeout: 5000, interval: 1 });
      // The server stalls: its clock moves on 200 ms without its timer firing (fake timers never
      // fire late by themselves), so 20 tokens are due when it fires next.
      const fakeNow = performance.now.bind(performance);
      vi.spyOn(performance, "now").mockImplementation(() => fakeNow() + 200);
      for (let tick = 0; tick < 100 && !stream.received().includes("[DONE]"); tick++) await vi.advanceTimersByTimeAsync(10);
      await stream.ended;
      const chunks = chunksOf(stream.received()).map(eventsIn);
      const sizes = chunks.map((events) => events.length);
      // One event a write, then the tokens more than 50 ms overdue in one write (the one due at
      // the stall's tick, 15 behind it, and the next due: the rule catches up to within 50 ms),
      // then one a write again.
      expect(sizes.slice(0, 2)).toEqual([1, 1]);
      expect(sizes[2]).toBeGreaterThanOrEqual(15);
      expect(sizes[2]).toBeLessThanOrEqual(17);
      expect(sizes.slice(3, -1).every((size) => size === 1)).toBe(true);
      expect(argumentsOf(chunks.flat())).toBe(SCRIPT);
      stream.socket.destroy();
    } finally {
      await server.close();
    }
  });
});
