import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { DeepPartial, StreamState } from "../stream/deep-partial.js";
import { partialStream } from "../stream/partial-stream.js";
import type { InferInput, SchemaLike } from "./schema-adapter.js";
import { streaming } from "./streaming.js";

declare const source: AsyncIterable<string>;
/** The partial type of a schema, as the streams give it. */
declare function partialOf<S extends SchemaLike>(schema: S): DeepPartial<InferInput<S>>;

describe("partial types follow the streaming rules", () => {
  it("a done string is string | undefined, never a prefix; the output type is unchanged", () => {
    const Schema = z.object({ status: streaming.done(z.string()), note: z.string() });
    const stream = partialStream(Schema, source);
    expectTypeOf(stream.partial).toEqualTypeOf<{ status?: string; note?: string } | undefined>();
    expectTypeOf(stream.final).toEqualTypeOf<Promise<{ status: string; note: string }>>();
  });

  it("a done object or array is whole when present", () => {
    const Schema = z.object({ address: streaming.done(z.object({ city: z.string(), zip: z.string().optional() })), tags: streaming.done(z.array(z.string())) });
    expectTypeOf(partialOf(Schema)).toEqualTypeOf<{ address?: { city: string; zip?: string | undefined }; tags?: string[] }>();
  });

  it("a required notNull field is always there once its object is; an optional one stays optional", () => {
    const Item = z.object({ id: streaming.notNull(z.string()), parent: streaming.notNull(z.string()).optional(), title: z.string() });
    expectTypeOf(partialOf(Item)).toEqualTypeOf<{ id: string; parent?: string | undefined; title?: string }>();
  });

  it("a withState field is a StreamState that is always there", () => {
    const Schema = z.object({ body: streaming.withState(z.string()), meta: streaming.withState(z.object({ words: z.number() })) });
    expectTypeOf(partialOf(Schema)).toEqualTypeOf<{
      body: StreamState<string, string>;
      meta: StreamState<{ words?: number }, { words: number }>;
    }>();
  });

  it("done with withState never reports incomplete", () => {
    const Schema = z.object({ id: streaming.withState(streaming.done(z.string())) });
    expectTypeOf(partialOf(Schema).id).toEqualTypeOf<
      { readonly state: "pending"; readonly value?: undefined } | { readonly state: "complete"; readonly value: string }
    >();
  });

  it("rules inside arrays and nullable fields", () => {
    const Schema = z.object({ items: z.array(z.object({ id: streaming.done(streaming.notNull(z.string())), kind: z.enum(["a", "b"]) })), label: streaming.withState(z.string()).nullable() });
    expectTypeOf(partialOf(Schema)).toEqualTypeOf<{ items?: { id: string; kind?: "a" | "b" }[]; label: StreamState<string, string> | null }>();
  });

  it("a rule keeps the schema's methods and the input assignable from plain values", () => {
    const Id = streaming.done(z.string());
    expectTypeOf(Id.optional().parse("x")).toEqualTypeOf<string | undefined>();
    const input: z.input<typeof Id> = "plain";
    expectTypeOf(input).toExtend<string>();
  });
});
