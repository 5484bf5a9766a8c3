// A call cancelled before its request is sent sends nothing, and one cancelled just after it
// started closes what it sent: no open connection, no deadline timer left keeping the process
// alive for minutes. On fetch and on nodeHttpClient, for each way of reading a call.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AbortError } from "../errors/abort-error.js";
import { nodeHttpClient } from "../http/node/node-http-client.js";
import { fromProvider } from "./from-provider.js";
import { startReplayServer, type ReplayServer } from "./test-support/replay-server.js";

const User = z.object({ name: z.string(), age: z.number() });
const messages = [{ role: "user" as const, content: "Ada, 36." }];

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const paths = [
  ["fetch", (url: string) => fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "tools" })],
  ["node-http", (url: string) => fromProvider({ provider: "test", baseURL: url, apiKey: "k", mode: "tools", httpClient: nodeHttpClient() })],
] as const;

// The ways a call is read: each gives the call's outcome.
const reads = {
  create: (client: ReturnType<(typeof paths)[number][1]>, signal: AbortSignal) => client.chat.completions.create({ model: "m", messages, response_model: User, signal }),
  createPartial: async (client: ReturnType<(typeof paths)[number][1]>, signal: AbortSignal) => {
    for await (const partial of client.chat.completions.createPartial({ model: "m", messages, response_model: User, signal })) void partial;
  },
  createIterable: async (client: ReturnType<(typeof paths)[number][1]>, signal: AbortSignal) => {
    for await (const item of client.chat.completions.createIterable({ model: "m", messages, response_model: User, signal })) void item;
  },
};

const settle = async () => {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe.each(paths)("cancelled before or as it starts, on the %s path", (_path, make) => {
  it.each(Object.keys(reads) as (keyof typeof reads)[])("%s: an aborted signal sends nothing", async (read) => {
    server = await startReplayServer(() => ({ pieces: [], stall: "body" }));
    const kwargs: unknown[] = [];
    const client = make(server.url);
    client.on("completion:kwargs", (payload) => kwargs.push(payload));
    const error = await reads[read](client, AbortSignal.abort("not wanted")).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AbortError);
    await settle();
    expect(server.requests).toHaveLength(0);
    expect(kwargs).toHaveLength(0);
  });

  it.each(Object.keys(reads) as (keyof typeof reads)[])("%s: aborted right after the call began, whatever was sent is closed", async (read) => {
    server = await startReplayServer(() => ({ pieces: [], stall: "body" }));
    const controller = new AbortController();
    const outcome = reads[read](make(server.url), controller.signal).catch((thrown: unknown) => thrown);
    await Promise.resolve();
    controller.abort("changed my mind");
    expect(await outcome).toBeInstanceOf(AbortError);
    await settle();
    // Nothing sent, or the connection closed by the client (a stalled answer never finishes).
    for (const request of server.requests) expect(await request.closed).toBe("client-closed");
  });
});
