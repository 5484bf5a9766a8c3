// A cache in a directory, one file per entry. Node-only: node:fs is loaded when the cache is
// first used, so that the core never imports it and still loads in browsers and at the edge.
import type * as FsPromises from "node:fs/promises";
import { ConfigurationError } from "../errors/configuration-error.js";
import { importPeer } from "../peers/import-peer.js";
import { checkTtl, type CacheOptions, type ResponseCache } from "./response-cache.js";

type Fs = typeof FsPromises;

/**
 * A cache in `dir` (created when first written), one JSON file per entry, written atomically
 * (a temporary file renamed into place), so that concurrent processes may share it. Node only.
 *
 * @example
 * const client = fromProvider("openai", { cache: fileCache(".cache/formwork", { ttl: 86_400_000 }) });
 */
export function fileCache(dir: string, options: CacheOptions = {}): ResponseCache {
  if (typeof dir !== "string" || dir === "") throw new ConfigurationError({ option: "cache", message: `fileCache needs a directory path, not ${dir === "" ? "an empty string" : typeof dir}` });
  checkTtl(options.ttl, "fileCache");
  let fs: Promise<Fs> | undefined;
  const load = () =>
    (fs ??= importPeer<Fs>("node:fs/promises").then((module) => {
      if (module === undefined) throw new Error("fileCache needs Node's file system (node:fs/promises); in this runtime use memoryCache or redisCache");
      return module;
    }));
  const root = dir.replace(/[/\\]+$/, "");
  // Keys are hex digests; anything else is refused rather than allowed to name a path.
  const fileOf = (key: string) => {
    if (!/^[\w-]+$/.test(key)) throw new TypeError(`formwork: fileCache keys are plain names, not ${JSON.stringify(key)}`);
    return `${root}/${key}.json`;
  };
  let sequence = 0;
  return {
    name: "file",
    ...(options.strict === undefined ? {} : { strict: options.strict }),
    async get(key) {
      const { readFile, rm } = await load();
      let text: string;
      try {
        text = await readFile(fileOf(key), "utf8");
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return undefined;
        throw error;
      }
      let entry: { expiresAt: number | null; value: string };
      try {
        entry = JSON.parse(text) as { expiresAt: number | null; value: string };
      } catch {
        return undefined; // a torn or foreign file: a miss, overwritten by the next answer
      }
      if (typeof entry.value !== "string") return undefined;
      if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
        await rm(fileOf(key), { force: true });
        return undefined;
      }
      return entry.value;
    },
    async set(key, value) {
      const { mkdir, writeFile, rename } = await load();
      const file = fileOf(key);
      await mkdir(root, { recursive: true });
      const temporary = `${file}.${Date.now().toString(36)}-${(sequence++).toString(36)}-${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(temporary, JSON.stringify({ expiresAt: options.ttl === undefined ? null : Date.now() + options.ttl, value }));
      await rename(temporary, file);
    },
  };
}
