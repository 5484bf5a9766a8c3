// The stores on their own: memory (LRU), files, and a real redis-server; and the cache key.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../errors/configuration-error.js";
import { freePort, startRedisServer, type TestRedisServer } from "../testing/redis-server.js";
import { cacheKey, canonicalJson } from "./cache-key.js";
import { fileCache } from "./file-cache.js";
import { memoryCache } from "./memory-cache.js";
import { redisCache } from "./redis-cache.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * A clock the caches read (Date.now) that stands still until moved, so an entry's age is exactly
 * what the test says however slowly a loaded machine runs it.
 */
function frozenClock(): { advance(milliseconds: number): void } {
  let now = Date.now();
  vi.spyOn(Date, "now").mockImplementation(() => now);
  return {
    advance(milliseconds) {
      now += milliseconds;
    },
  };
}

describe("memoryCache", () => {
  it("keeps the most recently used entries up to max (against a model of an LRU)", async () => {
    const operations = fc.array(fc.tuple(fc.constantFrom("get", "set"), fc.integer({ min: 0, max: 6 })), { maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), operations, async (max, steps) => {
        const cache = memoryCache({ max });
        const model: string[] = []; // least recently used first
        for (const [operation, index] of steps) {
          const key = `k${index}`;
          if (operation === "set") {
            await cache.set(key, `v${index}`);
            model.splice(model.indexOf(key) >>> 0, model.includes(key) ? 1 : 0);
            model.push(key);
            if (model.length > max) model.shift();
          } else {
            const value = await cache.get(key);
            expect(value).toBe(model.includes(key) ? `v${index}` : undefined);
            if (model.includes(key)) model.push(...model.splice(model.indexOf(key), 1));
          }
        }
        expect(cache.size).toBe(model.length);
      }),
    );
  });

  it("forgets an entry after its ttl", async () => {
    const clock = frozenClock();
    const cache = memoryCache({ ttl: 1000 });
    await cache.set("a", "1");
    clock.advance(999);
    expect(await cache.get("a")).toBe("1");
    clock.advance(1);
    expect(await cache.get("a")).toBeUndefined();
  });

  it("refuses a max, a ttl, a directory or a timeout that makes no sense, with a ConfigurationError", () => {
    const bad = [() => memoryCache({ max: 0 }), () => memoryCache({ ttl: -5 }), () => fileCache(""), () => redisCache("redis://127.0.0.1:1", { timeout: Number.NaN })];
    const messages = [/max must be a positive integer/, /ttl is in milliseconds/, /needs a directory path/, /timeout is in milliseconds/];
    bad.forEach((make, index) => {
      const error = (() => {
        try {
          make();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as ConfigurationError).code).toBe("configuration-invalid");
      expect((error as ConfigurationError).message).toMatch(messages[index] as RegExp);
    });
  });
});

describe("fileCache", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "formwork-file-cache-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("stores entries as files, across cache objects (another process would see them), and leaves no temporary file", async () => {
    const cache = fileCache(join(dir, "a", "b"));
    expect(await cache.get("abc")).toBeUndefined();
    await cache.set("abc", "value ☕");
    expect(await fileCache(join(dir, "a", "b")).get("abc")).toBe("value ☕");
    expect(await readdir(join(dir, "a", "b"))).toEqual(["abc.json"]);
  });

  it("forgets an entry after its ttl, and treats a torn file as a miss", async () => {
    const clock = frozenClock();
    const cache = fileCache(join(dir, "ttl"), { ttl: 500 });
    await cache.set("k", "v");
    clock.advance(499);
    expect(await cache.get("k")).toBe("v");
    clock.advance(1);
    expect(await cache.get("k")).toBeUndefined();
    await writeFile(join(dir, "ttl", "torn.json"), '{"expiresAt": null, "val');
    expect(await cache.get("torn")).toBeUndefined();
  });

  it("fails to write where a directory cannot be made, and refuses a key that names a path", async () => {
    await writeFile(join(dir, "not-a-dir"), "a file");
    const cache = fileCache(join(dir, "not-a-dir", "cache"));
    await expect(cache.set("k", "v")).rejects.toThrow(/ENOTDIR|EEXIST/);
    await expect(fileCache(dir).get("../escape")).rejects.toThrow(/plain names/);
  });
});

describe("redisCache against a real redis-server", () => {
  let server: TestRedisServer;
  let raw: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    await raw.quit();
    await server.close();
  });

  it("stores under its prefix, with the ttl as the key's expiry", async () => {
    const cache = redisCache(server.url, { ttl: 60_000, prefix: "test:" });
    try {
      expect(await cache.get("k1")).toBeUndefined();
      await cache.set("k1", "hello");
      expect(await cache.get("k1")).toBe("hello");
      expect(await raw.get("test:k1")).toBe("hello");
      const remaining = await raw.pttl("test:k1");
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(60_000);
    } finally {
      await cache.close();
    }
  });

  it("uses a client the caller already has", async () => {
    const cache = redisCache(raw);
    await cache.set("shared", "yes");
    expect(await raw.get("formwork:shared")).toBe("yes");
    expect(await raw.pttl("formwork:shared")).toBe(-1); // no ttl: no expiry
  });

  it("rejects, and does not hang, when nothing listens", async () => {
    const cache = redisCache(`redis://127.0.0.1:${await freePort()}`, { timeout: 3000 });
    try {
      await expect(cache.get("k")).rejects.toThrow();
      await expect(cache.set("k", "v")).rejects.toThrow();
    } finally {
      await cache.close();
    }
  });
});

describe("the cache key", () => {
  const request = { model: "m", messages: [{ role: "user", content: "hi" }], temperature: 0.2, tools: [{ type: "function", function: { name: "User", parameters: { type: "object" } } }] };

  it("is the same whatever order the fields were written in", async () => {
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(Object.keys(request), { minLength: 4, maxLength: 4 }), async (order) => {
        const shuffled = Object.fromEntries(order.map((key) => [key, request[key as keyof typeof request]]));
        expect(await cacheKey({ provider: "p", mode: "tools", body: shuffled })).toBe(await cacheKey({ provider: "p", mode: "tools", body: request }));
      }),
      { numRuns: 30 },
    );
  });

  it("changes with the provider, the mode, the model, the messages, the schema and the sampling fields, not with delivery fields", async () => {
    const base = await cacheKey({ provider: "p", mode: "tools", body: request });
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const changed = [
      { provider: "q", mode: "tools", body: request },
      { provider: "p", mode: "json", body: request },
      { provider: "p", mode: "tools", body: { ...request, model: "n" } },
      { provider: "p", mode: "tools", body: { ...request, messages: [{ role: "user", content: "hi!" }] } },
      { provider: "p", mode: "tools", body: { ...request, temperature: 0.3 } },
      { provider: "p", mode: "tools", body: { ...request, seed: 1 } },
      { provider: "p", mode: "tools", body: request, context: { name: "Ada" } },
      { provider: "p", mode: "tools", body: { ...request, tools: [{ type: "function", function: { name: "User", parameters: { type: "array" } } }] } },
    ];
    for (const parts of changed) expect(await cacheKey(parts)).not.toBe(base);
    expect(await cacheKey({ provider: "p", mode: "tools", body: { ...request, stream: true, stream_options: { include_usage: true } } })).toBe(base);
  });

  it("canonical JSON sorts keys at every depth and equals JSON.parse's value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});
