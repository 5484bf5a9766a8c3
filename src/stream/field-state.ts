import type { JsonPath } from "../json/json-path.js";

/** Whether a field is not shown yet, being written, or complete. */
export type FieldState = "pending" | "streaming" | "done";

/**
 * The state of the field at `path`, given the path being written (`active`) and the value
 * shown: on the active path (or above it) it is streaming; shown elsewhere, done; else pending.
 * Shared by the stream layer and the browser reader, which has no tracker.
 */
export function fieldState(path: JsonPath, active: JsonPath | undefined, value: unknown): FieldState {
  if (active !== undefined && path.length <= active.length && path.every((key, index) => key === active[index])) return "streaming";
  let node = value;
  for (const key of path) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return "pending";
    node = (node as Record<string, unknown>)[key];
  }
  return node === undefined ? "pending" : "done";
}
