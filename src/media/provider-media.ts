// Each provider's form of media inputs, and which it takes at all. The client checks a call's
// media against its provider before anything is sent (a ConfigurationError names what is not
// taken), loads what must be sent as bytes, and writes each message in the provider's form.
import { ConfigurationError } from "../errors/configuration-error.js";
import { MediaError } from "../errors/media-error.js";
import { loadMedia, type LoadedMedia, type LoadOptions } from "./load-media.js";
import { isMediaPart, type MediaKind, type MediaPart } from "./media-part.js";

/** The media forms of the wires: a protocol names the one it writes (ProviderProtocol.media). */
export type MediaForm = "openai-chat" | "openai-responses" | "anthropic" | "gemini" | "ollama";

type Json = Record<string, unknown>;

interface FormRules {
  readonly name: string;
  readonly kinds: readonly MediaKind[];
  /** The media types it takes, per kind, where it takes only some. */
  readonly types?: Partial<Record<MediaKind, readonly string[]>>;
  /** Whether it fetches this URL itself (else formwork fetches it and sends the bytes). */
  takesUrl(kind: MediaKind, url: string): boolean;
}

const isHttp = (url: string) => /^https?:\/\//i.test(url);
const WEB_IMAGES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

const RULES: Readonly<Record<MediaForm, FormRules>> = {
  "openai-chat": { name: "Chat Completions", kinds: ["image", "audio", "pdf"], types: { image: WEB_IMAGES, audio: ["audio/wav", "audio/mpeg"] }, takesUrl: (kind, url) => kind === "image" && isHttp(url) },
  "openai-responses": { name: "the Responses API", kinds: ["image", "pdf"], types: { image: WEB_IMAGES }, takesUrl: (_kind, url) => isHttp(url) },
  anthropic: { name: "Anthropic's Messages API", kinds: ["image", "pdf"], types: { image: WEB_IMAGES }, takesUrl: (_kind, url) => isHttp(url) },
  // Gemini fetches Cloud Storage, its own Files API and YouTube URLs; other URLs are sent inline.
  gemini: {
    name: "Gemini",
    kinds: ["image", "audio", "pdf"],
    takesUrl: (_kind, url) => /^gs:\/\//.test(url) || url.startsWith("https://generativelanguage.googleapis.com/") || /^https:\/\/(www\.)?(youtube\.com|youtu\.be)\//.test(url),
  },
  ollama: { name: "Ollama's native API", kinds: ["image"], takesUrl: () => false },
};

const WITH_KIND: Readonly<Record<MediaKind, readonly MediaForm[]>> = {
  image: ["openai-chat", "openai-responses", "anthropic", "gemini", "ollama"],
  audio: ["openai-chat", "gemini"],
  pdf: ["openai-chat", "openai-responses", "anthropic", "gemini"],
};

/** Whether any message holds an image(), audio() or pdf() part. */
export function hasMedia(messages: readonly unknown[]): boolean {
  return messages.some((message) => {
    const content = typeof message === "object" && message !== null ? (message as Json)["content"] : undefined;
    return Array.isArray(content) && content.some(isMediaPart);
  });
}

/** Throws ConfigurationError for the first media part `form` does not take (before any request). */
export function checkMedia(form: MediaForm | undefined, provider: string, messages: readonly unknown[]): void {
  messages.forEach((message, index) => {
    const content = typeof message === "object" && message !== null ? (message as Json)["content"] : undefined;
    if (!Array.isArray(content)) return;
    content.forEach((part: unknown, partIndex) => {
      if (!isMediaPart(part)) return;
      if (form !== undefined && RULES[form].kinds.includes(part.kind)) return;
      const wire = form === undefined ? `the ${provider} provider` : `${RULES[form].name} (the ${provider} provider)`;
      const others = WITH_KIND[part.kind].map((name) => RULES[name].name).join(", ");
      throw new ConfigurationError({ option: "messages", message: `formwork: ${wire} does not take ${part.kind} input (messages[${index}].content[${partIndex}]). ${capitalise(part.kind)} goes to: ${others}.` });
    });
  });
}

const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** The messages with every media part loaded and written in `form`. Throws MediaError, ConfigurationError. */
export async function toProviderMessages(form: MediaForm, provider: string, messages: readonly Json[], options: Omit<LoadOptions, "takesUrl">): Promise<Json[]> {
  checkMedia(form, provider, messages);
  const rules = RULES[form];
  // The first failure stops the other downloads.
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const load = (part: MediaPart) => loadMedia(part, { ...options, signal, takesUrl: (url) => rules.takesUrl(part.kind, url) });
  const loading = Promise.all(
    messages.map(async (message) => {
      const content = message["content"];
      if (!Array.isArray(content) || !content.some(isMediaPart)) return message;
      const parts = await Promise.all(content.map(async (part: unknown) => (isMediaPart(part) ? checkType(rules, provider, await load(part)) : part)));
      return writeMessage(form, message, parts);
    }),
  );
  loading.catch((error: unknown) => stop.abort(error));
  return loading;
}

function checkType(rules: FormRules, provider: string, media: LoadedMedia): LoadedMedia {
  const types = rules.types?.[media.kind];
  if (types !== undefined && media.mediaType !== undefined && !types.includes(media.mediaType)) {
    throw new ConfigurationError({ option: "messages", message: `formwork: ${rules.name} (the ${provider} provider) does not take ${media.mediaType} (${media.label}); it takes ${media.kind} as ${types.join(", ")}` });
  }
  return media;
}

const dataUrl = (media: LoadedMedia) => `data:${media.mediaType};base64,${media.base64}`;
const textOf = (part: unknown): string | undefined => (typeof part === "string" ? part : typeof part === "object" && part !== null && (part as Json)["type"] === "text" && typeof (part as Json)["text"] === "string" ? ((part as Json)["text"] as string) : undefined);

function writeMessage(form: MediaForm, message: Json, parts: readonly unknown[]): Json {
  switch (form) {
    case "openai-chat":
      return { ...message, content: parts.map((part) => (isLoaded(part) ? chatPart(part) : typeof part === "string" ? { type: "text", text: part } : part)) };
    case "openai-responses":
      return { ...message, content: parts.map((part) => (isLoaded(part) ? responsesPart(part) : textOf(part) !== undefined ? { type: "input_text", text: textOf(part) } : part)) };
    case "anthropic":
      return { ...message, content: parts.map((part) => (isLoaded(part) ? anthropicPart(part) : typeof part === "string" ? { type: "text", text: part } : part)) };
    case "gemini": {
      const rest: Json = { ...message };
      delete rest["content"];
      const role = message["role"] === "assistant" ? "model" : "user";
      return { ...rest, role, parts: parts.map((part) => (isLoaded(part) ? geminiPart(part) : textOf(part) !== undefined ? { text: textOf(part) } : part)) };
    }
    case "ollama": {
      // Ollama's message takes text as its content and images beside it, as bare base64.
      const text = parts.map(textOf).filter((item) => item !== undefined).join("\n");
      return { ...message, content: text, images: parts.filter(isLoaded).map((part) => part.base64) };
    }
    default: {
      const never: never = form;
      throw new TypeError(`formwork: unknown media form ${String(never)}`);
    }
  }
}

function isLoaded(part: unknown): part is LoadedMedia {
  return typeof part === "object" && part !== null && "label" in part && "kind" in part && "base64" in part;
}

function chatPart(media: LoadedMedia): Json {
  switch (media.kind) {
    case "image":
      return { type: "image_url", image_url: { url: media.url ?? dataUrl(media), ...(media.options.detail === undefined ? {} : { detail: media.options.detail }) } };
    case "audio":
      return { type: "input_audio", input_audio: { data: media.base64, format: media.mediaType === "audio/mpeg" ? "mp3" : "wav" } };
    case "pdf":
      return { type: "file", file: { filename: media.filename ?? "document.pdf", file_data: dataUrl(media) } };
    default:
      return unknownKind(media.kind);
  }
}

function responsesPart(media: LoadedMedia): Json {
  if (media.kind === "image") return { type: "input_image", image_url: media.url ?? dataUrl(media), detail: media.options.detail ?? "auto" };
  return media.url !== undefined ? { type: "input_file", file_url: media.url } : { type: "input_file", filename: media.filename ?? "document.pdf", file_data: dataUrl(media) };
}

function anthropicPart(media: LoadedMedia): Json {
  const source = media.url !== undefined ? { type: "url", url: media.url } : { type: "base64", media_type: media.mediaType, data: media.base64 };
  return { type: media.kind === "pdf" ? "document" : "image", source };
}

function geminiPart(media: LoadedMedia): Json {
  if (media.url === undefined) return { inlineData: { mimeType: media.mediaType, data: media.base64 } };
  if (media.mediaType === undefined) throw new MediaError({ source: media.label, reason: "Gemini needs its media type with a URL, and the name does not tell it: give { mediaType } in the options" });
  return { fileData: { mimeType: media.mediaType, fileUri: media.url } };
}

function unknownKind(kind: never): never {
  throw new TypeError(`formwork: unknown media kind ${String(kind)}`);
}
