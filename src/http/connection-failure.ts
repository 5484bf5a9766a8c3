// What a failed fetch becomes: a ConnectionError that names the URL called and the system code,
// retryable only when asking again may help. Node's fetch (undici) throws `TypeError: fetch
// failed` and keeps the reason one or two `cause`s deep; the SDKs wrap that once more.
import { ConnectionError } from "../errors/connection-error.js";
import { ProviderError } from "../errors/provider-error.js";

// Codes after which the same request may succeed.
const TRANSIENT = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_CLOSED"]);

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused (is the server running, and on this port?)",
  ECONNRESET: "the connection was reset",
  ENOTFOUND: "host not found (check the host name of the base URL)",
  EAI_AGAIN: "the host name could not be resolved now",
  ETIMEDOUT: "the connection timed out",
};

/** The first system code (`ECONNREFUSED`...) in an error's cause chain. */
export function systemCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message;
}

function isCertificateCode(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|UNABLE_TO_GET_ISSUER/.test(code);
}

/** The ConnectionError of a request to `url` that failed before any response. */
export function connectionFailure(error: unknown, service: string, url: string): ConnectionError {
  const code = systemCodeOf(error);
  const reason = innermostMessage(error);
  let what: string;
  let isRetryable: boolean;
  if (code !== undefined && isCertificateCode(code)) {
    what = `certificate error: ${reason}`;
    isRetryable = false;
  } else if (code !== undefined) {
    what = DESCRIPTIONS[code] ?? reason;
    isRetryable = TRANSIENT.has(code);
  } else if (/unknown scheme|invalid url|failed to parse url/i.test(reason) || !/^https?:\/\//i.test(url)) {
    what = `the URL cannot be fetched (${reason}); a base URL starts with http:// or https://`;
    isRetryable = false;
  } else if (/bad port/i.test(reason)) {
    what = `the port is one fetch refuses to call (${reason})`;
    isRetryable = false;
  } else {
    what = reason;
    isRetryable = true;
  }
  return new ConnectionError({ provider: service, url, systemCode: code, message: `Could not reach ${service} at ${url}: ${what}${code === undefined || what.includes(code) ? "" : ` (${code})`}`, isRetryable, cause: error });
}

/** A connection that dropped after the answer began: retryable (while nothing was shown). */
export function droppedMidAnswer(error: unknown, service: string): ProviderError {
  const code = systemCodeOf(error);
  return new ProviderError({ message: `The connection to ${service} dropped mid-answer: ${(error as Error).message}${code === undefined ? "" : ` (${code})`}`, provider: service, isRetryable: true, cause: error });
}
