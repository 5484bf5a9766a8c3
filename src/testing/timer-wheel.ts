// One timer for every stream the offline model server paces. A timer per stream (a setTimeout
// after each token) cost the server a timer callback per token and let each stream's delays add
// up: 1,000 streams whose ideal was 8.8 s took 12.1 s. Here each stream's tokens are due at
// fixed times (start + k × interval), so a late tick is caught up rather than carried forward,
// and every stream due in the same millisecond is woken by the same timer callback.
// Node only.

/** Waits until the next token is due; `undefined` when it already is (no need to wait). */
export type Pace = () => Promise<void> | undefined;

/**
 * Pace's promise-free form: `true` once `wake` is set to be called when the next token is due,
 * `false` (and no call) when it is due already. A stream paced by callbacks makes no promise a
 * token: at 5,000 streams, 250,000 promises and as many resumptions a second fewer.
 */
export type PaceThen = (wake: () => void) => boolean;

/**
 * A timer wheel: waiters are kept in slots of `slotMs` (default 1 ms) by the time they are due,
 * and one timer, set for the earliest slot, wakes every waiter of every slot whose time came.
 */
export class TimerWheel {
  private readonly slots = new Map<number, (() => void)[]>();
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private timerSlot = Infinity;

  constructor(private readonly slotMs = 1) {}

  /** Resolves once `time` (a `performance.now()` time) has come; `undefined` if it already has. */
  at(time: number): Promise<void> | undefined {
    if (time <= performance.now()) return undefined;
    // The time may come between the check above and call()'s own (a busy machine can pause
    // between them): then call() does not keep the waiter, and the promise resolves at once.
    return new Promise<void>((resolve) => {
      if (!this.call(time, resolve)) resolve();
    });
  }

  /** Calls `wake` once `time` has come (from the wheel's timer); `false`, and no call, if it already has. */
  call(time: number, wake: () => void): boolean {
    if (time <= performance.now()) return false;
    const slot = Math.ceil(time / this.slotMs);
    const waiters = this.slots.get(slot);
    if (waiters === undefined) this.slots.set(slot, [wake]);
    else waiters.push(wake);
    if (slot < this.timerSlot) this.schedule(slot);
    return true;
  }

  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void> {
    return this.at(performance.now() + ms) ?? Promise.resolve();
  }

  /**
   * Paces one stream at one token per `interval` ms: each call waits until the next token's due
   * time, counted from the first call, so the stream's delays never add up. A stream a little
   * behind still waits for the next tick (one token per tick, each its own write, as a client
   * expects of a streamed answer); one more than `catchUpMs` behind (an overloaded server) gets
   * `undefined`, to send what is due at once.
   */
  pacer(interval: number, catchUpMs = 50): Pace {
    const next = this.dueTimes(interval, catchUpMs);
    return () => {
      const time = next();
      return time === undefined ? undefined : this.at(time);
    };
  }

  /** The same pacing as pacer(), by callbacks (see PaceThen). */
  pacerThen(interval: number, catchUpMs = 50): PaceThen {
    const next = this.dueTimes(interval, catchUpMs);
    return (wake) => {
      const time = next();
      return time !== undefined && this.call(time, wake);
    };
  }

  /** Wakes every waiter now and stops the timer (the server is closing: the streams end). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerSlot = Infinity;
    const slots = [...this.slots.values()];
    this.slots.clear();
    for (const waiters of slots) for (const wake of waiters) wake();
  }

  // When a stream's next token is due (a time to wait for, at least a slot ahead), or
  // `undefined` when it is more than `catchUpMs` behind.
  private dueTimes(interval: number, catchUpMs: number): () => number | undefined {
    let due = Number.NaN;
    return () => {
      const now = performance.now();
      if (Number.isNaN(due)) due = now;
      due += interval;
      return due < now - catchUpMs ? undefined : Math.max(due, now + this.slotMs);
    };
  }

  private schedule(slot: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerSlot = slot;
    this.timer = setTimeout(() => this.tick(), Math.max(0, slot * this.slotMs - performance.now()));
  }

  private tick(): void {
    this.timer = undefined;
    this.timerSlot = Infinity;
    // Node's timers have millisecond granularity and may fire a fraction of a millisecond before
    // the slot's time: such a slot counts as come, rather than costing another timer.
    const current = Math.floor((performance.now() + 1) / this.slotMs);
    let earliest = Infinity;
    const due: number[] = [];
    for (const slot of this.slots.keys()) {
      if (slot <= current) due.push(slot);
      else if (slot < earliest) earliest = slot;
    }
    if (earliest !== Infinity) this.schedule(earliest);
    // Slots are kept in the order they were first waited for: wake them in the order they are due.
    due.sort((a, b) => a - b);
    for (const slot of due) {
      const waiters = this.slots.get(slot) as (() => void)[];
      this.slots.delete(slot);
      for (const wake of waiters) wake();
    }
  }
}
