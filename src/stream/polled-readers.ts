// The readers of a stream that waits for news, each with a `poll` that gives its next result
// when there is one. Polling at once, and then synchronously at every change, hands a value to
// its reader as one promise per change: no async function, no wake-up promise in between
// (under load a stream's cost is the promises it makes per network read).

/** What `poll` gives: the next result, or undefined while there is none yet. It throws to end. */
export type Poll<T> = () => IteratorResult<T, undefined> | undefined;

interface PendingRead {
  readonly poll: Poll<unknown>;
  readonly resolve: (result: IteratorResult<unknown, undefined>) => void;
  readonly reject: (error: unknown) => void;
}

export class PolledReaders {
  // Waiting reads, oldest first: a reader that calls next() twice gets its results in order.
  private readonly waiting: PendingRead[] = [];

  /** The next result of `poll`: at once if there is one, else at a later {@link wake}. */
  read<T>(poll: Poll<T>): Promise<IteratorResult<T, undefined>> {
    if (this.waiting.length === 0) {
      try {
        const result = poll();
        if (result !== undefined) return Promise.resolve(result);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<IteratorResult<T, undefined>>((resolve, reject) => {
      this.waiting.push({ poll, resolve, reject } as PendingRead);
    });
  }

  /** Something changed: polls the waiting reads in order, as long as they get results. */
  wake(): void {
    const waiting = this.waiting;
    while (waiting.length > 0) {
      const read = waiting[0] as PendingRead;
      let result: IteratorResult<unknown, undefined> | undefined;
      try {
        result = read.poll();
      } catch (error) {
        waiting.shift();
        read.reject(error);
        continue;
      }
      if (result === undefined) return;
      waiting.shift();
      read.resolve(result);
    }
  }
}
