// formwork/server: formwork streams over HTTP as patches (web-standard; Node's own response
// object is in formwork/server/node).
export { toResponse } from "./to-response.js";
export { toPatchStream } from "./to-patch-stream.js";
export type { PatchSource, PartialSource, ItemSource, PatchStreamOptions } from "./to-patch-stream.js";
export { PATCH_HEADERS, PATCH_VERSION } from "../transport/protocol.js";
