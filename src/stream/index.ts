export { partialStream, PartialStream } from "./partial-stream.js";
export type { PartialStreamOptions } from "./partial-stream.js";
export { PartialParser, createPartialParser } from "./partial-parser.js";
export type { PartialParserOptions, PartialUpdate } from "./partial-parser.js";
export { iterableStream, ItemStream } from "./iterable-stream.js";
export type { IterableStreamOptions, ItemUpdate, SkippedItem } from "./iterable-stream.js";
export type { DeepPartial, StreamState } from "./deep-partial.js";
export type { FieldState, Progress } from "./shape-tracker.js";
export type { TextSource } from "./text-source.js";
