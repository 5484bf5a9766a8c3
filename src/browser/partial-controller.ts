// The framework-free core of formwork/react's hooks: one request at a time, its state as one
// immutable object that changes only when something did, and listeners told at most once per
// `throttleMs`. A Vue or Svelte binding would sit on this as the React hooks do.
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { JsonPath } from "../json/json-path.js";
import { fieldState, type FieldState } from "../stream/field-state.js";
import { fetchIterable, fetchPartial } from "./fetch-partial.js";

/** Options of a {@link PartialController} (and of `usePartial`/`useIterable`). */
export interface PartialControllerOptions<T, Finished = T> {
  /** The URL that answers with `toResponse(...)`. */
  readonly api: string | URL;
  /** Types the value; a Standard Schema also checks the final value again. */
  readonly schema?: StandardSchemaV1<unknown, T> | undefined;
  readonly headers?: HeadersInit | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** The least time between two notifications (re-renders), in ms; default 0: every update. */
  readonly throttleMs?: number | undefined;
  /** Called with the final value (useIterable: with every item) once the stream ended well. */
  readonly onFinish?: ((value: Finished) => void) | undefined;
  readonly onError?: ((error: unknown) => void) | undefined;
}

const NO_PROGRESS = { done: 0, total: 0, ratio: 0 } as const;

/** What a partial request looks like now. A new object only when something changed. */
export interface PartialState<T, Partial> {
  /** The partial value (unchanged subtrees keep their identity), then the final value. */
  readonly value: Partial | undefined;
  /** The validated final value once the stream ended well. */
  readonly final: T | undefined;
  readonly progress: { readonly done: number; readonly total: number; readonly ratio: number };
  /** The attempt being shown (a retry starts over from an empty value). */
  readonly attempt: number;
  readonly error: unknown;
  readonly isLoading: boolean;
  /** Whether the field at `path` is pending, streaming or done. */
  state(path: JsonPath): FieldState;
}

/** What an iterable request looks like now. */
export interface IterableState<T, Partial> {
  /** The finished items; earlier items keep their identity. */
  readonly items: readonly T[];
  /** The item being written. */
  readonly partial: Partial | undefined;
  readonly attempt: number;
  readonly error: unknown;
  readonly isLoading: boolean;
}

type Listener = () => void;

abstract class Controller<S extends { readonly isLoading: boolean }, T, Finished> {
  private listeners = new Set<Listener>();
  private current: { abort(reason?: unknown): void } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastNotifiedAt = -Infinity;
  protected state: S;
  private shown: S;

  constructor(
    protected readonly options: () => PartialControllerOptions<T, Finished>,
    initial: S,
  ) {
    this.state = this.shown = initial;
  }

  /** Subscribes to changes (for useSyncExternalStore); returns the unsubscribe function. */
  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The state as last notified. */
  readonly getSnapshot = (): S => this.shown;

  /** Starts a request with `body` (sent as JSON), stopping the one before. */
  readonly submit = (body?: unknown): void => {
    this.stop();
    const controller = new AbortController();
    const run = this.run(body, controller.signal);
    this.current = { abort: (reason) => controller.abort(reason) };
    void run;
  };

  /** Stops the request: it is aborted (the server closes the model request); no error is shown. */
  readonly stop = (): void => {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    current.abort("stopped");
    this.update({ ...this.state, isLoading: false }, true);
  };

  protected abstract run(body: unknown, signal: AbortSignal): Promise<void>;

  protected fetchOptions(body: unknown, signal: AbortSignal) {
    const options = this.options();
    return { body, headers: options.headers, fetch: options.fetch, schema: options.schema, signal };
  }

  /** A state change; notified now, or at the end of the throttle window. `isLast` never waits. */
  protected update(next: S, isLast = false, signal?: AbortSignal): void {
    // A stopped request (or one a newer submit replaced) changes nothing any more.
    if (signal?.aborted === true) return;
    this.state = next;
    const throttleMs = this.options().throttleMs ?? 0;
    const wait = this.lastNotifiedAt + throttleMs - Date.now();
    if (isLast || throttleMs <= 0 || wait <= 0) return this.notify();
    this.timer ??= setTimeout(() => this.notify(), wait);
  }

  private notify(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastNotifiedAt = Date.now();
    if (this.shown === this.state) return;
    this.shown = this.state;
    for (const listener of this.listeners) listener();
  }

  protected ended(error: unknown): unknown {
    this.options().onError?.(error);
    return error;
  }
}

/**
 * A partial request's state, for a UI binding. `usePartial` is this in a React hook.
 *
 * @example
 * const controller = new PartialController(() => ({ api: "/api/user" }));
 * controller.subscribe(() => render(controller.getSnapshot()));
 * controller.submit({ prompt });
 */
export class PartialController<T, Partial> extends Controller<PartialState<T, Partial>, T, T> {
  constructor(options: () => PartialControllerOptions<T>) {
    super(options, partialState<T, Partial>(undefined, undefined, NO_PROGRESS, 1, undefined, undefined, false));
  }

  protected async run(body: unknown, signal: AbortSignal): Promise<void> {
    this.update(partialState<T, Partial>(undefined, undefined, NO_PROGRESS, 1, undefined, undefined, true), true, signal);
    const stream = fetchPartial<T, Partial>(this.options().api, this.fetchOptions(body, signal));
    try {
      for await (const record of stream.updates()) {
        this.update(partialState<T, Partial>(record.value, undefined, record.progress, record.attempt, record.active, undefined, true), false, signal);
      }
      const final = await stream.final;
      if (signal.aborted) return;
      const last = this.state;
      this.update(partialState<T, Partial>(last.value, final, last.progress, last.attempt, undefined, undefined, false), true, signal);
      this.options().onFinish?.(final);
    } catch (error) {
      const last = this.state;
      if (!signal.aborted) this.update(partialState<T, Partial>(last.value, undefined, last.progress, last.attempt, undefined, this.ended(error), false), true);
    }
  }
}

function partialState<T, Partial>(
  value: Partial | undefined,
  final: T | undefined,
  progress: PartialState<T, Partial>["progress"],
  attempt: number,
  active: JsonPath | undefined,
  error: unknown,
  isLoading: boolean,
): PartialState<T, Partial> {
  return { value, final, progress, attempt, error, isLoading, state: (path) => fieldState(path, active, value) };
}

/** An iterable request's state, for a UI binding. `useIterable` is this in a React hook. */
export class IterableController<T, Partial> extends Controller<IterableState<T, Partial>, T, readonly T[]> {
  constructor(options: () => PartialControllerOptions<T, readonly T[]>) {
    super(options, { items: [], partial: undefined, attempt: 1, error: undefined, isLoading: false });
  }

  protected async run(body: unknown, signal: AbortSignal): Promise<void> {
    this.update({ items: [], partial: undefined, attempt: 1, error: undefined, isLoading: true }, true, signal);
    const stream = fetchIterable<T, Partial>(this.options().api, this.fetchOptions(body, signal));
    try {
      for await (const record of stream.updates()) {
        const items = record.items.length === 0 ? this.state.items : [...this.state.items, ...record.items];
        this.update({ items, partial: record.partial, attempt: record.attempt, error: undefined, isLoading: true }, false, signal);
      }
      if (signal.aborted) return;
      this.update({ ...this.state, partial: undefined, isLoading: false }, true, signal);
      this.options().onFinish?.(this.state.items);
    } catch (error) {
      if (!signal.aborted) this.update({ ...this.state, error: this.ended(error), isLoading: false }, true);
    }
  }
}
