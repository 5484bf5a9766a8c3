import { ProviderError } from "./provider-error.js";

/**
 * The request never got an answer: the connection was refused or reset, the host name is
 * unknown, the certificate failed, or the URL cannot be fetched. `url` is the URL called and
 * `systemCode` the system's code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`,
 * `CERT_HAS_EXPIRED`...). Refused and reset connections are retryable; an unknown host, a
 * certificate error and an unknown scheme are not (asking again gives the same answer).
 */
export class ConnectionError extends ProviderError {
  static override readonly kind: string = "ConnectionError";
  readonly url: string;
  readonly systemCode: string | undefined;

  constructor(details: { provider: string; url: string; systemCode: string | undefined; message: string; isRetryable: boolean; cause?: unknown }) {
    super({ code: "connection-failed", message: details.message, provider: details.provider, isRetryable: details.isRetryable, cause: details.cause });
    this.url = details.url;
    this.systemCode = details.systemCode;
  }
}
