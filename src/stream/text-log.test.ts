import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TextLog } from "./text-log.js";

describe("TextLog", () => {
  it("is the pieces joined in order, however many and whenever it is read; its length never joins anything", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: "binary", maxLength: 9 }), fc.boolean()), { maxLength: 400 }), (steps) => {
        const log = new TextLog();
        let expected = "";
        for (const [piece, isRead] of steps) {
          log.append(piece);
          expected += piece;
          expect(log.length).toBe(expected.length);
          if (isRead) expect(log.text).toBe(expected);
        }
        expect(log.text).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
