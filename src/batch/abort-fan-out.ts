// One listener on a run's signal for any number of requests in flight: each request gets its
// own child signal, aborted with the run's. (Hundreds of listeners on one AbortSignal would
// work too, but Node warns of a leak beyond ten, and removing them would cost a scan each.)

export interface AbortFanOut {
  /** A signal aborted with the parent's; call `release` once the request is over. */
  child(): { readonly signal: AbortSignal; release(): void };
}

export function abortFanOut(parent: AbortSignal): AbortFanOut {
  const children = new Set<AbortController>();
  parent.addEventListener(
    "abort",
    () => {
      for (const child of children) child.abort(parent.reason);
    },
    { once: true },
  );
  return {
    child() {
      const controller = new AbortController();
      if (parent.aborted) controller.abort(parent.reason);
      else children.add(controller);
      return { signal: controller.signal, release: () => children.delete(controller) };
    },
  };
}
