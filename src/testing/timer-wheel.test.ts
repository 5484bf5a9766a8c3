import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TimerWheel } from "./timer-wheel.js";

// Fake timers and a fake performance.now: the wheel's behaviour, not the machine's speed.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("TimerWheel", () => {
  it("paces many streams with one timer, and their tokens come at start + k × interval", async () => {
    const wheel = new TimerWheel();
    const sent: number[][] = [];
    let mostTimers = 0;
    const streams = Array.from({ length: 200 }, async (_, stream) => {
      await wheel.sleep(stream % 20); // streams start at different times
      const pace = wheel.pacer(20);
      const times: number[] = (sent[stream] = []);
      for (let token = 0; token < 50; token++) {
        times.push(performance.now());
        await pace();
        mostTimers = Math.max(mostTimers, vi.getTimerCount());
      }
    });
    await vi.advanceTimersByTimeAsync(1100);
    await Promise.all(streams);
    expect(mostTimers).toBe(1);
    for (const times of sent) {
      expect(times).toHaveLength(50);
      const start = times[0] as number;
      // No delay is carried forward: token k leaves at its due time, within the 1 ms slot.
      times.forEach((time, k) => expect(Math.abs(time - (start + k * 20))).toBeLessThanOrEqual(1));
    }
  });

  it("wakes waiters in the order they are due, whatever order they wait in", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 50 }), async (delays) => {
        const wheel = new TimerWheel();
        const woken: number[] = [];
        const waits = delays.map((delay) => wheel.sleep(delay).then(() => woken.push(delay)));
        await vi.advanceTimersByTimeAsync(600);
        await Promise.all(waits);
        expect(woken).toEqual([...delays].sort((a, b) => a - b));
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 30 },
    );
  });

  it("does not wait for a time that has come; a pacer a little behind waits a tick, one far behind catches up at once", async () => {
    const wheel = new TimerWheel();
    expect(wheel.at(performance.now() - 5)).toBeUndefined();
    const pace = wheel.pacer(10, 50);
    const first = pace(); // the first call starts the clock: due at 10
    vi.advanceTimersByTime(25); // a little behind: 20 is due, and still waits for the next tick
    await first;
    const next = pace();
    expect(next).toBeInstanceOf(Promise);
    vi.advanceTimersByTime(1);
    await next;
    vi.advanceTimersByTime(100); // far behind (the server was overloaded): 30 to 80 are past
    expect([pace(), pace(), pace(), pace(), pace()]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    // Caught up to within 50 ms of the schedule: waiting again.
    expect(pace()).toBeInstanceOf(Promise);
  });

  it("at() resolves when the time comes between its own check and the wheel's (a busy machine pauses anywhere)", async () => {
    const wheel = new TimerWheel();
    // The clock reads 0 at at()'s check, then 10 ms later at call()'s: the time (5) came in between.
    const clock = [0, 10];
    const now = vi.spyOn(performance, "now").mockImplementation(() => clock.shift() ?? 10);
    try {
      const waiting = wheel.at(5);
      expect(waiting).toBeInstanceOf(Promise);
      let isResolved = false;
      void waiting?.then(() => (isResolved = true));
      await Promise.resolve();
      await Promise.resolve();
      expect(isResolved).toBe(true);
    } finally {
      now.mockRestore();
      wheel.close();
    }
  });

  it("close() wakes every waiter and leaves no timer behind", async () => {
    const wheel = new TimerWheel();
    let woken = 0;
    const waits = [wheel.sleep(1000), wheel.sleep(50_000)].map((wait) => wait.then(() => woken++));
    expect(vi.getTimerCount()).toBe(1);
    wheel.close();
    await Promise.all(waits);
    expect(woken).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("call() runs a callback when its time comes, from the same one timer; not at all for a time that has come", async () => {
    const wheel = new TimerWheel();
    const woken: number[] = [];
    expect(wheel.call(performance.now(), () => woken.push(-1))).toBe(false);
    for (const delay of [30, 10, 20, 10]) expect(wheel.call(performance.now() + delay, () => woken.push(delay))).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(15);
    expect(woken).toEqual([10, 10]);
    await vi.advanceTimersByTimeAsync(20);
    expect(woken).toEqual([10, 10, 20, 30]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("pacerThen paces exactly as pacer does: the same wake times, and false where pacer has nothing to wait for", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 40 }), fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 30 }), async (interval, stalls) => {
        const wheel = new TimerWheel();
        const byPromise = wheel.pacer(interval);
        const byCallback = wheel.pacerThen(interval);
        for (const stall of stalls) {
          // A stall: the stream was busy elsewhere for that long before asking for the next token
          // (no timer is pending meanwhile, so none fires).
          await vi.advanceTimersByTimeAsync(stall);
          const wait = byPromise();
          let calledAt: number | undefined;
          const waits = byCallback(() => (calledAt = performance.now()));
          expect(waits).toBe(wait !== undefined);
          if (wait === undefined) continue;
          let resolvedAt: number | undefined;
          void wait.then(() => (resolvedAt = performance.now()));
          await vi.advanceTimersByTimeAsync(interval + 1);
          expect(calledAt).toBeDefined();
          expect(calledAt).toBe(resolvedAt);
        }
        wheel.close();
      }),
      { numRuns: 30 },
    );
  });
});
