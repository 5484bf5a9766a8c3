import { FormworkError } from "./formwork-error.js";

/**
 * The provider answered with an error: an HTTP error status, or an error sent inside a stream
 * that began with 200. `isRetryable` says whether asking again may help (429, 5xx, overload);
 * `retryAfterMs` is the wait the provider asked for, if any. `body` is what it sent.
 */
export class ProviderError extends FormworkError {
  static override readonly kind: string = "ProviderError";
  readonly status: number | undefined;
  readonly provider: string;
  readonly body: unknown;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(details: {
    message: string;
    provider: string;
    status?: number | undefined;
    body?: unknown;
    isRetryable?: boolean | undefined;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super("provider-error", details.message, { cause: details.cause });
    this.status = details.status;
    this.provider = details.provider;
    this.body = details.body;
    this.isRetryable = details.isRetryable ?? isRetryableStatus(details.status);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 408, 409, 429 and 5xx are worth another try; other 4xx are not. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}
