// One listener on a parent signal for any number of requests or calls in flight: each gets its
// own child signal, aborted with the parent's, and lets go of it when it is over. Hundreds of
// listeners on one AbortSignal would work too, but Node warns of a leak beyond ten, and
// removing them costs a scan each. AbortSignal.any is no answer for a long-lived parent: on
// Node 20 every composite stays in the parent's list of dependants for good (about 70 bytes
// each), and one with an abort listener of its own is never collected at all.

export interface AbortFanOut {
  /** A signal aborted with the parent's (`controller`'s, if given); call `release` once it is over. */
  child(controller?: AbortController): { readonly signal: AbortSignal; release(): void };
}

export function abortFanOut(parent: AbortSignal): AbortFanOut {
  const children = new Set<AbortController>();
  parent.addEventListener(
    "abort",
    () => {
      for (const child of children) child.abort(parent.reason);
      children.clear();
    },
    { once: true },
  );
  return {
    child(controller = new AbortController()) {
      if (parent.aborted) controller.abort(parent.reason);
      else children.add(controller);
      return { signal: controller.signal, release: () => children.delete(controller) };
    },
  };
}

// The fan-out of each caller's signal, made at its first call: a server passes one shutdown
// signal to every call it makes. Weakly held: a signal nobody holds takes its fan-out with it.
const shared = new WeakMap<AbortSignal, AbortFanOut>();

/** The one fan-out of `parent` that every call given it shares. */
export function sharedFanOut(parent: AbortSignal): AbortFanOut {
  let fanOut = shared.get(parent);
  if (fanOut === undefined) shared.set(parent, (fanOut = abortFanOut(parent)));
  return fanOut;
}
