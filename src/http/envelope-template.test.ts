import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EnvelopeTemplate } from "./envelope-template.js";

// What JSON.parse makes of a text: its value, or the kind of error it throws.
function parsed(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

function viaTemplate(template: EnvelopeTemplate, text: string): { value: unknown } | { error: string } {
  try {
    return { value: template.parse(text) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

// A string as JSON text, written the usual way or with every character escaped as \uXXXX (a
// server may escape more than it must: the template must not care how a token is written).
const token = (text: string, isEscaped: boolean) =>
  isEscaped ? `"${[...text].map((char) => [...char].map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")).join("")}"` : JSON.stringify(text);

// An envelope with a place for the token (any JSON object around it, the place at any depth)
// and, sometimes, a second string that changes with every event, as OpenAI's `obfuscation`.
const envelope = fc
  .tuple(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean())
  .map(([around, keys, asArray, hasPadding]) => {
    let events = 0;
    // Nests the token under `keys`, the last level an array when asArray.
    return (piece: string) => {
      let inner = asArray ? `[${piece}]` : piece;
      for (const key of [...keys].reverse()) inner = `{${JSON.stringify(key)}:${inner}}`;
      const outer = JSON.stringify(around);
      const padding = hasPadding ? `,"obfuscation":${JSON.stringify("x".repeat(events++ % 7))}` : "";
      return outer === "{}" && !hasPadding ? inner : `${outer.slice(0, -1)}${outer === "{}" ? "" : ","}"slot":${inner}${padding}}`;
    };
  });

const someText = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: "binary", maxLength: 8 }), fc.constantFrom('"', "\\", '","', '"]', "\u0000", "\u2028", "💡"));

describe("EnvelopeTemplate", () => {
  it("gives what JSON.parse gives, for a token stream with other events, noise and broken texts among it", () => {
    fc.assert(
      fc.property(
        envelope,
        fc.array(
          fc.oneof(
            { weight: 6, arbitrary: fc.tuple(someText, fc.boolean()).map(([text, isEscaped]) => ({ kind: "token" as const, text, isEscaped })) },
            { weight: 1, arbitrary: fc.json({ maxDepth: 2 }).map((text) => ({ kind: "other" as const, text })) },
            // A token event cut short, or with something after its token, or two tokens.
            { weight: 1, arbitrary: fc.tuple(someText, fc.nat(), fc.constantFrom("cut", "more", "two", "number")).map(([text, at, how]) => ({ kind: "broken" as const, text, at, how })) },
          ),
          { maxLength: 30 },
        ),
        (wrap, events) => {
          const template = new EnvelopeTemplate();
          for (const event of events) {
            let text: string;
            if (event.kind === "token") text = wrap(token(event.text, event.isEscaped));
            else if (event.kind === "other") text = event.text;
            else {
              const whole = wrap(JSON.stringify(event.text));
              text =
                event.how === "cut"
                  ? whole.slice(0, event.at % (whole.length + 1))
                  : event.how === "more"
                    ? wrap(`${JSON.stringify(event.text)} ,1`)
                    : event.how === "two"
                      ? wrap(`${JSON.stringify(event.text)},${JSON.stringify(event.text)}`)
                      : wrap(String(event.at));
            }
            expect(viaTemplate(template, text)).toEqual(parsed(text));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("gives what JSON.parse gives for any text after any learning (arbitrary mutations of token events)", () => {
    fc.assert(
      fc.property(envelope, fc.array(fc.tuple(someText, fc.nat(), fc.nat({ max: 3 }), fc.oneof(fc.string({ maxLength: 3 }), fc.string({ unit: "binary", maxLength: 3 }), fc.constantFrom("\n", "\u0000", "\\", "\"", "\\u12"))), { minLength: 3, maxLength: 20 }), (wrap, edits) => {
        const template = new EnvelopeTemplate();
        for (const [text, at, cut, insert] of edits) {
          const whole = wrap(JSON.stringify(text));
          const index = at % (whole.length + 1);
          // Every third event whole (the template is learnt), the others spliced anywhere.
          const mutated = at % 3 === 0 ? whole : whole.slice(0, index) + insert + whole.slice(index + cut);
          expect(viaTemplate(template, mutated)).toEqual(parsed(mutated));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("parses a token event from the template once two events parsed in full taught it: one envelope, the token put in its place", () => {
    const template = new EnvelopeTemplate();
    const event = (piece: string) => `{"id":"chatcmpl-1","meta":{"model":"m","n":[1,2]},"choices":[{"index":0,"delta":{"content":${JSON.stringify(piece)}},"finish_reason":null}]}`;
    const pieces = ["He", "llo", ", wor", "ld", '"!"\n', ""];
    const values: unknown[] = [];
    const seen: string[] = [];
    for (const piece of pieces) {
      const value = template.parse(event(piece));
      // Used at once, as a decoder does: good until the next parse.
      seen.push(JSON.stringify(value));
      values.push(value);
    }
    expect(seen).toEqual(pieces.map((piece) => JSON.stringify(JSON.parse(event(piece)))));
    // The first two are parsed in full (fresh values); from the third on, the template's envelope.
    expect(values[0]).not.toBe(values[1]);
    expect(values[1]).not.toBe(values[2]);
    expect(values[2]).toBe(values[3]);
    expect(values[3]).toBe(values[5]);
  });

  it("forget() leaves the last value as it is, and later events get values of their own", () => {
    const template = new EnvelopeTemplate();
    const event = (piece: string) => `{"error":{"message":${JSON.stringify(piece)}}}`;
    template.parse(event("a"));
    template.parse(event("b"));
    const kept = template.parse(event("c"));
    template.forget();
    const later = template.parse(event("d"));
    expect(later).not.toBe(kept);
    expect(kept).toEqual({ error: { message: "c" } });
    expect(later).toEqual({ error: { message: "d" } });
  });

  it("keeps the tokens' template across an event of another kind, and learns a new envelope from its first two events", () => {
    const template = new EnvelopeTemplate();
    const first = (piece: string) => `{"index":0,"delta":${JSON.stringify(piece)},"extra":{"k":1}}`;
    const second = (piece: string) => `{"index":1,"delta":${JSON.stringify(piece)},"extra":{"k":1}}`;
    template.parse(first("a"));
    template.parse(first("b"));
    const learnt = template.parse(first("c"));
    expect(template.parse('{"type":"ping"}')).not.toBe(learnt);
    expect(template.parse(first("d"))).toBe(learnt);
    const fresh = [second("x"), second("y"), second("z"), second("w")].map((text) => template.parse(text));
    expect(fresh[2]).toBe(fresh[3]);
    expect(fresh[2]).not.toBe(learnt);
    expect(fresh[3]).toEqual(JSON.parse(second("w")));
  });

  it("learns an envelope with a second string that changes every event (OpenAI's obfuscation), and one that is a string itself", () => {
    const template = new EnvelopeTemplate();
    const event = (piece: string, padding: string) => `{"id":"c","choices":[{"index":0,"delta":{"content":${JSON.stringify(piece)}},"finish_reason":null}],"obfuscation":${JSON.stringify(padding)}}`;
    const values = [
      ["a", "xy"],
      ["b", "Q"],
      ["c\n", "zzz"],
      ["d", ""],
    ].map(([piece, padding]) => {
      const text = event(piece as string, padding as string);
      const value = template.parse(text);
      expect(value).toEqual(JSON.parse(text));
      return value;
    });
    expect(values[2]).toBe(values[3]);
    const strings = new EnvelopeTemplate();
    for (const text of ['"a"', '"b"', '"c\\u0041"', '"d"']) expect(strings.parse(text)).toBe(JSON.parse(text));
  });

  it("does not learn events that differ in a number (a sequence number): each is parsed in full", () => {
    const template = new EnvelopeTemplate();
    const event = (n: number, piece: string) => `{"type":"delta","sequence_number":${n},"delta":${JSON.stringify(piece)}}`;
    const values = [1, 2, 3, 4].map((n) => template.parse(event(n, `t${n}`)));
    expect(values).toEqual([1, 2, 3, 4].map((n) => JSON.parse(event(n, `t${n}`))));
    expect(new Set(values).size).toBe(4);
  });

  it("keeps a key named __proto__ an own key, never the prototype", () => {
    const template = new EnvelopeTemplate();
    const event = (piece: string) => `{"__proto__":{"x":${JSON.stringify(piece)}},"a":1}`;
    for (const piece of ["p", "q", "r", "s"]) {
      const value = template.parse(event(piece)) as Record<string, unknown>;
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.hasOwn(value, "__proto__")).toBe(true);
      expect(value).toEqual(JSON.parse(event(piece)));
    }
  });
});
