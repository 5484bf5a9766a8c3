// The presets whose URL is built from the account rather than fixed: Azure OpenAI (a resource's
// endpoint, the deployment in the path, `api-version` in the query, the key in `api-key`) and
// Vertex AI's Gemini (a project and a location in the path, an OAuth access token as bearer).
// Both speak a protocol formwork already has (Chat Completions; Gemini's generateContent).
import { ConfigurationError } from "../errors/configuration-error.js";
import { bearerAuth } from "../providers/provider-protocol.js";

/** The Azure OpenAI data-plane API version used when none is given (the latest GA one). */
export const AZURE_API_VERSION = "2024-10-21";

/** Settings of the cloud presets, beside the usual ProviderOptions. */
export interface CloudOptions {
  readonly baseURL?: string;
  /** Azure: the resource name (`https://{resource}.openai.azure.com`), instead of baseURL. */
  readonly resource?: string;
  /** Azure: the `api-version` query parameter; default OPENAI_API_VERSION, else {@link AZURE_API_VERSION}. */
  readonly apiVersion?: string;
  /** Vertex AI: the Google Cloud project; default GOOGLE_CLOUD_PROJECT. */
  readonly project?: string;
  /** Vertex AI: the region, or "global"; default GOOGLE_CLOUD_LOCATION, else "us-central1". */
  readonly location?: string;
}

/** How a cloud preset is reached: its base URL, where a body goes after it, and its auth headers. */
export interface CloudEndpoint {
  readonly baseURL: string;
  /** Rewrites the protocol's own path (Azure moves the model into it as the deployment). */
  readonly path?: (path: string, body: Record<string, unknown>) => string;
  readonly authHeaders: (apiKey: string | undefined) => Record<string, string>;
}

type Environment = (name: string) => string | undefined;

/** The endpoint of `provider` when it is a cloud preset, or undefined. Throws ConfigurationError. */
export function cloudEndpoint(provider: string, options: CloudOptions, environment: Environment): CloudEndpoint | undefined {
  if (provider === "azure") return azure(options, environment);
  if (provider === "vertex") return vertex(options, environment);
  return undefined;
}

function azure(options: CloudOptions, environment: Environment): CloudEndpoint {
  const endpoint = options.baseURL ?? (options.resource === undefined ? environment("AZURE_OPENAI_ENDPOINT") : `https://${options.resource}.openai.azure.com`);
  if (endpoint === undefined || endpoint === "") {
    throw new ConfigurationError({ option: "baseURL", message: 'formwork: the azure provider needs its endpoint: pass { resource: "my-resource" } or { baseURL: "https://my-resource.openai.azure.com" }, or set AZURE_OPENAI_ENDPOINT' });
  }
  // The resource's endpoint, as the portal shows it; the API lives under /openai.
  const trimmed = endpoint.replace(/\/+$/, "");
  const baseURL = /\/openai$/.test(trimmed) ? trimmed : `${trimmed}/openai`;
  const version = options.apiVersion ?? environment("OPENAI_API_VERSION") ?? AZURE_API_VERSION;
  return {
    baseURL,
    // A deployment, not a model, is named in the path: the call's `model` is the deployment name.
    path: (path, body) => {
      const deployment = body["model"];
      if (typeof deployment !== "string" || deployment === "") {
        throw new ConfigurationError({ option: "model", message: 'formwork: the azure provider needs a deployment name as the model: fromProvider("azure/my-deployment") or model: "my-deployment" on the call' });
      }
      return `/deployments/${encodeURIComponent(deployment)}${path}?api-version=${encodeURIComponent(version)}`;
    },
    // Azure takes the key in its own header (Microsoft Entra tokens go as `authorization` in headers).
    authHeaders: (apiKey) => (apiKey === undefined || apiKey === "" ? {} : { "api-key": apiKey }),
  };
}

function vertex(options: CloudOptions, environment: Environment): CloudEndpoint {
  const location = options.location ?? environment("GOOGLE_CLOUD_LOCATION") ?? "us-central1";
  if (options.baseURL !== undefined) return { baseURL: options.baseURL, authHeaders: bearerAuth };
  const project = options.project ?? environment("GOOGLE_CLOUD_PROJECT");
  if (project === undefined || project === "") {
    throw new ConfigurationError({ option: "project", message: 'formwork: the vertex provider needs a Google Cloud project: pass { project: "my-project" } or set GOOGLE_CLOUD_PROJECT (and { location } or GOOGLE_CLOUD_LOCATION; default us-central1)' });
  }
  const host = location === "global" ? "aiplatform.googleapis.com" : `${encodeURIComponent(location)}-aiplatform.googleapis.com`;
  // Gemini's protocol appends /models/{model}:streamGenerateContent?alt=sse to this.
  return { baseURL: `https://${host}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google`, authHeaders: bearerAuth };
}
