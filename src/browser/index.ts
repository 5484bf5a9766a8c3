// formwork/browser: read formwork streams sent by formwork/server. No Node APIs, no parser, no
// schema library at run time.
export { readPartial, RemotePartialStream } from "./read-partial.js";
export type { ReadPartialOptions, RemoteUpdate } from "./read-partial.js";
export { readIterable, RemoteItemStream } from "./read-iterable.js";
export type { ReadIterableOptions, RemoteItemUpdate } from "./read-iterable.js";
export { fetchPartial, fetchIterable } from "./fetch-partial.js";
export type { FetchPartialOptions } from "./fetch-partial.js";
export type { PatchInput, ReadOptions } from "./read-patch-body.js";
export type { DeepPartial } from "../stream/deep-partial.js";
export type { FieldState } from "../stream/field-state.js";
export type { JsonPath } from "../json/json-path.js";
export * from "../errors/index.js";
export { JsonParseError } from "../json/json-parse-error.js";
export { PartialController, IterableController } from "./partial-controller.js";
export type { PartialControllerOptions, PartialState, IterableState } from "./partial-controller.js";
