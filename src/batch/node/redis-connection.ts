// Connections to the queue's Redis (Node): checked once, quickly, before BullMQ takes over, so
// an unreachable Redis is a clear error naming the URL rather than an endless reconnect loop.
import type * as BullMQ from "bullmq";
import type { Redis } from "ioredis";
import { BatchError } from "../batch-error.js";

/**
 * bullmq and ioredis are optional peers: loaded only when a queue is used, so the rest of
 * formwork/batch works without them.
 */
export async function loadQueuePackages(): Promise<{ bullmq: typeof BullMQ; Redis: typeof Redis }> {
  try {
    return { bullmq: await import("bullmq"), Redis: (await import("ioredis")).Redis };
  } catch (error) {
    throw new BatchError("batch-queue", `A queue needs the packages bullmq and ioredis: npm install bullmq ioredis (${(error as Error).message})`, { option: "queue", cause: error });
  }
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

function parse(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BatchError("batch-queue", `--queue takes a Redis URL such as redis://localhost:6379, not "${safeUrl(url)}"`, { option: "queue", url: safeUrl(url) });
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new BatchError("batch-queue", `--queue takes a redis:// or rediss:// URL, not "${safeUrl(url)}"`, { option: "queue", url: safeUrl(url) });
  }
  return parsed;
}

/**
 * Opens a connection for BullMQ after checking that Redis answers: within `timeoutMs` (default
 * 5 s) and without retries, else a `batch-queue` BatchError that names the URL. The connection
 * it returns gives up after `maxReconnects` (default 20) failed reconnects instead of looping.
 */
export async function connectRedis(url: string, options: { timeoutMs?: number; maxReconnects?: number } = {}): Promise<Redis> {
  parse(url);
  const { Redis } = await loadQueuePackages();
  const timeoutMs = options.timeoutMs ?? 5000;
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // ioredis reports errors as events too; the thrown one below is the one that counts.
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    probe.disconnect();
    throw new BatchError("batch-queue", `Cannot reach Redis at ${safeUrl(url)}: ${(error as Error).message || "no answer"} (is redis-server running there? --queue names it)`, { option: "queue", url: safeUrl(url), cause: error });
  }
  await probe.quit().catch(() => probe.disconnect());
  const maxReconnects = options.maxReconnects ?? 20;
  return new Redis(url, {
    // BullMQ's workers block on Redis and need commands that wait rather than fail.
    maxRetriesPerRequest: null,
    connectTimeout: timeoutMs,
    retryStrategy: (times: number) => (times > maxReconnects ? null : Math.min(times * 200, 2000)),
  });
}
