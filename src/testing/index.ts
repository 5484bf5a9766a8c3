// formwork/testing: the offline model server and its sample data (Node only).
export { startModelServer } from "./model-server.js";
export type { ModelServer, ModelServerOptions, ModelFault, ScriptedAnswer } from "./model-server.js";
export { sampleValue, seededRandom } from "./sample-data.js";
