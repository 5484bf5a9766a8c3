// `formwork batch status`: what a run has done, failed and left pending (Node).
import { readFile } from "node:fs/promises";
import { BatchError } from "../batch-error.js";
import { readBatchState, type BatchState } from "./batch-state.js";
import { exists, scanResults } from "./jsonl-results.js";
import { readItems } from "./read-items.js";

export interface BatchStatus {
  readonly out: string;
  readonly state: BatchState | undefined;
  /** A live process holds the results' lock: a run is writing now. */
  readonly runningPid: number | undefined;
  readonly succeeded: number;
  readonly failed: number;
  /** Input items with no result yet (undefined when the input cannot be read). */
  readonly pending: number | undefined;
  readonly invalid: number;
  /** Failures by error code. */
  readonly failuresByCode: Readonly<Record<string, number>>;
  /** A few failures, to show. */
  readonly failures: readonly { readonly id: string; readonly code: string; readonly message: string }[];
}

async function lockHolder(out: string): Promise<number | undefined> {
  const pid = Number((await readFile(`${out}.lock`, "utf8").catch(() => "")).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Reads a run's results and state.
 *
 * @example
 * const status = await batchStatus("results.jsonl"); // { succeeded, failed, pending, ... }
 */
export async function batchStatus(out: string): Promise<BatchStatus> {
  if (!(await exists(out)) && !(await exists(`${out}.state`))) {
    throw new BatchError("batch-results", `No run writes ${out}: neither it nor ${out}.state exists (--out names the results file of a batch run)`, { source: out, option: "out" });
  }
  const state = await readBatchState(out);
  const scan = await scanResults(out);
  let pending: number | undefined;
  if (state !== undefined && (await exists(state.input.path))) {
    pending = 0;
    const source = await readItems(state.input.path, { format: state.input.format, idField: state.input.idField });
    for await (const entry of source.items()) {
      if (BatchError.isInstance(entry)) continue;
      const id = (entry as { id: string }).id;
      if (!scan.succeeded.has(id) && !scan.failed.has(id)) pending++;
    }
  }
  const failuresByCode: Record<string, number> = {};
  for (const error of scan.failed.values()) failuresByCode[error.code] = (failuresByCode[error.code] ?? 0) + 1;
  return {
    out,
    state,
    runningPid: await lockHolder(out),
    succeeded: scan.succeeded.size,
    failed: scan.failed.size,
    pending,
    invalid: state?.invalid ?? 0,
    failuresByCode,
    failures: [...scan.failed].slice(0, 5).map(([id, error]) => ({ id, ...error })),
  };
}
