// The offline server's check of media inputs, as each real API makes it: the part types a wire
// knows, with the fields it requires (a data: URL that is base64, an audio format it decodes, a
// media type it takes). A part that breaks it is a 400 naming where, so a test against the
// offline server shows a request the real API would refuse.

type Json = Record<string, unknown>;

/** The wires the server speaks, as they write media. */
export type MediaWire = "chat" | "responses" | "messages" | "gemini" | "ollama";

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64 = (value: unknown) => typeof value === "string" && value !== "" && value.length % 4 === 0 && BASE64.test(value);
const isDataUrl = (value: unknown, type: RegExp) => typeof value === "string" && (/^data:([^;,]+);base64,(.*)$/s.exec(value) ?? []).length === 3 && type.test(value.slice(5, value.indexOf(";"))) && isBase64(value.slice(value.indexOf(",") + 1));
const isHttp = (value: unknown) => typeof value === "string" && /^https?:\/\//.test(value);
const WEB_IMAGE = /^image\/(png|jpeg|gif|webp)$/;

/** The first media part of `body` that its wire would refuse, or undefined. */
export function mediaProblem(wire: MediaWire, body: Json): string | undefined {
  const messages = (wire === "responses" ? body["input"] : wire === "gemini" ? body["contents"] : body["messages"]) as unknown;
  if (!Array.isArray(messages)) return undefined;
  for (const [index, message] of messages.entries()) {
    if (!isObject(message)) continue;
    const where = `${wire === "responses" ? "input" : wire === "gemini" ? "contents" : "messages"}[${index}]`;
    if (wire === "ollama") {
      const images = message["images"];
      if (images !== undefined && (!Array.isArray(images) || images.some((item) => !isBase64(item)))) return `${where}.images must be a list of base64 strings (no data: prefix)`;
      continue;
    }
    const parts = wire === "gemini" ? message["parts"] : message["content"];
    if (!Array.isArray(parts)) continue;
    for (const [partIndex, part] of parts.entries()) {
      const problem = isObject(part) ? partProblem(wire, part) : "a content part must be an object";
      if (problem !== undefined) return `${where}.${wire === "gemini" ? "parts" : "content"}[${partIndex}]: ${problem}`;
    }
  }
  return undefined;
}

function partProblem(wire: Exclude<MediaWire, "ollama">, part: Json): string | undefined {
  const type = part["type"];
  switch (wire) {
    case "chat":
      if (type === "text") return typeof part["text"] === "string" ? undefined : "text must be a string";
      if (type === "image_url") return isObject(part["image_url"]) && (isHttp(part["image_url"]["url"]) || isDataUrl(part["image_url"]["url"], WEB_IMAGE)) ? undefined : "image_url.url must be an http(s) URL or a base64 data: URL of a PNG, JPEG, GIF or WebP";
      if (type === "input_audio") return isObject(part["input_audio"]) && isBase64(part["input_audio"]["data"]) && ["wav", "mp3"].includes(String(part["input_audio"]["format"])) ? undefined : "input_audio needs base64 data and a format of wav or mp3";
      if (type === "file") return isObject(part["file"]) && isDataUrl(part["file"]["file_data"], /^application\/pdf$/) && typeof part["file"]["filename"] === "string" ? undefined : "file needs a filename and file_data as a base64 data: URL";
      return `unknown content part type ${JSON.stringify(type)} (expected text, image_url, input_audio or file)`;
    case "responses":
      if (type === "input_text" || type === "output_text") return typeof part["text"] === "string" ? undefined : "text must be a string";
      if (type === "input_image") return isHttp(part["image_url"]) || isDataUrl(part["image_url"], WEB_IMAGE) ? undefined : "input_image.image_url must be an http(s) URL or a base64 data: URL of an image";
      if (type === "input_file") return isHttp(part["file_url"]) || (isDataUrl(part["file_data"], /^application\/pdf$/) && typeof part["filename"] === "string") ? undefined : "input_file needs file_url, or filename and file_data as a base64 data: URL";
      return `unknown content part type ${JSON.stringify(type)} (expected input_text, input_image or input_file)`;
    case "messages": {
      if (type === "text") return typeof part["text"] === "string" ? undefined : "text must be a string";
      if (type === "tool_use" || type === "tool_result") return undefined;
      if (type !== "image" && type !== "document") return `unknown content block type ${JSON.stringify(type)}`;
      const source = part["source"];
      if (!isObject(source)) return `${type}.source is required`;
      if (source["type"] === "url") return isHttp(source["url"]) ? undefined : `${type}.source.url must be an http(s) URL`;
      const accepted = type === "image" ? WEB_IMAGE : /^application\/pdf$/;
      return source["type"] === "base64" && accepted.test(String(source["media_type"])) && isBase64(source["data"]) ? undefined : `${type}.source must be { type: "base64", media_type, data } with a media_type it takes, or { type: "url", url }`;
    }
    case "gemini":
      if (typeof part["text"] === "string" || isObject(part["functionCall"]) || isObject(part["functionResponse"])) return undefined;
      if (isObject(part["inlineData"])) return typeof part["inlineData"]["mimeType"] === "string" && isBase64(part["inlineData"]["data"]) ? undefined : "inlineData needs mimeType and base64 data";
      if (isObject(part["fileData"])) return typeof part["fileData"]["mimeType"] === "string" && typeof part["fileData"]["fileUri"] === "string" ? undefined : "fileData needs mimeType and fileUri";
      return "a part must hold text, inlineData, fileData, functionCall or functionResponse";
    default: {
      const never: never = wire;
      return String(never);
    }
  }
}
