import { FormworkError } from "./formwork-error.js";

/**
 * A media input (`image()`, `audio()`, `pdf()`) could not be read, or is not what it says: a
 * file that does not exist, a URL that answered 404, base64 that does not decode, bytes that are
 * not an image. `source` names it (a URL without its query string, which may hold a signature).
 */
export class MediaError extends FormworkError {
  static override readonly kind: string = "MediaError";
  /** The source as shown in messages: a path, a URL without its query, or "base64 text (n characters)". */
  readonly source: string;

  constructor(details: { source: string; reason: string; cause?: unknown }) {
    super("media-unreadable", `Could not use the media ${details.source}: ${details.reason}`, { cause: details.cause });
    this.source = details.source;
  }
}
