// The results file (Node): one JSON line per item id, appended as each result arrives. The file
// is its own journal: on open, a torn last line (a crash mid-write) is cut off, and the ids it
// holds are done. One run at a time writes it, guarded by a lock file holding the writer's pid,
// so no id is ever written twice.
import { createReadStream } from "node:fs";
import { open, readFile, rename, rm, stat, truncate, writeFile, type FileHandle } from "node:fs/promises";
import { BatchError } from "../batch-error.js";
import type { BatchResult, ResultStore } from "../batch-result.js";

/** The results store of {@link jsonlResults}: a ResultStore, and what open() found. */
export interface JsonlResults<T = unknown> extends ResultStore<T> {
  readonly path: string;
  /** Bytes of a torn last line that open() cut off (0 when the file was whole). */
  readonly repairedBytes: number;
}

/** What a results file holds. */
export interface ResultsScan {
  readonly succeeded: Set<string>;
  readonly failed: Map<string, { readonly code: string; readonly message: string }>;
  /** Byte length of the whole lines; anything after it is a torn line. */
  readonly wholeBytes: number;
  readonly totalBytes: number;
}

/** Reads a results file line by line (streaming: it may hold millions). */
export async function scanResults(path: string): Promise<ResultsScan> {
  const succeeded = new Set<string>();
  const failed = new Map<string, { code: string; message: string }>();
  let wholeBytes = 0;
  let totalBytes = 0;
  let rest: Buffer = Buffer.alloc(0);
  // The file offset of data[0].
  let offset = 0;
  let line = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      const data = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
      totalBytes += (chunk as Buffer).length;
      let start = 0;
      for (let end = data.indexOf(10, start); end >= 0; end = data.indexOf(10, start)) {
        line++;
        const text = data.subarray(start, end).toString("utf8");
        start = end + 1;
        wholeBytes = offset + start;
        if (text.trim() === "") continue;
        let result: BatchResult;
        try {
          result = JSON.parse(text) as BatchResult;
        } catch {
          throw new BatchError("batch-results", `${path}:${line} is not a result line (not JSON); the results file holds only formwork's lines: move it aside or pass another --out`, { source: path, line });
        }
        if (typeof result.id !== "string") throw new BatchError("batch-results", `${path}:${line} has no id; the results file holds only formwork's lines`, { source: path, line });
        if (result.ok) {
          succeeded.add(result.id);
          failed.delete(result.id);
        } else if (!succeeded.has(result.id)) failed.set(result.id, result.error);
      }
      offset += start;
      rest = data.subarray(start);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { succeeded, failed, wholeBytes: 0, totalBytes: 0 };
    throw error;
  }
  return { succeeded, failed, wholeBytes, totalBytes };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock next to the results, or says which process holds it. */
async function lock(path: string): Promise<void> {
  const lockPath = `${path}.lock`;
  for (let tries = 0; tries < 3; tries++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: "wx" });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new BatchError("batch-results", `Another run (pid ${holder}) is writing ${path}; wait for it or stop it (if no run is, delete ${lockPath})`, { source: path });
      }
      // The holder died (a crash or kill -9): its lock is stale.
      await rm(lockPath, { force: true });
    }
  }
  throw new BatchError("batch-results", `Could not take the lock ${lockPath}`, { source: path });
}

/**
 * A results file: JSONL, one line per item id, `{ id, ok, value | error, usage, attempts, model }`.
 * Each result is appended as one write of one whole line; a run killed mid-write leaves at most
 * a torn last line, which the next open cuts off (that item is simply done again).
 *
 * @example
 * await runBatch({ ..., output: jsonlResults("results.jsonl") });
 */
export function jsonlResults<T = unknown>(path: string): JsonlResults<T> {
  let handle: FileHandle | undefined;
  let queue: Promise<void> = Promise.resolve();
  let repairedBytes = 0;
  return {
    path,
    get repairedBytes() {
      return repairedBytes;
    },
    async open() {
      await lock(path);
      try {
        const scan = await scanResults(path);
        if (scan.totalBytes > scan.wholeBytes) {
          repairedBytes = scan.totalBytes - scan.wholeBytes;
          await truncate(path, scan.wholeBytes);
        }
        handle = await open(path, "a");
        return new Set([...scan.succeeded, ...scan.failed.keys()]);
      } catch (error) {
        await rm(`${path}.lock`, { force: true });
        throw error;
      }
    },
    write(result) {
      const line = `${JSON.stringify(result)}\n`;
      // One write per line, in order: lines never interleave.
      const written = queue.then(async () => {
        if (handle === undefined) throw new BatchError("batch-results", `${path} is not open (call open() first)`, { source: path });
        await handle.write(line);
      });
      queue = written.catch(() => undefined);
      return written;
    },
    async close() {
      await queue;
      if (handle !== undefined) {
        await handle.sync().catch(() => undefined);
        await handle.close();
        handle = undefined;
      }
      await rm(`${path}.lock`, { force: true });
    },
  };
}

/** Writes a file whole or not at all (a temporary file renamed over it). */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

/** True when the path exists. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
