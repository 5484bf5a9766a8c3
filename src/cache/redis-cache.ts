// A cache in Redis through ioredis (an optional peer, loaded when the cache is first used), or
// through a client the caller already has.
import type { Redis as IoRedis } from "ioredis";
import { ConfigurationError } from "../errors/configuration-error.js";
import { importPeer } from "../peers/import-peer.js";
import { checkTtl, type CacheOptions, type ResponseCache } from "./response-cache.js";

/** The part of a Redis client this cache uses (ioredis's signature). */
export interface RedisClientLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, expiry: "PX", milliseconds: number): Promise<unknown>;
  quit?(): Promise<unknown>;
  disconnect?(): void;
}

/** Options of {@link redisCache}. */
export interface RedisCacheOptions extends CacheOptions {
  /** Put before every key, so that several applications can share one Redis. Default `"formwork:"`. */
  readonly prefix?: string;
  /** How long one read or write may take before it counts as failed, in ms. Default 2000. */
  readonly timeout?: number;
}

/**
 * A cache in Redis. Give a URL (`redis://host:6379/0`; ioredis must be installed) or a client
 * you already have (ioredis's `get` and `set(key, value, "PX", ms)`). A Redis that is down or
 * slow never holds a call up longer than `timeout`: the call goes on to the provider (or, with
 * `strict: true`, fails with CacheError). `close()` ends a connection the cache opened.
 *
 * @example
 * const cache = redisCache("redis://localhost:6379", { ttl: 3_600_000 });
 * const client = fromProvider("openai", { cache });
 * // ... at shutdown:
 * await cache.close();
 */
export function redisCache(target: string | RedisClientLike, options: RedisCacheOptions = {}): ResponseCache & { close(): Promise<void> } {
  checkTtl(options.ttl, "redisCache");
  const prefix = options.prefix ?? "formwork:";
  const timeout = options.timeout ?? 2000;
  if (!(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0)) throw new ConfigurationError({ option: "cache", message: `redisCache's timeout is in milliseconds and must be a positive number, not ${String(timeout)}` });
  let client: Promise<RedisClientLike> | undefined = typeof target === "string" ? undefined : Promise.resolve(target);
  let owned: RedisClientLike | undefined;

  const connect = async (url: string): Promise<RedisClientLike> => {
    const ioredis = await importPeer<{ Redis: typeof IoRedis }>("ioredis");
    if (ioredis === undefined) throw new Error('redisCache needs the "ioredis" package (npm install ioredis), or a Redis client of your own');
    const { Redis } = ioredis;
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeout,
      // A command waits for one reconnection at most, and after a few failed reconnections the
      // client gives up: the next call makes a fresh one, so Redis coming back is noticed
      // without reconnecting forever in the background.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => (times > 2 ? null : 100 * times),
    });
    // Without a listener ioredis prints connection errors; operations report them instead.
    redis.on("error", () => undefined);
    redis.on("end", () => {
      if (owned === redis) {
        owned = undefined;
        client = undefined;
      }
    });
    owned = redis;
    return redis;
  };

  const use = async <T>(operation: (redis: RedisClientLike) => Promise<T>): Promise<T> => {
    client ??= connect(target as string);
    const pending = client.then(operation);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeout} ms`)), timeout);
    });
    try {
      return await Promise.race([pending, expired]);
    } finally {
      clearTimeout(timer);
      pending.catch(() => undefined); // the loser of the race must not be an unhandled rejection
    }
  };

  return {
    name: "redis",
    ...(options.strict === undefined ? {} : { strict: options.strict }),
    async get(key) {
      const value = await use((redis) => redis.get(prefix + key));
      return value ?? undefined;
    },
    async set(key, value) {
      await use((redis) => (options.ttl === undefined ? redis.set(prefix + key, value) : redis.set(prefix + key, value, "PX", Math.ceil(options.ttl))));
    },
    async close() {
      const redis = owned;
      owned = undefined;
      client = typeof target === "string" ? undefined : client;
      if (redis === undefined) return;
      try {
        await redis.quit?.();
      } catch {
        redis.disconnect?.();
      }
    },
  };
}
