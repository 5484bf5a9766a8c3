// Text sources for the stream tests, each recording what was done to it.

/** An async iterable of the given chunks that records whether it was cancelled (return()). */
export function chunkSource(chunks: readonly (string | Uint8Array)[], options: { pause?: boolean } = {}) {
  const state = { pulled: 0, isCancelled: false, isDone: false };
  const iterable: AsyncIterable<string | Uint8Array> = {
    [Symbol.asyncIterator]() {
      let index = 0;
      return {
        async next() {
          // A macrotask between chunks lets a consumer run, as network input would.
          if (options.pause === true) await new Promise((resolve) => setTimeout(resolve, 0));
          if (state.isCancelled || index >= chunks.length) {
            state.isDone = true;
            return { done: true, value: undefined };
          }
          state.pulled++;
          return { done: false, value: chunks[index++] as string | Uint8Array };
        },
        async return() {
          state.isCancelled = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { iterable, state };
}

/** A source that gives `first`, then waits for `release()` before giving `rest` (to test that nothing waits for more). */
export function gatedSource(first: string, rest: string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  async function* generate() {
    yield first;
    await gate;
    yield rest;
  }
  return { iterable: generate(), release };
}

/** A ReadableStream of the given chunks that records whether it was cancelled. */
export function readableSource<T extends string | Uint8Array>(chunks: readonly T[]) {
  const state = { isCancelled: false, reason: undefined as unknown };
  let index = 0;
  const stream = new ReadableStream<T>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++] as T);
      else controller.close();
    },
    cancel(reason) {
      state.isCancelled = true;
      state.reason = reason;
    },
  });
  return { stream, state };
}

/** A source that gives the chunks and then throws. */
export async function* failingSource(chunks: readonly string[], error: unknown): AsyncIterable<string> {
  for (const chunk of chunks) yield chunk;
  throw error;
}

/** Collects everything an async iterable yields (as yielded: snapshots are immutable); the error it ends with, if any. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of iterable) values.push(value);
  } catch (error) {
    return { values, error };
  }
  return { values, error: undefined };
}
