// Requests and tokens per minute for a whole run, and a pause that every request obeys (a 429
// with Retry-After stops the run, not just the request that saw it).
import { AbortError } from "../errors/abort-error.js";

/** Limits per minute; either may be left out. */
export interface RateLimit {
  /** Requests per minute. */
  readonly rpm?: number;
  /** Tokens per minute (prompt and answer). */
  readonly tpm?: number;
}

/** Time, injectable so tests can run the limiter on a virtual clock. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) return reject(new AbortError(signal.reason));
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new AbortError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * Two token buckets (requests, tokens), each holding at most a minute's allowance and refilled
 * continuously, so a burst at the start is allowed and the average never exceeds the limit.
 * Callers are served in the order they asked (a FIFO chain), so no request starves.
 *
 * @example
 * const limiter = new RateLimiter({ rpm: 500, tpm: 200_000 });
 * await limiter.acquire(estimatedTokens, signal);
 * limiter.settle(estimatedTokens, actualTokens);
 */
export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #clock: Clock;
  #requests: number;
  #tokens: number;
  #refilledAt: number;
  #pausedUntil = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(limit: RateLimit = {}, clock: Clock = realClock) {
    for (const key of ["rpm", "tpm"] as const) {
      const value = limit[key];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new RangeError(`formwork: rateLimit.${key} must be a positive number, not ${String(value)}`);
    }
    this.#limit = limit;
    this.#clock = clock;
    this.#requests = limit.rpm ?? 0;
    this.#tokens = limit.tpm ?? 0;
    this.#refilledAt = clock.now();
  }

  /** Until when every request waits (a 429's Retry-After), or undefined. */
  get pausedUntil(): number | undefined {
    return this.#pausedUntil > this.#clock.now() ? this.#pausedUntil : undefined;
  }

  /** Holds every request that has not started yet for `ms` (the longest pause wins). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
  }

  /** Waits for a turn: one request, and `tokens` (capped at a minute's allowance). */
  acquire(tokens = 0, signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#take(tokens, signal));
    // The next caller waits for this one's turn, whether it was granted or aborted.
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Corrects the token bucket once a request's real usage is known. */
  settle(estimated: number, actual: number): void {
    if (this.#limit.tpm === undefined) return;
    this.#refill();
    this.#tokens -= actual - Math.min(estimated, this.#limit.tpm);
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#refilledAt;
    this.#refilledAt = now;
    if (this.#limit.rpm !== undefined) this.#requests = Math.min(this.#limit.rpm, this.#requests + (elapsed * this.#limit.rpm) / 60_000);
    if (this.#limit.tpm !== undefined) this.#tokens = Math.min(this.#limit.tpm, this.#tokens + (elapsed * this.#limit.tpm) / 60_000);
  }

  async #take(tokens: number, signal: AbortSignal | undefined): Promise<void> {
    const { rpm, tpm } = this.#limit;
    const wanted = tpm === undefined ? 0 : Math.min(tokens, tpm);
    for (;;) {
      if (signal?.aborted === true) throw new AbortError(signal.reason);
      this.#refill();
      const now = this.#clock.now();
      let wait = Math.max(0, this.#pausedUntil - now);
      if (rpm !== undefined && this.#requests < 1) wait = Math.max(wait, ((1 - this.#requests) * 60_000) / rpm);
      if (tpm !== undefined && this.#tokens < wanted) wait = Math.max(wait, ((wanted - this.#tokens) * 60_000) / tpm);
      if (wait <= 0) {
        if (rpm !== undefined) this.#requests -= 1;
        if (tpm !== undefined) this.#tokens -= wanted;
        return;
      }
      await this.#clock.sleep(Math.ceil(wait), signal);
    }
  }
}
