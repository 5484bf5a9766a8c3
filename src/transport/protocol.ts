// The patch protocol's constants and shapes (docs/transport.md is the specification).
import type { JsonPath } from "../json/json-path.js";

/** The protocol version this copy of formwork writes and reads. */
export const PATCH_VERSION = 1;

/** The kinds of stream a patch stream carries. */
export type PatchStreamKind = "partial" | "iterable";

/** The header line (without its newline). */
export function patchHeader(kind: PatchStreamKind): string {
  return JSON.stringify({ formwork: "patch", version: PATCH_VERSION, kind });
}

/** HTTP headers of a patch stream response. */
export const PATCH_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/x-ndjson; charset=utf-8",
  "x-formwork-patch": String(PATCH_VERSION),
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/** A path reference: an id defined before (0 is the root), or `[ref, key]` defining a new one. */
export type PathRef = number | readonly [PathRef, string | number];

/** An operation, as it appears in a frame: `[name, ...arguments]`, or a string appended to the active path. */
export type PatchOperation = readonly [string, ...unknown[]] | string;

/** What a writer takes from one update of a partial stream. */
export interface PatchUpdate {
  readonly value: unknown;
  readonly completed?: readonly JsonPath[] | undefined;
  readonly active?: JsonPath | undefined;
  readonly progress?: { readonly done: number; readonly total: number } | undefined;
  readonly attempt?: number | undefined;
}
