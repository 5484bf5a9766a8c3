export type { TelemetryOptions, TracerLike } from "./call-trace.js";
