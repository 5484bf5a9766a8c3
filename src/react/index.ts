// formwork/react: hooks over formwork/browser (React 18 and 19, an optional peer).
export { usePartial, useIterable } from "./use-partial.js";
export type { UsePartialResult, UseIterableResult } from "./use-partial.js";
export type { PartialControllerOptions, PartialState, IterableState } from "../browser/partial-controller.js";
export type { DeepPartial } from "../stream/deep-partial.js";
export type { FieldState } from "../stream/field-state.js";
