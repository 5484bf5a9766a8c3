// The shapes a batch reads and writes: items in, one result per item id out.
import type { Usage } from "../providers/wire-event.js";

/** One input: an `id` (unique in the run) and the fields the prompt reads. */
export interface BatchItem {
  readonly id: string;
  readonly [field: string]: unknown;
}

/** A typed error as a result line carries it: the `FormworkError`'s code and message. */
export interface BatchResultError {
  readonly code: string;
  readonly message: string;
}

/**
 * One line of the results: `ok` with the validated `value`, or not, with the `error`. `usage`
 * sums every attempt's tokens; `attempts` counts requests that reached the model.
 */
export type BatchResult<T = unknown> =
  | { readonly id: string; readonly ok: true; readonly value: T; readonly usage: Usage; readonly attempts: number; readonly model: string }
  | { readonly id: string; readonly ok: false; readonly error: BatchResultError; readonly usage: Usage; readonly attempts: number; readonly model: string };

/**
 * Where results go, keyed by id. `open` gives the ids already done (from an earlier run), which
 * the runner skips; `write` must keep a result once it resolves (the runner writes each id at
 * most once per run, and never an id `open` returned). The file-backed store is
 * `jsonlResults` in `formwork/batch` (Node); `memoryResults` keeps them in memory.
 */
export interface ResultStore<T = unknown> {
  open(): Promise<ReadonlySet<string>>;
  write(result: BatchResult<T>): Promise<void>;
  close(): Promise<void>;
}

/** A snapshot of a run, for progress displays. */
export interface BatchProgress {
  /** Items in the input, when known (the CLI counts them first). */
  readonly total: number | undefined;
  /** Items already done before this run started (resumed). */
  readonly skipped: number;
  /** Results written in this run: `succeeded` + `failed`. */
  readonly succeeded: number;
  readonly failed: number;
  readonly inFlight: number;
  /** Input lines or items that could not be read. */
  readonly invalid: number;
  readonly usage: Usage;
  readonly elapsedMs: number;
  /** Results per second in this run. */
  readonly itemsPerSecond: number;
  /** Time left at the current pace, when the total is known. */
  readonly etaMs: number | undefined;
  /** Until when a 429 paused every request, if it does now. */
  readonly pausedUntil: number | undefined;
}

/** What a run did, once it ends. */
export interface BatchSummary extends BatchProgress {
  /** Why it ended: every item done, or stopped (drain or abort) with items left. */
  readonly stoppedEarly: boolean;
  /** Each input problem, with where it was. */
  readonly problems: readonly { readonly source: string | undefined; readonly line: number | undefined; readonly message: string }[];
}

/**
 * Results kept in memory: useful in tests and for small runs. `results` holds them in the
 * order they finished.
 *
 * @example
 * const output = memoryResults();
 * await runBatch({ ..., output });
 * for (const result of output.results) console.log(result.id, result.ok);
 */
export function memoryResults<T = unknown>(done: Iterable<string> = []): ResultStore<T> & { readonly results: BatchResult<T>[] } {
  const results: BatchResult<T>[] = [];
  const ids = new Set(done);
  return {
    results,
    open: () => Promise.resolve(new Set(ids)),
    write: (result) => {
      results.push(result);
      ids.add(result.id);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}
