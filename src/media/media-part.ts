// Images, audio and PDFs inside a message's content, written once and converted to each
// provider's own form when the call is sent: `content: ["What is on this receipt?", image("./receipt.jpg")]`.

/** What a media part holds. */
export type MediaKind = "image" | "audio" | "pdf";

/**
 * Where media comes from:
 * - a string: an `http(s):` URL (or `gs:` for Gemini), a `data:` URL, a file path (Node: `/`,
 *   `./`, `../`, `~/`, `file:`, or any name with an extension), or else base64 text;
 * - bytes: a Uint8Array, an ArrayBuffer, or a Blob;
 * - or said outright: `{ url }`, `{ path }`, `{ base64 }`, `{ data }`.
 */
export type MediaSource =
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | { readonly url: string }
  | { readonly path: string }
  | { readonly base64: string }
  | { readonly data: Uint8Array | ArrayBuffer | Blob };

/** Options of a media part. */
export interface MediaOptions {
  /** The media type, where the bytes cannot tell it (a URL the provider fetches itself). Bytes win. */
  readonly mediaType?: string;
  /** The file name some providers show the model (PDFs on OpenAI); default from the path or URL. */
  readonly filename?: string;
  /** Images: how closely the model looks (OpenAI: "low", "high", "auto"). */
  readonly detail?: "low" | "high" | "auto";
}

const MEDIA = Symbol.for("formwork.media");

/** An image, audio or PDF in a message's content. Made by {@link image}, {@link audio}, {@link pdf}. */
export interface MediaPart {
  readonly type: "media";
  readonly kind: MediaKind;
  readonly source: MediaSource;
  readonly options: MediaOptions;
  readonly [MEDIA]: true;
}

function media(kind: MediaKind, source: MediaSource, options: MediaOptions): MediaPart {
  if (source === undefined || source === null || source === "") throw new TypeError(`formwork: ${kind}() needs a source: a URL, a data: URL, base64 text, bytes or a file path`);
  return { type: "media", kind, source, options, [MEDIA]: true };
}

/**
 * An image for a message's content: PNG, JPEG, GIF, WebP (and HEIC where the provider takes it).
 *
 * @example
 * messages: [{ role: "user", content: ["Read the receipt.", image("./receipt.jpg")] }]
 * image("https://example.com/cat.png", { detail: "low" })
 */
export function image(source: MediaSource, options: MediaOptions = {}): MediaPart {
  return media("image", source, options);
}

/** Audio for a message's content: WAV, MP3 (and FLAC, OGG, AIFF, M4A where the provider takes them). */
export function audio(source: MediaSource, options: MediaOptions = {}): MediaPart {
  return media("audio", source, options);
}

/** A PDF document for a message's content. */
export function pdf(source: MediaSource, options: MediaOptions = {}): MediaPart {
  return media("pdf", source, options);
}

/** True for a part made by image(), audio() or pdf() (from any copy of formwork). */
export function isMediaPart(value: unknown): value is MediaPart {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MEDIA] === true;
}
