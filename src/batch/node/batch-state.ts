// The state of a run, next to its results (`results.jsonl.state`): what it reads, how far it
// got, and how it ended. The results file says which ids are done; the state says the rest.
import { readFile } from "node:fs/promises";
import { BatchError } from "../batch-error.js";
import type { ProviderBatchRecord } from "../provider-batch.js";
import type { InputFormat } from "./read-items.js";
import { writeAtomically } from "./jsonl-results.js";

export interface BatchState {
  readonly version: 1;
  readonly input: { readonly path: string; readonly format: InputFormat; readonly idField: string };
  /** Entries in the input (items and unreadable lines). */
  readonly total: number;
  readonly status: "running" | "stopped" | "finished";
  readonly pid: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly model: string;
  readonly via?: string;
  readonly queue?: string;
  /** Input problems of the last run (the first 100), and how many there were. */
  readonly invalid: number;
  readonly problems: readonly { readonly line: number | undefined; readonly message: string }[];
  /** A provider batch in progress, so a resumed run polls it instead of sending it again. */
  readonly providerBatches?: readonly ProviderBatchRecord[];
}

export const statePath = (out: string): string => `${out}.state`;

export async function readBatchState(out: string): Promise<BatchState | undefined> {
  let text: string;
  try {
    text = await readFile(statePath(out), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as BatchState;
  } catch {
    throw new BatchError("batch-results", `${statePath(out)} is not a formwork state file (not JSON); delete it to start the state anew (the results stay)`, { source: statePath(out) });
  }
}

/** Writes the state whole or not at all. */
export function writeBatchState(out: string, state: BatchState): Promise<void> {
  return writeAtomically(statePath(out), `${JSON.stringify(state, null, 2)}\n`);
}
