// Test support for the batch tests: the offline server and a client whose requests take a
// fault when the item's text names one ("FAULT:429"), so each item can misbehave on its own.
import { fromProvider } from "../../client/from-provider.js";
import { startModelServer, type ModelServer, type ModelServerOptions } from "../../testing/model-server.js";

export const INVOICE_SCHEMA = {
  type: "object",
  properties: { vendor: { type: "string" }, total: { type: "number" }, currency: { type: "string", enum: ["EUR", "USD"] } },
  required: ["vendor", "total", "currency"],
  additionalProperties: false,
} as const;

export async function offlineServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  return startModelServer(options);
}

/** A client of the offline server; `FAULT:name` in a prompt sends that fault's header. */
export function faultingClient(server: ModelServer, onRequest?: (body: string) => void) {
  return fromProvider({
    baseURL: server.url,
    apiKey: "offline",
    fetch: (input, init) => {
      const body = typeof init?.body === "string" ? init.body : "";
      onRequest?.(body);
      const fault = /FAULT:([\w-]+)/.exec(body)?.[1];
      const headers = new Headers(init?.headers);
      if (fault !== undefined) headers.set("x-formwork-fault", fault);
      return fetch(input, { ...init, headers });
    },
  });
}
