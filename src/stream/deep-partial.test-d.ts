import { type } from "arktype";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { DeepPartial } from "./deep-partial.js";
import { iterableStream } from "./iterable-stream.js";
import { partialStream } from "./partial-stream.js";

declare const source: AsyncIterable<string>;

describe("DeepPartial", () => {
  it("makes every property optional at every depth and array elements deep-partial", () => {
    type Value = { a: string; b: { c: number; d: boolean[] }[]; e: readonly { f: null }[] };
    expectTypeOf<DeepPartial<Value>>().toEqualTypeOf<{
      a?: string;
      b?: { c?: number; d?: boolean[] }[];
      e?: readonly { f?: null }[];
    }>();
  });

  it("keeps a union's members apart", () => {
    type Shape = { kind: "circle"; radius: number } | { kind: "square"; side: number };
    expectTypeOf<DeepPartial<Shape>>().toEqualTypeOf<{ kind?: "circle"; radius?: number } | { kind?: "square"; side?: number }>();
  });
});

describe("stream types", () => {
  const User = z.object({ name: z.string(), joined: z.string().transform((text) => new Date(text)), tags: z.array(z.string()).default([]) });

  it("types partials by what the model writes and final by the schema's output", () => {
    const stream = partialStream(User, source);
    expectTypeOf(stream.final).toEqualTypeOf<Promise<{ name: string; joined: Date; tags: string[] }>>();
    expectTypeOf(stream.partial).toEqualTypeOf<{ name?: string; joined?: string; tags?: string[] | undefined } | undefined>();
  });

  it("types iterable items by the item schema's output, unions included", () => {
    const Item = z.union([z.object({ kind: z.literal("a"), n: z.number() }), z.object({ kind: z.literal("b") })]);
    expectTypeOf(iterableStream(Item, source)).toExtend<AsyncIterable<{ kind: "a"; n: number } | { kind: "b" }>>();
  });

  it("infers from any Standard Schema, and gives unknown for a plain JSON Schema", () => {
    expectTypeOf(partialStream(type({ title: "string" }), source).final).toEqualTypeOf<Promise<{ title: string }>>();
    expectTypeOf(partialStream({ type: "object" }, source).final).toEqualTypeOf<Promise<unknown>>();
  });
});
