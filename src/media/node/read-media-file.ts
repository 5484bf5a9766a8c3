// Node only: reads a media file from a path. Loaded by the core (load-media.ts) with a dynamic
// import, only when a path is given, so that nothing else pulls node:fs into a browser bundle.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bytes of the file at `path` (a path, `~/…`, or a file: URL). */
export async function readMediaFile(path: string): Promise<Uint8Array> {
  const resolved = path.startsWith("file:") ? fileURLToPath(path) : /^~[/\\]/.test(path) ? join(homedir(), path.slice(2)) : path;
  const buffer = await readFile(resolved);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
