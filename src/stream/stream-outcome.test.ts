// `outcome`: how a stream ended, for code that watches a stream someone else reads.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ValidationError } from "../errors/validation-error.js";
import { iterableStream } from "./iterable-stream.js";
import { partialStream } from "./partial-stream.js";
import { chunkSource, collect } from "./test-support/sources.js";

describe("outcome", () => {
  it("is {} once the stream read its source and the end checked out, and does not start the stream", async () => {
    const source = chunkSource(['{"a": "x"}']);
    const stream = partialStream(z.object({ a: z.string() }), source.iterable);
    const outcome = stream.outcome;
    await Promise.resolve();
    expect(source.state.pulled).toBe(0);
    await collect(stream);
    expect(await outcome).toEqual({});
  });

  it("is { error } when the stream stopped, as the reader saw it", async () => {
    const stream = iterableStream(z.object({ n: z.number() }), chunkSource(['[{"n": 1}, {"n": "two"}]']).iterable);
    const { error } = await collect(stream);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((await stream.outcome).error).toBe(error);
  });
});
