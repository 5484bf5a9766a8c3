// The media type of bytes, read from their first bytes (the "magic numbers" each format starts
// with), so that a file named .png that holds a JPEG is sent as what it is.

const ascii = (bytes: Uint8Array, start: number, text: string) => text.split("").every((char, index) => bytes[start + index] === char.charCodeAt(0));

/** The media type of `bytes`, or undefined when it is none formwork knows. */
export function sniffMediaType(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x89 && ascii(bytes, 1, "PNG\r\n")) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (ascii(bytes, 0, "GIF87a") || ascii(bytes, 0, "GIF89a")) return "image/gif";
  if (ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WEBP")) return "image/webp";
  if (ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WAVE")) return "audio/wav";
  if (ascii(bytes, 4, "ftyp")) {
    const brand = String.fromCharCode(...bytes.slice(8, 12));
    if (brand === "heic" || brand === "heix" || brand === "mif1") return "image/heic";
    if (brand.startsWith("M4A")) return "audio/mp4";
    return undefined;
  }
  if (ascii(bytes, 0, "%PDF-")) return "application/pdf";
  if (ascii(bytes, 0, "ID3") || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0 && ((bytes[1] ?? 0) & 0x06) !== 0)) return "audio/mpeg";
  if (ascii(bytes, 0, "fLaC")) return "audio/flac";
  if (ascii(bytes, 0, "OggS")) return "audio/ogg";
  if (ascii(bytes, 0, "FORM") && ascii(bytes, 8, "AIFF")) return "audio/aiff";
  return undefined;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", heic: "image/heic",
  wav: "audio/wav", mp3: "audio/mpeg", flac: "audio/flac", ogg: "audio/ogg", m4a: "audio/mp4", aiff: "audio/aiff", pdf: "application/pdf",
};

/** The media type a URL or path's extension suggests (used only when there are no bytes to read). */
export function mediaTypeOfName(name: string): string | undefined {
  const match = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(name);
  return match === null ? undefined : EXTENSIONS[(match[1] as string).toLowerCase()];
}
