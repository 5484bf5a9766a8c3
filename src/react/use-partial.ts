import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { IterableController, PartialController, type IterableState, type PartialControllerOptions, type PartialState } from "../browser/partial-controller.js";
import type { DeepPartial } from "../stream/deep-partial.js";

/** What {@link usePartial} returns: one object, a new one only when something changed. */
export interface UsePartialResult<T, Partial> extends PartialState<T, Partial> {
  /** Starts a request with `body` (sent as JSON), stopping the one before. */
  submit(body?: unknown): void;
  /** Aborts the request; the server closes the model request. */
  stop(): void;
}

/** What {@link useIterable} returns. */
export interface UseIterableResult<T, Partial> extends IterableState<T, Partial> {
  submit(body?: unknown): void;
  stop(): void;
}

// The controller lives as long as the component; its options are read fresh at each use, so
// callbacks and headers may change between renders without a new request.
function useController<C extends { subscribe(listener: () => void): () => void; getSnapshot(): S; submit(body?: unknown): void; stop(): void }, S>(create: (options: () => never) => C, options: unknown): S & { submit: C["submit"]; stop: C["stop"] } {
  const latest = useRef(options);
  latest.current = options;
  const [controller] = useState(() => create((() => latest.current) as () => never));
  // Unmounting aborts the request.
  useEffect(() => () => controller.stop(), [controller]);
  const state = useSyncExternalStore(controller.subscribe, controller.getSnapshot, controller.getSnapshot);
  return useMemo(() => ({ ...state, submit: controller.submit, stop: controller.stop }), [state, controller]);
}

/**
 * Streams a typed value from a `toResponse` endpoint into a component. The value keeps the
 * identity of every subtree that did not change, so memoised children re-render only when
 * their part changed. `throttleMs` caps how often the component re-renders.
 *
 * @example
 * const { value, progress, state, isLoading, error, submit, stop } = usePartial<User>({ api: "/api/user" });
 * <button onClick={() => submit({ prompt })}>Go</button>
 * <input value={value?.name ?? ""} data-state={state(["name"])} readOnly />
 */
export function usePartial<T, Partial = DeepPartial<T>>(options: PartialControllerOptions<T>): UsePartialResult<T, Partial> {
  return useController<PartialController<T, Partial>, PartialState<T, Partial>>((read) => new PartialController<T, Partial>(read), options);
}

/**
 * Streams the items of a streamed `createIterable` into a component: `items` grows one complete
 * item at a time (earlier items keep their identity), `partial` is the item being written.
 *
 * @example
 * const { items, partial, submit } = useIterable<User>({ api: "/api/users" });
 */
export function useIterable<T, Partial = DeepPartial<T>>(options: PartialControllerOptions<T, readonly T[]>): UseIterableResult<T, Partial> {
  return useController<IterableController<T, Partial>, IterableState<T, Partial>>((read) => new IterableController<T, Partial>(read), options);
}
