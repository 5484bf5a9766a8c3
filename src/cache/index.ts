export { memoryCache } from "./memory-cache.js";
export type { MemoryCacheOptions } from "./memory-cache.js";
export { fileCache } from "./file-cache.js";
export { redisCache } from "./redis-cache.js";
export type { RedisCacheOptions, RedisClientLike } from "./redis-cache.js";
export { cacheKey, canonicalJson } from "./cache-key.js";
export type { CacheOptions, ResponseCache } from "./response-cache.js";
