export { image, audio, pdf, isMediaPart } from "./media-part.js";
export type { MediaPart, MediaKind, MediaSource, MediaOptions } from "./media-part.js";
export { sniffMediaType } from "./sniff-media-type.js";
export type { MediaForm } from "./provider-media.js";
