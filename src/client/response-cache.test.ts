// The response cache through the client: hits send nothing, failures are never stored, and a
// cache that fails costs only the hit (or, strict, is a CacheError).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { fileCache } from "../cache/file-cache.js";
import { memoryCache } from "../cache/memory-cache.js";
import { redisCache } from "../cache/redis-cache.js";
import type { ResponseCache } from "../cache/response-cache.js";
import { CacheError } from "../errors/cache-error.js";
import { RetryError } from "../errors/retry-error.js";
import { streaming } from "../schema/streaming.js";
import { freePort, startRedisServer, type TestRedisServer } from "../testing/redis-server.js";
import { fromOpenAI } from "./from-openai.js";
import { fromProvider } from "./from-provider.js";
import type { HookPayloads } from "./hooks.js";
import { sseTranscript, startReplayServer, toolCallChunks, type ReplayServer } from "./test-support/replay-server.js";

const User = z.object({ name: z.string(), age: z.number().int(), joined: z.string().transform((text) => text.slice(0, 4)) });
const userJson = '{"name": "Ada", "age": 36, "joined": "1843-01-01"}';
const messages = [{ role: "user" as const, content: "Extract the user." }];

let server: ReplayServer;
// Each answer is valid unless the test says which requests answer badly.
let invalidRequests = new Set<number>();
beforeAll(async () => {
  server = await startReplayServer((index) => ({
    pieces: sseTranscript(toolCallChunks("User", invalidRequests.has(index) ? ['{"name": "Ada"}'] : [userJson.slice(0, 20), userJson.slice(20)])).split(/(?<=\n\n)/),
  }));
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  invalidRequests = new Set();
  vi.restoreAllMocks();
});

const client = (cache?: ResponseCache) => fromProvider({ provider: "test", baseURL: server.url, apiKey: "sk-test", ...(cache === undefined ? {} : { cache }) });
const requestsSince = (before: number) => server.requests.length - before;

describe("a cache hit", () => {
  it("returns the validated value (transforms applied) without a request; createWithCompletion says cached", async () => {
    const cache = memoryCache();
    const before = server.requests.length;
    const first = await client(cache).chat.completions.createWithCompletion({ model: "m", messages, response_model: User });
    expect(first).toMatchObject({ data: { name: "Ada", age: 36, joined: "1843" }, cached: false, attempts: 1 });
    const second = await client(cache).chat.completions.createWithCompletion({ model: "m", messages, response_model: User });
    expect(requestsSince(before)).toBe(1);
    expect(second).toEqual({ data: { name: "Ada", age: 36, joined: "1843" }, completion: first.completion, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, attempts: 0, cached: true });
    expect(await client(cache).chat.completions.create({ model: "m", messages, response_model: User })).toEqual(first.data);
    expect(requestsSince(before)).toBe(1);
  });

  it("createPartial on a hit yields the final value at once, as a live answer's last partial (streaming rules too)", async () => {
    const Ruled = z.object({ name: streaming.withState(z.string()), age: z.number(), joined: streaming.done(z.string()) });
    const cache = memoryCache();
    const live: unknown[] = [];
    for await (const partial of client(cache).chat.completions.createPartial({ model: "m", messages, response_model: Ruled })) live.push(partial);
    const before = server.requests.length;
    const fired: (keyof HookPayloads)[] = [];
    const cachedClient = client(cache);
    for (const name of ["cache:hit", "completion:kwargs", "cache:error"] as const) cachedClient.on(name, () => fired.push(name));
    const stream = cachedClient.chat.completions.createPartial({ model: "m", messages, response_model: Ruled });
    const replayed: unknown[] = [];
    for await (const partial of stream) replayed.push(partial);
    expect(replayed).toEqual([live.at(-1)]);
    expect(replayed[0]).toEqual({ name: { state: "complete", value: "Ada" }, age: 36, joined: "1843-01-01" });
    expect(await stream.final).toEqual({ name: "Ada", age: 36, joined: "1843-01-01" });
    expect(requestsSince(before)).toBe(0);
    expect(fired).toEqual(["cache:hit"]);
  });

  it("misses when anything that decides the answer differs: sampling fields, model, messages, schema", async () => {
    const cache = memoryCache();
    const before = server.requests.length;
    const ask = (extra: Record<string, unknown>, schema: z.ZodType = User) => client(cache).chat.completions.create({ model: "m", messages, response_model: schema, ...extra });
    await ask({});
    await ask({ temperature: 0.5 });
    await ask({ model: "other" });
    await ask({ messages: [...messages, { role: "user" as const, content: "Again." }] });
    await ask({}, User.extend({ note: z.string().optional() }));
    expect(requestsSince(before)).toBe(5);
    await ask({ temperature: 0.5 });
    await ask({ max_retries: 3, timeout: 60_000 }); // formwork's own fields do not change the answer
    expect(requestsSince(before)).toBe(5);
  });

  it("expires after the ttl", async () => {
    const cache = memoryCache({ ttl: 60_000 });
    const before = server.requests.length;
    await client(cache).chat.completions.create({ model: "m", messages, response_model: User });
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + 61_000);
    await client(cache).chat.completions.create({ model: "m", messages, response_model: User });
    expect(requestsSince(before)).toBe(2);
  });

  it("a call's cache: false skips the client's cache; a call's own cache replaces it", async () => {
    const shared = memoryCache();
    const own = memoryCache();
    const before = server.requests.length;
    const cached = client(shared);
    await cached.chat.completions.create({ model: "m", messages, response_model: User });
    await cached.chat.completions.create({ model: "m", messages, response_model: User, cache: false });
    await cached.chat.completions.create({ model: "m", messages, response_model: User, cache: own });
    expect(requestsSince(before)).toBe(3);
    expect(own.size).toBe(1);
  });

  it("works through the official SDK client too", async () => {
    const cache = memoryCache();
    const sdk = fromOpenAI(new OpenAI({ baseURL: server.url, apiKey: "sk-test" }), { provider: "test", cache });
    const before = server.requests.length;
    await sdk.chat.completions.create({ model: "m", messages, response_model: User });
    const result = await sdk.chat.completions.createWithCompletion({ model: "m", messages, response_model: User });
    expect(result.cached).toBe(true);
    expect(requestsSince(before)).toBe(1);
  });
});

describe("createIterable", () => {
  it("a hit yields the same items with no request; an answer with an invalid item is never stored", async () => {
    const Item = z.object({ name: z.string(), age: z.number().int() });
    const cache = memoryCache();
    const items = async (stream: AsyncIterable<unknown>) => {
      const values: unknown[] = [];
      for await (const item of stream) values.push(item);
      return values;
    };
    const before = server.requests.length;
    invalidRequests = new Set([before]);
    // The invalid answer's item lacks "age" (the scripted server's bad answer is not a list either).
    await expect(items(client(cache).chat.completions.createIterable({ model: "m", messages, response_model: Item }))).rejects.toThrow();
    expect(cache.size).toBe(0);
    const first = await items(client(cache).chat.completions.createIterable({ model: "m", messages, response_model: Item }));
    expect(first).toEqual([{ name: "Ada", age: 36 }]);
    expect(cache.size).toBe(1);
    const hits: unknown[] = [];
    const cached = client(cache);
    cached.on("cache:hit", (payload) => hits.push(payload));
    expect(await items(cached.chat.completions.createIterable({ model: "m", messages, response_model: Item }))).toEqual(first);
    expect(requestsSince(before)).toBe(2);
    expect(hits).toHaveLength(1);
  });
});

describe("failures are never cached", () => {
  it("an answer that fails validation is not stored; the one a retry fixes is", async () => {
    const cache = memoryCache();
    const before = server.requests.length;
    invalidRequests = new Set([before, before + 1, before + 2]);
    await expect(client(cache).chat.completions.create({ model: "m", messages, response_model: User })).rejects.toThrow();
    expect(cache.size).toBe(0);
    await expect(client(cache).chat.completions.create({ model: "m", messages, response_model: User, max_retries: 1 })).rejects.toBeInstanceOf(RetryError);
    expect(cache.size).toBe(0);
    invalidRequests = new Set([server.requests.length]);
    const fixed = await client(cache).chat.completions.createWithCompletion({ model: "m", messages, response_model: User, max_retries: 1 });
    expect(fixed.attempts).toBe(2);
    expect(cache.size).toBe(1);
    const again = await client(cache).chat.completions.createWithCompletion({ model: "m", messages, response_model: User, max_retries: 1 });
    expect(again).toMatchObject({ cached: true, data: fixed.data });
  });

  it("an entry that no longer validates is a miss, replaced by the new answer", async () => {
    const cache = memoryCache();
    const Strict = z.object({ name: z.string(), age: z.number().int(), joined: z.string() });
    await client(cache).chat.completions.create({ model: "m", messages, response_model: Strict });
    // The same JSON Schema (so the same key), a check that the stored answer fails.
    const Stricter = z.object({ name: z.string(), age: z.number().int().refine((age) => age > 40 || age === 36), joined: z.string().refine((text) => text.startsWith("1843")) });
    const before = server.requests.length;
    expect(cache.size).toBe(1);
    await client(cache).chat.completions.create({ model: "m", messages, response_model: Stricter });
    expect(requestsSince(before)).toBe(0); // this stored answer passes
    const Impossible = z.object({ name: z.string(), age: z.number().int().refine((age) => age > 100), joined: z.string() });
    await expect(client(cache).chat.completions.create({ model: "m", messages, response_model: Impossible })).rejects.toThrow();
    expect(requestsSince(before)).toBe(1);
  });
});

describe("a cache that fails", () => {
  let dir: string;
  let redis: TestRedisServer | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "formwork-cache-errors-"));
    await writeFile(join(dir, "file"), "not a directory");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await redis?.close();
  });

  it("costs only the hit: the call goes to the provider, nothing is logged, the cache:error hook reports it", async () => {
    const logged = [vi.spyOn(console, "log"), vi.spyOn(console, "warn"), vi.spyOn(console, "error")];
    const caches = [fileCache(join(dir, "file", "cache")), redisCache(`redis://127.0.0.1:${await freePort()}`, { timeout: 3000 })];
    for (const cache of caches) {
      const errors: HookPayloads["cache:error"][] = [];
      const unreachable = client(cache);
      unreachable.on("cache:error", (payload) => errors.push(payload));
      const before = server.requests.length;
      expect(await unreachable.chat.completions.create({ model: "m", messages, response_model: User })).toEqual({ name: "Ada", age: 36, joined: "1843" });
      expect(requestsSince(before)).toBe(1);
      expect(errors.map((error) => error.operation)).toEqual(["get", "set"]);
      for (const { error, key } of errors) {
        expect(CacheError.isInstance(error)).toBe(true);
        expect(error.cache).toBe(cache.name);
        expect(key).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    await (caches[1] as ReturnType<typeof redisCache>).close();
    for (const spy of logged) expect(spy).not.toHaveBeenCalled();
  });

  it("with strict: true, is a CacheError that ends the call", async () => {
    const failing = client(fileCache(join(dir, "file", "cache"), { strict: true }));
    const error = await failing.chat.completions.create({ model: "m", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(CacheError.isInstance(error)).toBe(true);
    expect((error as CacheError).code).toBe("cache-failed");
    expect((error as CacheError).operation).toBe("get");
    expect((error as CacheError).message).toMatch(/file cache could not be read.*ENOTDIR/);
    // A store of one's own that reads but cannot write: the answer is not given as if all went well.
    const readOnly: ResponseCache = { name: "read-only", strict: true, get: async () => undefined, set: async () => Promise.reject(new Error("disk full")) };
    const writeError = await client(readOnly).chat.completions.create({ model: "m", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(CacheError.isInstance(writeError) && writeError.operation === "set" && writeError.cache === "read-only").toBe(true);
    expect((writeError as CacheError).message).toMatch(/could not be written: disk full/);
    const down = redisCache(`redis://127.0.0.1:${await freePort()}`, { strict: true, timeout: 3000 });
    const before = server.requests.length;
    const readError = await client(down).chat.completions.create({ model: "m", messages, response_model: User }).catch((caught: unknown) => caught);
    await down.close();
    expect(CacheError.isInstance(readError) && readError.operation === "get").toBe(true);
    expect(requestsSince(before)).toBe(0);
  });

  it("a real redis-server: one client stores, another (a fresh connection) hits; Redis stopping costs only the hit", async () => {
    redis = await startRedisServer();
    const before = server.requests.length;
    const writer = redisCache(redis.url);
    const reader = redisCache(redis.url);
    await client(writer).chat.completions.create({ model: "m", messages, response_model: User });
    const hit = await client(reader).chat.completions.createWithCompletion({ model: "m", messages, response_model: User });
    expect(hit.cached).toBe(true);
    expect(requestsSince(before)).toBe(1);
    await redis.close();
    redis = undefined;
    const errors: unknown[] = [];
    const orphan = client(reader);
    orphan.on("cache:error", (payload) => errors.push(payload.error));
    expect((await orphan.chat.completions.createWithCompletion({ model: "m", messages, response_model: User })).cached).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    await Promise.all([writer.close(), reader.close()]);
  });
});
