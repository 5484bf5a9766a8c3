import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RateLimiter, type Clock } from "./rate-limiter.js";

// A virtual clock: sleeping moves time forward at once, so the grants' times are exact.
function virtualClock(): Clock & { time: number } {
  const clock = {
    time: 0,
    now: () => clock.time,
    sleep: (ms: number) => {
      clock.time += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

async function grants(limiter: RateLimiter, clock: { time: number }, requests: readonly number[]): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(requests.map((tokens) => limiter.acquire(tokens).then(() => times.push(clock.time))));
  return times;
}

describe("RateLimiter", () => {
  it("property: no minute window ever holds more than a minute's requests beyond the first burst", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 150 }), async (rpm, count) => {
        const clock = virtualClock();
        const times = await grants(new RateLimiter({ rpm }, clock), clock, Array.from({ length: count }, () => 0));
        // A full bucket allows rpm at once, then one every 60000/rpm ms: any window of a
        // minute holds at most 2 * rpm grants, and the whole run takes what the rate says.
        for (const start of times) expect(times.filter((time) => time >= start && time < start + 60_000).length).toBeLessThanOrEqual(2 * rpm);
        const expected = Math.max(0, ((count - rpm) * 60_000) / rpm);
        expect(Math.max(...times)).toBeGreaterThanOrEqual(expected - 1);
        expect(Math.max(...times)).toBeLessThanOrEqual(expected + count);
      }),
    );
  });

  it("property: tokens granted up to any time never exceed the allowance so far", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: 10_000 }), fc.array(fc.integer({ min: 1, max: 2_000 }), { minLength: 1, maxLength: 60 }), async (tpm, requests) => {
        const clock = virtualClock();
        const limiter = new RateLimiter({ tpm }, clock);
        const granted: { time: number; tokens: number }[] = [];
        for (const tokens of requests) {
          await limiter.acquire(tokens);
          granted.push({ time: clock.time, tokens: Math.min(tokens, tpm) });
        }
        let sum = 0;
        for (const grant of granted) {
          sum += grant.tokens;
          expect(sum).toBeLessThanOrEqual(tpm + (grant.time * tpm) / 60_000 + 1e-6);
        }
      }),
    );
  });

  it("a pause holds every request that has not started, and the longest pause wins", async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({}, clock);
    limiter.pause(2_000);
    limiter.pause(500);
    expect(limiter.pausedUntil).toBe(2_000);
    const times = await grants(limiter, clock, [0, 0]);
    expect(times).toEqual([2_000, 2_000]);
    expect(limiter.pausedUntil).toBeUndefined();
  });

  it("settle charges the real usage: a request that used more delays the next", async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ tpm: 600 }, clock);
    await limiter.acquire(100);
    limiter.settle(100, 600); // it used the whole minute's 600, not 100
    await limiter.acquire(100);
    expect(clock.time).toBe(10_000); // 100 tokens at 10 per second; without settle, at once
  });

  it("refuses a limit that is not a positive number, naming it", () => {
    expect(() => new RateLimiter({ rpm: 0 })).toThrow(/rateLimit\.rpm/);
    expect(() => new RateLimiter({ tpm: Number.NaN })).toThrow(/rateLimit\.tpm/);
  });
});
