// What every provider's decoder turns its wire format into. The client reads only these: it
// never learns a provider's chunk shapes.
import type { ProviderError } from "../errors/provider-error.js";

/** Tokens used, as the provider reported them. */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

export const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** The sum of two usages. */
export function addUsage(a: Usage, b: Usage): Usage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, totalTokens: a.totalTokens + b.totalTokens };
}

export type WireEvent =
  /** Text of the answer itself (JSON modes). */
  | { readonly type: "content-delta"; readonly text: string }
  /**
   * A tool call began: its id and name arrive once, on its first delta. `arguments` is what the
   * start already holds (Anthropic's `input: {}`), the answer only if no delta follows.
   */
  | { readonly type: "tool-call-start"; readonly index: number; readonly id: string; readonly name: string; readonly arguments?: string }
  /** More of a tool call's arguments (by the call's index). */
  | { readonly type: "tool-delta"; readonly index: number; readonly text: string }
  /** A tool call's whole arguments as it ended; the answer only where no delta brought them. */
  | { readonly type: "tool-call-done"; readonly index: number; readonly text: string }
  | { readonly type: "refusal-delta"; readonly text: string }
  | { readonly type: "usage"; readonly usage: Usage }
  /** Part of the usage (a provider that reports input and output tokens in different events). */
  | { readonly type: "usage-part"; readonly inputTokens?: number; readonly outputTokens?: number }
  /** How the answer ended; `isFiltered` when a safety filter stopped it (whatever the provider calls it). */
  | { readonly type: "finish"; readonly reason: string; readonly isFiltered?: boolean }
  | { readonly type: "response-id"; readonly id: string; readonly model: string | undefined }
  | { readonly type: "error"; readonly error: ProviderError };
