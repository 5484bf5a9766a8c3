// formwork/node: what only Node has. An HttpClient on node:http and node:https, for servers
// that hold many streams at once (the core sends with fetch, which runs everywhere).
export { nodeHttpClient, type NodeHttpClientOptions } from "../http/node/node-http-client.js";
export type { ByteReader, HttpClient, HttpRequest, HttpResponse } from "../http/http-client.js";
