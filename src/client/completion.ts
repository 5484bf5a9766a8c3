// The completion a structured call reports (createWithCompletion's `completion`, the
// `completion:response` hook): assembled from the stream, in the shape of a Chat Completions
// response whatever the wire, so that one reader fits every provider.

/** The forced tool's call, as the model made it. */
export interface CompletionToolCall {
  readonly id: string;
  readonly type: "function";
  readonly function: { readonly name: string; readonly arguments: string };
}

/** The answer of an attempt, as a Chat Completions response object. */
export interface Completion {
  /** The provider's id for the response ("" when it sent none). */
  readonly id: string;
  readonly object: "chat.completion";
  /** When the completion was assembled, in seconds since 1970. */
  readonly created: number;
  /** The model that answered, as the provider named it (else the one asked for). */
  readonly model: string;
  readonly choices: readonly {
    readonly index: number;
    readonly message: {
      readonly role: "assistant";
      readonly content: string | null;
      readonly refusal: string | null;
      readonly tool_calls?: readonly CompletionToolCall[];
    };
    /** `stop`, `length`, `tool_calls`, `content_filter`, or the provider's own reason. */
    readonly finish_reason: string | null;
    readonly logprobs: null;
  }[];
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number; readonly total_tokens: number };
}
