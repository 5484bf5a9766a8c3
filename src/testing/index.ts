// formwork/testing: the offline model server, its sample data, and helpers for demos and
// tests that run offline or against a live provider (Node only).
export { startModelServer } from "./model-server.js";
export type { ModelServer, ModelServerOptions, ModelFault, ScriptedAnswer } from "./model-server.js";
export { sampleValue, seededRandom } from "./sample-data.js";
export { connectModel, withModel } from "./connect-model.js";
export type { ConnectModelOptions, ModelConnection } from "./connect-model.js";
export { terminalOutput, capturedOutput } from "./terminal-output.js";
export type { TerminalOutput, TextStream } from "./terminal-output.js";
