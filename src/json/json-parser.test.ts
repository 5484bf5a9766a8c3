import { describe, expect, it } from "vitest";
import { FormworkError } from "../errors/formwork-error.js";
import { JsonParseError } from "./json-parse-error.js";
import { JsonParser, type JsonParserEvents } from "./json-parser.js";
import { chunksOf, distinct, feed, grows, splitAt } from "./test-support/feed.js";

/** The distinct partial values seen when the text is fed one character at a time. */
function perCharacter(text: string): string[] {
  return distinct(feed(chunksOf(text, 1)).partials);
}

describe("rules of partial values", () => {
  it("rule 1: a string appears at its opening quote and only grows by appending", () => {
    expect(perCharacter('{"a": "xyz"}')).toEqual(['{}', '{"a":""}', '{"a":"x"}', '{"a":"xy"}', '{"a":"xyz"}']);
  });

  it("rule 1: an escape appears only once it is complete", () => {
    const seen = perCharacter('["a\\n\\u00e9b"]').map((print) => JSON.parse(print) as unknown);
    expect(seen).toEqual([[], [""], ["a"], ["a\n"], ["a\né"], ["a\néb"]]);
  });

  it("rule 1: a high surrogate waits for its low half, escaped or raw, split anywhere", () => {
    const escaped = feed(chunksOf('"\\ud83d\\ude00!"', 1)).partials;
    const raw = feed(["\"x\ud83d", "\ude00!\""]).partials;
    for (const partial of [...escaped, ...raw]) {
      const last = typeof partial === "string" ? partial.charCodeAt(partial.length - 1) : 0;
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
    expect(escaped).toContain("😀");
    expect(raw).toEqual(["x", "x😀!"]);
  });

  it("rule 1: a lone high surrogate is shown when the string goes on without its low half", () => {
    expect(feed(['"\\ud800', 'a"']).outcome).toEqual({ ok: true, value: "\ud800a" });
    expect(feed(['"\\ud800', '"']).outcome).toEqual({ ok: true, value: "\ud800" });
    expect(feed(['"\\ud800', "\\ud800", '"']).outcome).toEqual({ ok: true, value: "\ud800\ud800" });
  });

  it("rule 2: numbers and literals appear only when complete", () => {
    expect(perCharacter("[12, -3.5e2, true, null]")).toEqual(["[]", "[12]", "[12,-350]", "[12,-350,true]", "[12,-350,true,null]"]);
    const root = new JsonParser();
    root.write("123");
    expect(root.value).toBeUndefined(); // `123` may become `1234`
    expect(root.end()).toBe(123);
  });

  it("rule 3: a member appears when its value appears", () => {
    expect(perCharacter('{"key": [{"k": false}]}')).toEqual(['{}', '{"key":[]}', '{"key":[{}]}', '{"key":[{"k":false}]}']);
  });

  it("rule 4: once shown, a value never disappears, never changes type, and atoms never change", () => {
    const text = '{"a": {"b": [1, "two", {"c": null}, [true, false]]}, "d": "e\\u00e9", "f": -0.5e-3}';
    const final = JSON.parse(text) as unknown;
    for (let size = 1; size <= text.length; size++) {
      const { partials, outcome } = feed(chunksOf(text, size));
      expect(outcome).toEqual({ ok: true, value: final });
      partials.forEach((partial, index) => {
        expect(grows(partials[index - 1], partial), `size ${size}, after chunk ${index}`).toBe(true);
        expect(grows(partial, final), `size ${size}, after chunk ${index}`).toBe(true);
      });
    }
    // And the check itself tells a shrinking, retyped or changed value apart.
    expect(grows({ a: "ab" }, { a: "a" })).toBe(false);
    expect(grows({ a: [1] }, { a: {} })).toBe(false);
    expect(grows({ a: 1 }, { a: 12 })).toBe(false);
    expect(grows({ a: 1 }, {})).toBe(false);
  });

  it("rule 5: any split gives the same final value, equal to JSON.parse", () => {
    const text = '{"name": "Zürich 😀", "n": [0, -0, 1e3, 0.5], "ok": true, "nested": {"x": [[]]}}';
    const expected = JSON.parse(text) as unknown;
    for (let cut = 0; cut <= text.length; cut++) {
      expect(feed(splitAt(text, [cut])).outcome).toEqual({ ok: true, value: expected });
    }
  });

  it("rule 6: a __proto__ key becomes an own property and pollutes nothing", () => {
    const text = '{"__proto__": {"polluted": true}, "a": {"__proto__": []}}';
    const value = feed(chunksOf(text, 2)).outcome;
    expect(value.ok).toBe(true);
    if (!value.ok) return;
    const object = value.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
    expect(Object.hasOwn(object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(object).toStrictEqual(JSON.parse(text));
  });

  it("keeps the live value: reading it costs nothing and it is the same object", () => {
    const parser = new JsonParser();
    parser.write('{"a": [');
    const live = parser.value as { a: unknown[] };
    parser.write('1, "b"]}');
    expect(parser.value).toBe(live);
    expect(live.a).toEqual([1, "b"]);
  });
});

describe("errors", () => {
  function errorOf(chunks: readonly string[], options?: ConstructorParameters<typeof JsonParser>[0]): JsonParseError {
    const { outcome } = feed(chunks, options);
    if (outcome.ok) throw new Error("expected a JsonParseError");
    return outcome.error;
  }

  it("says where, whatever the chunking: offset, line, column and path", () => {
    const text = '{\n  "items": [\n    {"id": 1},\n    {"id": 2 "name": "x"}\n  ]\n}';
    for (const size of [1, 2, 5, text.length]) {
      const error = errorOf(chunksOf(text, size));
      expect(error).toMatchObject({ code: "unexpected-character", line: 4, column: 14, path: ["items", 1], found: "'\"'" });
      expect(error.offset).toBe(text.indexOf('"name"'));
      expect(error.message).toBe(`Unexpected '"' at line 4, column 14 (offset ${error.offset}) in $.items[1]: expected ',' or '}'`);
    }
  });

  it("names what was found and what was expected", () => {
    expect(errorOf(["[1,]"]).message).toBe("Unexpected ']' at line 1, column 4 (offset 3): expected a value");
    expect(errorOf(['{"a" 1}']).expected).toBe("':' after the key");
    expect(errorOf(["[01]"])).toMatchObject({ code: "invalid-number", offset: 2 });
    expect(errorOf(["[-]"])).toMatchObject({ code: "invalid-number", expected: "a digit after '-'" });
    expect(errorOf(["1."])).toMatchObject({ code: "unexpected-end", offset: 2 });
    expect(errorOf(['"a\\x"'])).toMatchObject({ code: "invalid-escape", offset: 3 });
    expect(errorOf(['"\\u12G4"'])).toMatchObject({ code: "invalid-escape", offset: 5 });
    expect(errorOf(['"a\tb"'])).toMatchObject({ code: "control-character", found: "U+0009 (tab)" });
    expect(errorOf(["tru", "e!"])).toMatchObject({ code: "unexpected-character", offset: 4 });
    expect(errorOf(["nul", "x"])).toMatchObject({ expected: "'l' (in 'null')" });
    expect(errorOf(['{"a": [1, 2'])).toMatchObject({ code: "unexpected-end", offset: 11, expected: "a digit, ',' or ']'" });
    expect(errorOf([""])).toMatchObject({ code: "unexpected-end", offset: 0, expected: "a value" });
    expect(errorOf(["\ufeff{}"]).found).toContain("lenient");
  });

  it("rejects text after the value, and writes after end()", () => {
    expect(errorOf(["{} {}"])).toMatchObject({ code: "unexpected-character", offset: 3 });
    const parser = new JsonParser();
    parser.write("[]");
    expect(parser.end()).toEqual([]);
    expect(parser.end()).toEqual([]);
    expect(() => parser.write(" ")).toThrow(expect.objectContaining({ code: "write-after-end" }));
  });

  it("keeps failing with the same error once failed", () => {
    const parser = new JsonParser();
    let first: unknown;
    try {
      parser.write("[x");
    } catch (error) {
      first = error;
    }
    expect(() => parser.write("]")).toThrow(first as Error);
    expect(() => parser.end()).toThrow(first as Error);
  });

  it("is a FormworkError, recognised across package copies by isInstance", () => {
    const error = errorOf(["?"]);
    expect(FormworkError.isInstance(error)).toBe(true);
    expect(JsonParseError.isInstance(error)).toBe(true);
    expect(JsonParseError.isInstance(new FormworkError("x", "y"))).toBe(false);
    expect(JsonParseError.isInstance({ ...error })).toBe(false);
    expect(error.name).toBe("JsonParseError");
  });
});

describe("limits", () => {
  it("rejects nesting deeper than maxDepth without overflowing the stack", () => {
    const deep = "[".repeat(100_000);
    for (const chunks of [[deep], chunksOf(deep, 7)]) {
      const { outcome } = feed(chunks);
      expect(outcome.ok ? undefined : outcome.error).toMatchObject({ code: "max-depth", offset: 512 });
    }
    expect(feed(["[[[1]]]"], { maxDepth: 2 }).outcome).toMatchObject({ ok: false, error: { code: "max-depth", offset: 2 } });
    expect(feed(["[[1]]"], { maxDepth: 2 }).outcome).toEqual({ ok: true, value: [[1]] });
  });

  it("parses nesting up to a raised maxDepth, iteratively", () => {
    const depth = 200_000;
    const text = "[".repeat(depth) + "]".repeat(depth);
    const parser = new JsonParser({ maxDepth: depth });
    parser.write(text);
    let value = parser.end();
    let levels = 0;
    while (Array.isArray(value) && value.length > 0) {
      value = value[0];
      levels++;
    }
    expect(levels).toBe(depth - 1);
  });

  it("rejects a string or key longer than maxStringLength", () => {
    expect(feed(['["abc', 'def"]'], { maxStringLength: 5 }).outcome).toMatchObject({ ok: false, error: { code: "max-string-length" } });
    expect(feed(['{"abcdef": 1}'], { maxStringLength: 5 }).outcome).toMatchObject({ ok: false, error: { code: "max-string-length" } });
    expect(feed(['["abcde"]'], { maxStringLength: 5 }).outcome).toEqual({ ok: true, value: ["abcde"] });
  });

  it("rejects more text in all than maxLength", () => {
    expect(feed(["[1, ", "2, 3]"], { maxLength: 8 }).outcome).toMatchObject({ ok: false, error: { code: "max-length", offset: 8 } });
    expect(feed(["[1, ", "2]"], { maxLength: 6 }).outcome).toEqual({ ok: true, value: [1, 2] });
  });
});

describe("events", () => {
  type Recorded = [string, string, unknown];

  function record(chunks: readonly string[]): Recorded[] {
    const parser = new JsonParser();
    const events: Recorded[] = [];
    parser.on("value-start", ({ path, kind }) => events.push(["start", path.join("."), kind]));
    parser.on("value-end", ({ path, value }) => events.push(["end", path.join("."), structuredClone(value)]));
    parser.on("string-grow", ({ path, value }) => events.push(["grow", path.join("."), value]));
    for (const chunk of chunks) parser.write(chunk);
    parser.end();
    return events;
  }

  it("reports each value's start, growth and end with its path, as it happens", () => {
    expect(record(['{"user": {"name": "Ad', 'a", "tags": [1, true]}}'])).toEqual([
      ["start", "", "object"],
      ["start", "user", "object"],
      ["start", "user.name", "string"],
      ["grow", "user.name", "Ad"],
      ["end", "user.name", "Ada"],
      ["start", "user.tags", "array"],
      ["start", "user.tags.0", "number"],
      ["end", "user.tags.0", 1],
      ["start", "user.tags.1", "boolean"],
      ["end", "user.tags.1", true],
      ["end", "user.tags", [1, true]],
      ["end", "user", { name: "Ada", tags: [1, true] }],
      ["end", "", { user: { name: "Ada", tags: [1, true] } }],
    ]);
  });

  it("gives the active path and lets a listener stop listening", () => {
    const parser = new JsonParser();
    const seen: JsonParserEvents["value-end"][] = [];
    const stop = parser.on("value-end", (event) => seen.push(event));
    parser.write('{"a": [10, {"b": "x');
    expect(parser.activePath).toEqual(["a", 1, "b"]);
    parser.write('"}');
    expect(parser.activePath).toEqual(["a"]);
    stop();
    parser.write("]}");
    parser.end();
    expect(seen.map((event) => event.path)).toEqual([["a", 0], ["a", 1, "b"], ["a", 1]]);
  });
});

describe("lenient input", () => {
  const lenient = { lenient: true } as const;
  const body = '{"a": [1, 2], "b": "c"}';

  it("reads a markdown fence split anywhere, with prose around it", () => {
    const text = "Sure! Here is the JSON you asked for:\n\n```json\n" + body + "\n```\n\nLet me know if it helps.";
    for (let cut = 0; cut <= text.length; cut++) {
      const { outcome } = feed(splitAt(text, [cut, cut + 3]), lenient);
      expect(outcome).toEqual({ ok: true, value: { a: [1, 2], b: "c" } });
    }
    const parser = new JsonParser(lenient);
    parser.write(text);
    parser.end();
    expect(parser.repairs.map((repair) => repair.kind)).toEqual(["prose", "markdown-fence", "prose"]);
    const [prose, fence, after] = parser.repairs;
    expect(text.slice(prose?.offset, prose?.end)).toBe("Sure! Here is the JSON you asked for:\n\n");
    expect(text.slice(fence?.offset, fence?.end)).toBe("```json\n");
    expect(text.slice(after?.offset, after?.end)).toBe("```\n\nLet me know if it helps.");
  });

  it("reads a fenced scalar and a value that opens the answer", () => {
    expect(feed(["```\n42\n```"], lenient).outcome).toEqual({ ok: true, value: 42 });
    expect(feed(['"just text"'], lenient).outcome).toEqual({ ok: true, value: "just text" });
    expect(feed(["nothing to see: [1]"], lenient).outcome).toEqual({ ok: true, value: [1] });
    expect(feed(["trust me: [1]"], lenient).outcome).toEqual({ ok: true, value: [1] });
    expect(feed(["true"], lenient).outcome).toEqual({ ok: true, value: true });
  });

  it("accepts trailing commas and comments, and reports each", () => {
    const text = '{\n  // the list\n  "a": [1, 2,], /* done */\n  "b": "c",\n}';
    const parser = new JsonParser(lenient);
    for (const chunk of chunksOf(text, 3)) parser.write(chunk);
    expect(parser.end()).toEqual({ a: [1, 2], b: "c" });
    expect(parser.repairs.map(({ kind, offset, end }) => [kind, text.slice(offset, end)])).toEqual([
      ["comment", "// the list"],
      ["trailing-comma", ","],
      ["comment", "/* done */"],
      ["trailing-comma", ","],
    ]);
  });

  it("skips a byte-order mark", () => {
    const parser = new JsonParser(lenient);
    parser.write("\ufeff[1]");
    expect(parser.end()).toEqual([1]);
    expect(parser.repairs).toEqual([{ kind: "byte-order-mark", offset: 0, end: 1 }]);
  });

  it("never invents data: what is incomplete or malformed is still an error", () => {
    expect(feed(['```json\n{"a": [1, 2'], lenient).outcome).toMatchObject({ ok: false, error: { code: "unexpected-end" } });
    expect(feed(["Here you go:"], lenient).outcome).toMatchObject({ ok: false, error: { code: "unexpected-end" } });
    expect(feed(['{"a": 1 "b": 2}'], lenient).outcome).toMatchObject({ ok: false, error: { code: "unexpected-character" } });
    expect(feed(["[1,,2]"], lenient).outcome).toMatchObject({ ok: false, error: { code: "unexpected-character" } });
    expect(feed(["{,}"], lenient).outcome).toMatchObject({ ok: false });
    expect(feed(["[1 / 2]"], lenient).outcome).toMatchObject({ ok: false, error: { code: "unexpected-character" } });
  });

  it("is off by default: strict mode rejects each of them", () => {
    for (const text of ["```json\n[1]\n```", "Here: [1]", "[1,]", '{"a":1,}', "[1 /* c */]", "\ufeff[1]", "[1] thanks"]) {
      expect(feed([text]).outcome.ok, text).toBe(false);
    }
  });
});

describe("a sequence of values (multiple)", () => {
  const multiple = { multiple: true } as const;

  it("reads newline-delimited and concatenated values, each ending at the root path", () => {
    const text = '{"a": 1}\n{"a": 2}{"a": 3} [4]\n"five" 6\ntrue';
    for (const size of [1, 3, text.length]) {
      const parser = new JsonParser(multiple);
      const roots: unknown[] = [];
      parser.on("value-end", ({ path, value }) => {
        if (path.length === 0) roots.push(value);
      });
      for (const chunk of chunksOf(text, size)) parser.write(chunk);
      expect(parser.end()).toBe(true);
      expect(roots).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }, [4], "five", 6, true]);
    }
  });

  it("accepts an empty sequence and rejects a value cut off", () => {
    expect(feed([" \n "], multiple).outcome).toEqual({ ok: true, value: undefined });
    expect(feed(['{"a": 1}\n{"a"'], multiple).outcome).toMatchObject({ ok: false, error: { code: "unexpected-end" } });
    expect(feed(["[1] x"], multiple).outcome).toMatchObject({ ok: false, error: { code: "unexpected-character", offset: 4 } });
  });

  it("skips prose between values in lenient mode", () => {
    expect(feed(['Item one: {"a": 1}\nItem two: {"a": 2}\nDone.'], { multiple: true, lenient: true }).outcome).toEqual({ ok: true, value: { a: 2 } });
  });
});
