// formwork/server/node: the patch stream on Node's own http.ServerResponse.
export { pipeToNodeResponse } from "./pipe-to-node-response.js";
