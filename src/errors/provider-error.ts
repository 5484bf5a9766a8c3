import { FormworkError } from "./formwork-error.js";

/** The longest message a ProviderError carries; the whole (bounded) body stays on `body`. */
export const MAX_MESSAGE_LENGTH = 1024;

/**
 * The provider answered with an error: an HTTP error status, or an error sent inside a stream
 * that began with 200. `isRetryable` says whether asking again may help (429, 5xx, overload);
 * `retryAfterMs` is the wait the provider asked for, if any. `body` is what it sent.
 * `finishReason` keeps an ending the provider reported before the error (a truncation, say).
 * The message is at most about 1 KB, however large the body.
 */
export class ProviderError extends FormworkError {
  static override readonly kind: string = "ProviderError";
  readonly status: number | undefined;
  readonly provider: string;
  readonly body: unknown;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly finishReason: string | undefined;

  constructor(details: {
    message: string;
    provider: string;
    status?: number | undefined;
    body?: unknown;
    isRetryable?: boolean | undefined;
    retryAfterMs?: number | undefined;
    finishReason?: string | undefined;
    cause?: unknown;
    /** A subclass's own code; default `provider-error`. */
    code?: string;
  }) {
    super(details.code ?? "provider-error", boundMessage(details.message), { cause: details.cause });
    this.status = details.status;
    this.provider = details.provider;
    this.body = details.body;
    this.isRetryable = details.isRetryable ?? isRetryableStatus(details.status);
    this.retryAfterMs = details.retryAfterMs;
    this.finishReason = details.finishReason;
  }
}

/** 408, 409, 429 and 5xx are worth another try; other 4xx are not. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

// A 100 KB HTML page or a 50 MB error event must not become the message: the start is enough to
// act on, and the whole is on `body`.
function boundMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  return `${message.slice(0, MAX_MESSAGE_LENGTH)}… (${message.length - MAX_MESSAGE_LENGTH} more characters; the whole body is on error.body)`;
}
