// Reads a media part's source into what a provider takes: the URL itself, where the provider
// fetches URLs of that kind, or else the bytes (fetched, decoded or read from a file), with the
// media type read from the bytes. Web-standard APIs only: a file path is read by Node-only code
// (node/read-media-file.ts), imported only when a path is given and only where Node's API exists.
import { MediaError } from "../errors/media-error.js";
import { fromBase64, toBase64 } from "./base64.js";
import type { MediaKind, MediaOptions, MediaPart } from "./media-part.js";
import { mediaTypeOfName, sniffMediaType } from "./sniff-media-type.js";

/** A media part ready to be written in a provider's form: a URL, or base64 data. */
export interface LoadedMedia {
  readonly kind: MediaKind;
  readonly options: MediaOptions;
  /** Set when the provider is given the URL to fetch itself. */
  readonly url: string | undefined;
  /** Set when the bytes are sent: standard base64. */
  readonly base64: string | undefined;
  /** Read from the bytes; for a URL, the option or the extension (may be undefined). */
  readonly mediaType: string | undefined;
  /** The file name: the option, else the last part of the path or URL. */
  readonly filename: string | undefined;
  /** The source as errors name it. */
  readonly label: string;
}

/** How to load: which URLs the provider fetches itself; the call's signal and fetch. */
export interface LoadOptions {
  readonly takesUrl: (url: string) => boolean;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof globalThis.fetch;
}

/** Larger media is refused: no provider takes more inline, and it would all sit in memory. */
export const MAX_MEDIA_BYTES = 64 * 1024 * 1024;

type Located =
  | { readonly from: "url"; readonly url: string }
  | { readonly from: "path"; readonly path: string }
  | { readonly from: "base64"; readonly text: string; readonly declared: string | undefined }
  | { readonly from: "bytes"; readonly read: () => Promise<Uint8Array> };

const KIND_NAMES: Readonly<Record<MediaKind, string>> = { image: "an image", audio: "audio", pdf: "a PDF" };

/** Whether a media type is of `kind`. */
export function isOfKind(mediaType: string, kind: MediaKind): boolean {
  return kind === "pdf" ? mediaType === "application/pdf" : mediaType.startsWith(`${kind}/`);
}

function locate(source: MediaPart["source"]): Located {
  if (typeof source === "string") return locateText(source);
  if (source instanceof Uint8Array) return { from: "bytes", read: async () => source };
  if (source instanceof ArrayBuffer) return { from: "bytes", read: async () => new Uint8Array(source) };
  if (typeof Blob !== "undefined" && source instanceof Blob) return { from: "bytes", read: async () => new Uint8Array(await source.arrayBuffer()) };
  if (typeof source === "object" && source !== null) {
    if ("url" in source && typeof source.url === "string") return source.url.startsWith("data:") ? locateText(source.url) : { from: "url", url: source.url };
    if ("path" in source && typeof source.path === "string") return { from: "path", path: source.path };
    if ("base64" in source && typeof source.base64 === "string") return { from: "base64", text: source.base64, declared: undefined };
    if ("data" in source) return locate(source.data as Uint8Array);
  }
  throw new MediaError({ source: describeValue(source), reason: "it is not a source formwork reads (give a URL, a data: URL, base64 text, bytes, a Blob or a file path)" });
}

function locateText(text: string): Located {
  if (/^(https?|gs):\/\//i.test(text)) return { from: "url", url: text };
  if (text.startsWith("data:")) {
    const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(text);
    if (match === null) throw new MediaError({ source: "a data: URL", reason: "it is not of the form data:<type>;base64,<data>" });
    const declared = match[1] === "" ? undefined : match[1];
    if ((match[2] ?? "").includes(";base64")) return { from: "base64", text: match[3] as string, declared };
    const body = match[3] as string;
    return { from: "bytes", read: async () => new TextEncoder().encode(decodeURIComponent(body)) };
  }
  if (/^(file:|\/|\.\.?[/\\]|~[/\\]|[A-Za-z]:[/\\])/.test(text)) return { from: "path", path: text };
  if (/^[A-Za-z0-9+/_\-\r\n]+={0,2}$/.test(text) && text.length >= 8) return { from: "base64", text, declared: undefined };
  if (/^[^\s]+\.[A-Za-z0-9]{1,5}$/.test(text)) return { from: "path", path: text };
  throw new MediaError({ source: describeValue(text), reason: "it is neither a URL, a data: URL, a file path nor base64 text (say which with { url }, { path } or { base64 })" });
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return value.length > 60 ? `text "${value.slice(0, 40)}…" (${value.length} characters)` : `"${value}"`;
  return value === null ? "null" : typeof value === "object" ? `an object with keys ${Object.keys(value as object).join(", ") || "(none)"}` : String(typeof value);
}

// A URL as errors show it: without its query and fragment, which may carry a signature or a token.
function describeUrl(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : `${url.slice(0, cut)}?…`;
}

function labelOf(located: Located): string {
  switch (located.from) {
    case "url":
      return describeUrl(located.url);
    case "path":
      return located.path;
    case "base64":
      return `base64 text (${located.text.length} characters)`;
    case "bytes":
      return "bytes";
    default: {
      const never: never = located;
      return String(never);
    }
  }
}

function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof process?.versions?.node === "string";
}

async function readPath(path: string, label: string): Promise<Uint8Array> {
  if (!isNode()) throw new MediaError({ source: label, reason: "file paths are read only on Node (and runtimes with its fs API); in a browser, give bytes, a Blob or a URL" });
  try {
    const { readMediaFile } = await import("./node/read-media-file.js");
    return await readMediaFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new MediaError({ source: label, reason, cause: error });
  }
}

async function fetchUrl(url: string, label: string, options: LoadOptions): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await (options.fetch ?? globalThis.fetch)(url, options.signal === undefined ? {} : { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    throw new MediaError({ source: label, reason: `it could not be fetched (${(error as Error).message})`, cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new MediaError({ source: label, reason: `fetching it answered ${response.status} ${response.statusText}`.trim() });
  }
  if (Number(response.headers.get("content-length") ?? 0) > MAX_MEDIA_BYTES) {
    await response.body?.cancel();
    throw new MediaError({ source: label, reason: `it is larger than ${MAX_MEDIA_BYTES} bytes` });
  }
  return new Uint8Array(await response.arrayBuffer());
}

function fileName(located: Located, options: MediaOptions): string | undefined {
  if (options.filename !== undefined) return options.filename;
  const name = located.from === "url" ? new URL(located.url).pathname : located.from === "path" ? located.path : undefined;
  const last = name?.split(/[/\\]/).pop();
  return last === undefined || last === "" ? undefined : decodeURIComponent(last);
}

/** Loads a media part for a provider. Throws MediaError naming the source. */
export async function loadMedia(part: MediaPart, options: LoadOptions): Promise<LoadedMedia> {
  const located = locate(part.source);
  const label = labelOf(located);
  const filename = fileName(located, part.options);
  if (located.from === "url" && options.takesUrl(located.url)) {
    return { kind: part.kind, options: part.options, url: located.url, base64: undefined, mediaType: part.options.mediaType ?? mediaTypeOfName(located.url), filename, label };
  }
  let bytes: Uint8Array;
  switch (located.from) {
    case "url":
      bytes = await fetchUrl(located.url, label, options);
      break;
    case "path":
      bytes = await readPath(located.path, label);
      break;
    case "base64":
      try {
        bytes = fromBase64(located.text);
      } catch (error) {
        throw new MediaError({ source: label, reason: "it is not valid base64", cause: error });
      }
      break;
    case "bytes":
      bytes = await located.read();
      break;
    default: {
      const never: never = located;
      throw new TypeError(String(never));
    }
  }
  if (bytes.length === 0) throw new MediaError({ source: label, reason: "it is empty" });
  if (bytes.length > MAX_MEDIA_BYTES) throw new MediaError({ source: label, reason: `it is larger than ${MAX_MEDIA_BYTES} bytes` });
  const sniffed = sniffMediaType(bytes);
  const mediaType = sniffed ?? (located.from === "base64" ? located.declared : undefined) ?? part.options.mediaType;
  if (mediaType === undefined) {
    throw new MediaError({ source: label, reason: `its bytes are no ${part.kind} format formwork recognises; if it is one, give { mediaType } in the options` });
  }
  if (!isOfKind(mediaType, part.kind)) throw new MediaError({ source: label, reason: `it holds ${mediaType}, not ${KIND_NAMES[part.kind]}: use ${mediaType === "application/pdf" ? "pdf" : mediaType.split("/")[0]}() for it` });
  return { kind: part.kind, options: part.options, url: undefined, base64: toBase64(bytes), mediaType, filename, label };
}
