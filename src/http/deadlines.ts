// The deadlines of a call, in milliseconds, and the timers that keep them without a timer per
// chunk: `timeout` bounds the whole call (retries included), `headersTimeout` the wait for the
// response headers, `idleTimeout` the silence between reads of the body.
import { ConfigurationError } from "../errors/configuration-error.js";
import { TimeoutError, type Deadline } from "../errors/timeout-error.js";
import { sharedFanOut } from "./abort-fan-out.js";
import { DEFAULT_MAX_LENGTH } from "./byte-budget.js";
import { DEFAULT_MAX_RETRY_AFTER, MAX_TIMER_MS } from "./retry-after.js";

/** The deadlines and bounds of a call; each may be set per client and per call. */
export interface HttpOptions {
  /** The whole call, retries included, in ms. Default 10 minutes, as the official SDKs. */
  readonly timeout?: number;
  /**
   * The longest silence between reads of the response body, in ms. Default 5 minutes: a
   * reasoning model may think that long without sending a byte.
   */
  readonly idleTimeout?: number;
  /** The longest wait for the response headers, in ms. Default 5 minutes. */
  readonly headersTimeout?: number;
  /** The longest Retry-After wait obeyed, in ms; a longer one fails at once. Default 60 s. */
  readonly maxRetryAfter?: number;
  /** The characters a stream may buffer, all channels together. Default 64 Mi. */
  readonly maxLength?: number;
}

/** The defaults of {@link HttpOptions}. */
export const DEFAULT_HTTP_OPTIONS: Required<HttpOptions> = {
  timeout: 10 * 60_000,
  idleTimeout: 5 * 60_000,
  headersTimeout: 5 * 60_000,
  maxRetryAfter: DEFAULT_MAX_RETRY_AFTER,
  maxLength: DEFAULT_MAX_LENGTH,
};

/**
 * `given` over `defaults`, each checked: a non-negative number (0 or Infinity turns a deadline
 * off). Anything else is a ConfigurationError naming the option, thrown before any request.
 */
export function resolveHttpOptions(defaults: Required<HttpOptions>, given: HttpOptions): Required<HttpOptions> {
  const resolved = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof HttpOptions)[]) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || Number.isNaN(value) || value < (key === "maxLength" ? 1 : 0)) {
      const unit = key === "maxLength" ? "a number of characters" : "a number of milliseconds";
      throw new ConfigurationError({ option: key, message: `${key} takes ${unit} (${key === "maxLength" ? "1 or more" : "0 or more; 0 or Infinity turns it off"}), not ${JSON.stringify(value) ?? String(value)}` });
    }
    resolved[key] = value;
  }
  return resolved;
}

function isOn(ms: number): boolean {
  return ms > 0 && Number.isFinite(ms);
}

/** The signals a whole call is cancelled by, and how it lets go of them. */
export interface CallSignal {
  /** Aborts when the caller's signal does, or with a TimeoutError once the call's `timeout` passed. */
  readonly signal: AbortSignal;
  /**
   * Aborts when the caller's signal does, and only then (undefined without one, and before
   * {@link start}): for the stream layer, which a deadline reaches as the attempt's own
   * TimeoutError.
   */
  readonly callerSignal: AbortSignal | undefined;
  /**
   * The call starts (its streams are lazy: the first read, `final` or `result`): its deadline
   * runs from now, and the caller's signal is listened to. Until then the call holds nothing, so
   * a stream made and never read is garbage like any object. Once only; nothing after `end`.
   */
  start(): void;
  /**
   * The call is over: its deadline's timer is cleared and the caller's signal lets go of it.
   * Until then the timer holds the call's signals (AbortSignal.timeout was worse: a timeout
   * signal with a listener is kept alive until it fires, so every finished call held about
   * 2.5 KB for the 10 minutes of its default deadline). Safe to call more than once.
   */
  end(): void;
}

/**
 * The caller's signal and the whole call's deadline (`ms`; 0 or Infinity: none), as one signal
 * that aborts with the caller's reason or the deadline's TimeoutError. The caller's signal gets
 * one listener however many calls share it (see sharedFanOut), and keeps nothing of a call that
 * ended. The deadline's timer does not keep a Node process alive.
 */
export function callSignal(userSignal: AbortSignal | undefined, deadline: Deadline, ms: number, provider: string): CallSignal {
  const controller = new AbortController();
  let state: "made" | "started" | "ended" = "made";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let linked: { release(): void } | undefined;
  let caller: { readonly signal: AbortSignal; release(): void } | undefined;
  return {
    signal: controller.signal,
    get callerSignal() {
      return caller?.signal;
    },
    start() {
      if (state !== "made") return;
      state = "started";
      if (userSignal !== undefined) {
        const fanOut = sharedFanOut(userSignal);
        linked = fanOut.child(controller);
        caller = fanOut.child();
      }
      if (!isOn(ms) || controller.signal.aborted) return;
      timer = setTimeout(() => controller.abort(new TimeoutError({ deadline, ms, provider })), Math.min(ms, MAX_TIMER_MS));
      // Node's timers have unref(); a browser's are numbers, and keep nothing alive anyway.
      (timer as { unref?: () => void }).unref?.();
    },
    end() {
      state = "ended";
      clearTimeout(timer);
      linked?.release();
      caller?.release();
    },
  };
}

/**
 * `promise`, or a TimeoutError if it has not settled within `ms`; `onTimeout` closes what was
 * waited for (the request).
 */
export function withDeadline<T>(promise: Promise<T>, deadline: Deadline, ms: number, provider: string, onTimeout: (error: TimeoutError) => void): Promise<T> {
  if (!isOn(ms)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new TimeoutError({ deadline, ms, provider });
      onTimeout(error);
      reject(error);
    }, Math.min(ms, MAX_TIMER_MS));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * The idle deadline of one response. A reader either calls `begin()` as a read starts and
 * `end()` as it settles (`onIdle` fires if the read took `ms`: the server was silent that
 * long), or hands the read to `wait(read)`, which rejects with the TimeoutError itself.
 * Starting a wait costs a clock read, not a timer: one timer re-arms itself for what is left
 * when it fires early. No promise outlives its wait (racing every read against one long-lived
 * promise would keep each read's value alive).
 */
export class IdleWatch {
  private started = 0;
  private isWaiting = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fail: ((error: TimeoutError) => void) | undefined;
  private resolve: ((value: unknown) => void) | undefined;

  constructor(
    private readonly ms: number,
    private readonly provider: string,
    private readonly onIdle: (error: TimeoutError) => void,
  ) {}

  /** A read starts: the silence is counted from now. */
  begin(): void {
    if (!isOn(this.ms)) return;
    this.started = performance.now();
    this.isWaiting = true;
    if (this.timer === undefined) this.arm(Math.min(this.ms, MAX_TIMER_MS));
  }

  /** The read settled: the time until the next read is the consumer's, not the server's. */
  end(): void {
    this.isWaiting = false;
  }

  /** `read`, unless the server stays silent for `ms` first. */
  wait<T>(read: Promise<T>): Promise<T> {
    if (!isOn(this.ms)) return read;
    this.begin();
    // One promise and the bound settlers per read: no closures made per read.
    return new Promise<T>((resolve, reject) => {
      this.resolve = resolve as (value: unknown) => void;
      this.fail = reject;
      read.then(this.onValue, this.onError);
    });
  }

  private readonly onValue = (value: unknown): void => {
    const resolve = this.resolve;
    this.isWaiting = false;
    this.fail = undefined;
    this.resolve = undefined;
    resolve?.(value);
  };

  private readonly onError = (error: unknown): void => {
    const fail = this.fail;
    this.isWaiting = false;
    this.fail = undefined;
    this.resolve = undefined;
    fail?.(error as TimeoutError);
  };

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.isWaiting = false;
    this.fail = undefined;
    this.resolve = undefined;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Between reads the time is the consumer's, not the server's silence.
      if (!this.isWaiting) return;
      const waited = performance.now() - this.started;
      if (waited + 1 < this.ms) return this.arm(Math.min(this.ms - waited, MAX_TIMER_MS));
      const error = new TimeoutError({ deadline: "idleTimeout", ms: this.ms, provider: this.provider });
      const fail = this.fail;
      this.isWaiting = false;
      this.fail = undefined;
      this.resolve = undefined;
      this.onIdle(error);
      fail?.(error);
    }, delay);
  }
}
