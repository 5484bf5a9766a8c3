import { ProviderError } from "./provider-error.js";

/** The deadlines a call keeps (see the client's `timeout`, `idleTimeout` and `headersTimeout`). */
export type Deadline = "timeout" | "idleTimeout" | "headersTimeout";

/**
 * A deadline fired: `deadline` says which, `ms` after how long. A ProviderError (code
 * `timeout`) so that it is handled like the other transport failures: `idleTimeout` and
 * `headersTimeout` are retryable while nothing was shown, `timeout` (the whole call, retries
 * included) never is.
 *
 * @example
 * if (TimeoutError.isInstance(error) && error.deadline === "idleTimeout") console.warn(`silent for ${error.ms} ms`);
 */
export class TimeoutError extends ProviderError {
  static override readonly kind: string = "TimeoutError";
  readonly deadline: Deadline;
  readonly ms: number;

  constructor(details: { deadline: Deadline; ms: number; provider: string; url?: string | undefined }) {
    const where = details.url === undefined ? details.provider : `${details.provider} at ${details.url}`;
    super({ code: "timeout", message: `${describe(details.deadline, details.ms)} (${where}); raise ${details.deadline} if this is expected`, provider: details.provider, isRetryable: details.deadline !== "timeout" });
    this.deadline = details.deadline;
    this.ms = details.ms;
  }
}

function describe(deadline: Deadline, ms: number): string {
  switch (deadline) {
    case "timeout":
      return `The call took longer than its timeout of ${ms} ms, retries included`;
    case "idleTimeout":
      return `The response went silent for ${ms} ms (idleTimeout)`;
    case "headersTimeout":
      return `No response headers within ${ms} ms (headersTimeout)`;
    default: {
      const unknown: never = deadline;
      return String(unknown);
    }
  }
}
