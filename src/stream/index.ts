export { partialStream, PartialStream } from "./partial-stream.js";
export type { PartialStreamOptions, PartialUpdate } from "./partial-stream.js";
export { iterableStream, ItemStream } from "./iterable-stream.js";
export type { IterableStreamOptions, ItemUpdate, SkippedItem } from "./iterable-stream.js";
export type { DeepPartial } from "./deep-partial.js";
export type { FieldState, Progress } from "./shape-tracker.js";
export type { TextSource } from "./text-source.js";
