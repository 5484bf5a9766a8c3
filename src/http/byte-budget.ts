// One per-stream budget for everything the client buffers while reading a stream: the answer,
// text of channels the mode ignores, an SSE line or event not yet ended, an error body. Each
// holder says how much it holds now; past the limit the stream ends with a LimitError, before
// memory grows without bound (a flood of ignored deltas, a line that never ends).
import { LimitError } from "../errors/limit-error.js";

/** The default `maxLength`: 64 Mi characters, as the JSON parser's own limit. */
export const DEFAULT_MAX_LENGTH = 64 * 1024 * 1024;

export class ByteBudget {
  // What each holder holds, by its name: a handful of holders, asked every read (a scan of a
  // few names costs less than a Map's hashing).
  private readonly holders: string[] = [];
  private readonly sizes: number[] = [];
  private total = 0;

  /** `service` names the server in the error. */
  constructor(
    readonly limit: number,
    private readonly service: string,
  ) {}

  /** Records that `what` now holds `size` characters; throws LimitError past the limit. */
  hold(what: string, size: number): void {
    let at = this.holders.indexOf(what);
    if (at < 0) {
      at = this.holders.push(what) - 1;
      this.sizes.push(0);
    }
    this.total += size - (this.sizes[at] as number);
    this.sizes[at] = size;
    if (this.total > this.limit) throw new LimitError({ limit: this.limit, what, provider: this.service });
  }

  /** Whether `size` more characters would still fit. */
  fits(size: number): boolean {
    return this.total + size <= this.limit;
  }
}
