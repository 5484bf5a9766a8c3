// A call that ended keeps nothing of itself alive until its deadline would have passed. Each
// call has a whole-call deadline (`timeout`, 10 minutes by default); it was an
// AbortSignal.timeout with a listener, which Node keeps alive until it fires, so every finished
// call held its signals (about 2.5 KB) for 10 minutes: a server making 100 calls a second
// carried 150 MB of them. Checked with a WeakRef to the call's signal (what a validator, and a
// passthrough's HTTP client, are given) and full GCs, for every way a call is made and ended.
import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError } from "../errors/abort-error.js";
import { z } from "zod";
import type { HttpClient } from "../http/http-client.js";
import { nodeHttpClient } from "../http/node/node-http-client.js";
import { startModelServer, type ModelServer } from "../testing/model-server.js";
import { fromProvider } from "./from-provider.js";
import type { ValidatorContext } from "../validate/validators.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const User = z.object({ name: z.string(), age: z.number() });
const messages = [{ role: "user" as const, content: "Make up a user." }];

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer({ seed: 3 });
});
afterAll(async () => {
  await server.close();
});

// How many of `refs` are still alive after full GCs (a few rounds: a finalizer may free more).
async function alive(refs: readonly WeakRef<object>[]): Promise<number> {
  for (let round = 0; round < 5; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return refs.filter((ref) => ref.deref() !== undefined).length;
}

// The calls, each given a validator that keeps a WeakRef to the call's signal, ended the way
// it names; `signal` is the caller's own (a long-lived one, as a server's shutdown signal).
type Call = (validate: (value: unknown, context: ValidatorContext) => undefined, signal: AbortSignal | undefined) => Promise<unknown>;

function calls(mode: "tools" | "parallel_tools"): Record<string, Call> {
  const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "offline", mode, httpClient: nodeHttpClient() });
  const completions = client.chat.completions;
  const base = (signal: AbortSignal | undefined) => ({ model: "m", messages, ...(signal === undefined ? {} : { signal }) });
  if (mode === "parallel_tools") {
    return {
      "createIterable of parallel tools": async (validate, signal) => {
        for await (const item of completions.createIterable({ ...base(signal), response_model: [{ schema: User, name: "User" }], validate })) void item;
      },
    };
  }
  return {
    create: (validate, signal) => completions.create({ ...base(signal), response_model: User, validate }),
    "createPartial, read to the end": async (validate, signal) => {
      for await (const partial of completions.createPartial({ ...base(signal), response_model: User, validate })) void partial;
    },
    "createPartial, left half read": async (validate, signal) => {
      // A validator of the name runs as the name closes, before the age shows.
      const stream = completions.createPartial({ ...base(signal), response_model: User, validate: { path: ["name"], validate } });
      for await (const partial of stream) if ((partial as { age?: number }).age !== undefined) break;
      await stream.result.catch(() => undefined);
    },
    "create, failing validation": (validate, signal) =>
      completions.create({ ...base(signal), response_model: User, validate: (value, context) => validate(value, context) ?? "always wrong" }).catch((error: unknown) => error),
    createIterable: async (validate, signal) => {
      for await (const item of completions.createIterable({ ...base(signal), response_model: User, validate })) void item;
    },
  };
}

describe.each([
  ["no signal of the caller's", false],
  ["the caller's long-lived signal", true],
] as const)("a finished call lets its deadline go, with %s", (_name, withSignal) => {
  const kept = new AbortController();
  const cases = (): [string, Call][] => [...Object.entries(calls("tools")), ...Object.entries(calls("parallel_tools"))];
  it.each(["create", "createPartial, read to the end", "createPartial, left half read", "create, failing validation", "createIterable", "createIterable of parallel tools"])("%s", async (name) => {
    const call = new Map(cases()).get(name) as Call;
    const refs: WeakRef<AbortSignal>[] = [];
    const validate = (_value: unknown, context: ValidatorContext): undefined => {
      refs.push(new WeakRef(context.signal as AbortSignal));
      return undefined;
    };
    for (let index = 0; index < 5; index++) await call(validate, withSignal ? kept.signal : undefined);
    expect(refs.length).toBeGreaterThan(0);
    expect(await alive(refs)).toBe(0);
  });
});

describe("a passthrough call lets its deadline go", () => {
  // The HTTP client is given the call's signal itself.
  const signals: WeakRef<AbortSignal>[] = [];
  const inner = nodeHttpClient();
  const watching: HttpClient = (request) => {
    signals.push(new WeakRef(request.signal));
    return inner(request);
  };
  const client = () => fromProvider({ provider: "offline", baseURL: server.url, apiKey: "offline", httpClient: watching }).chat.completions;

  it.each([
    ["a whole response", () => client().create({ model: "m", messages } as never)],
    [
      "a stream read to its end",
      async () => {
        const stream = (await client().create({ model: "m", messages, stream: true } as never)) as unknown as AsyncIterable<unknown>;
        for await (const chunk of stream) void chunk;
      },
    ],
  ] as const)("%s", async (_name, call) => {
    signals.length = 0;
    for (let index = 0; index < 5; index++) await call();
    expect(signals.length).toBe(5);
    expect(await alive(signals)).toBe(0);
  });
});

// A server passes one shutdown signal to every call. Each call used to add listeners of its
// own to it (Node warned of a leak past ten calls at once) and an AbortSignal.any over it (on
// Node 20 every such composite stays in the signal's dependants for good).
describe("a caller's signal shared by many calls", () => {
  it("gets one listener however many calls are in flight, and aborting it ends them all", async () => {
    const slow = await startModelServer({ seed: 3, tokensPerSecond: 20 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const client = fromProvider({ provider: "offline", baseURL: slow.url, apiKey: "offline", mode: "tools", httpClient: nodeHttpClient() });
      const shutdown = new AbortController();
      const partials: number[] = Array.from({ length: 30 }, () => 0);
      const calls = partials.map(async (_, index) => {
        const stream = client.chat.completions.createPartial({ model: "m", messages, response_model: User, signal: shutdown.signal });
        for await (const partial of stream) {
          void partial;
          partials[index] = (partials[index] as number) + 1;
        }
      });
      const outcomes = Promise.allSettled(calls);
      // Every call is streaming before the signal is looked at.
      while (partials.some((count) => count === 0)) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(1);
      shutdown.abort("shutting down");
      for (const outcome of await outcomes) {
        expect(outcome.status).toBe("rejected");
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(AbortError);
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ reason: "shutting down" });
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await slow.close();
    }
  });
});

// A call's streams are lazy: nothing is sent until the first read, `final` or `result`. The
// call's deadline, and its link to the caller's signal, start then too: a stream made and never
// read holds nothing (it held a timer and a place in the caller's signal until the deadline).
describe("a call starts when it is first read", () => {
  it("its timeout counts from the first read, not from when the stream was made", async () => {
    const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "offline", mode: "tools", httpClient: nodeHttpClient() });
    const stream = client.chat.completions.createPartial({ model: "m", messages, response_model: User, timeout: 300 });
    const items = client.chat.completions.createIterable({ model: "m", messages, response_model: User, timeout: 300 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(stream.final).resolves.toMatchObject({ name: expect.any(String) });
    const read: unknown[] = [];
    for await (const item of items) read.push(item);
    expect(read.length).toBeGreaterThan(0);
  });

  it("a caller's signal aborted before the first read ends the call as it starts, sending nothing", async () => {
    const sent: unknown[] = [];
    const inner = nodeHttpClient();
    const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "offline", mode: "tools", httpClient: (request) => (sent.push(request.url), inner(request)) });
    const shutdown = new AbortController();
    const streams = [0, 1, 2].map(() => client.chat.completions.createPartial({ model: "m", messages, response_model: User, signal: shutdown.signal }));
    shutdown.abort("shutting down");
    for (const stream of streams) await expect(stream.final).rejects.toMatchObject({ reason: "shutting down" });
    expect(sent).toEqual([]);
  });
});
