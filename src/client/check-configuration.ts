// The checks a client makes when it is created, so that a configuration mistake is a
// ConfigurationError naming the fix, before any request (rather than a TypeError from deep
// inside, or an HTTP error later).
import { ConfigurationError } from "../errors/configuration-error.js";
import type { AnthropicMode } from "../providers/anthropic/messages-protocol.js";
import type { GeminiMode } from "../providers/gemini/gemini-protocol.js";
import type { OllamaMode } from "../providers/ollama/native-protocol.js";
import type { ChatMode } from "../providers/openai/chat-request.js";
import type { ResponsesMode } from "../providers/openai/responses-protocol.js";

/** The modes of each protocol, the default first. */
export const PROTOCOL_MODES = {
  chat: ["tools", "json_schema", "json", "md_json", "parallel_tools", "tools_strict"] satisfies readonly ChatMode[],
  responses: ["json_schema", "tools", "tools_strict"] satisfies readonly ResponsesMode[],
  anthropic: ["tools", "json_schema", "json", "md_json"] satisfies readonly AnthropicMode[],
  gemini: ["json_schema", "tools", "md_json"] satisfies readonly GeminiMode[],
  "ollama-native": ["json_schema", "tools", "json", "md_json"] satisfies readonly OllamaMode[],
} as const;

export type ProtocolKind = keyof typeof PROTOCOL_MODES;

/** The mode given (or the protocol's default), checked against the protocol's modes. */
export function checkMode(mode: unknown, kind: ProtocolKind, who: string): string {
  const modes: readonly string[] = PROTOCOL_MODES[kind];
  if (mode === undefined) return modes[0] as string;
  if (typeof mode !== "string" || !modes.includes(mode)) {
    throw new ConfigurationError({ option: "mode", message: `${who} takes the modes ${modes.map((item) => `"${item}"`).join(", ")}, not ${JSON.stringify(mode)}` });
  }
  return mode;
}

/**
 * A base URL must be an absolute http(s) URL: "localhost:8000/v1" would be read as a scheme.
 * It holds no user name or password: fetch refuses such a URL (every request would fail),
 * node:http would drop them silently, and a URL is quoted in errors, where a password must
 * never show.
 */
export function checkBaseURL(baseURL: unknown, who: string): string {
  if (typeof baseURL !== "string" || baseURL.trim() === "") {
    throw new ConfigurationError({ option: "baseURL", message: `${who}: baseURL must be a URL such as "http://localhost:8000/v1", not ${JSON.stringify(baseURL)}` });
  }
  let url: URL | undefined;
  try {
    url = new URL(baseURL);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    const fixed = /^[a-z][a-z0-9+.-]*:\/\//i.test(baseURL) ? "a URL that starts with http:// or https://" : `"http://${baseURL}" (or https://)`;
    throw new ConfigurationError({ option: "baseURL", message: `${who}: the baseURL ${JSON.stringify(baseURL)} has no http:// or https:// scheme; write ${fixed}` });
  }
  if (url.username !== "" || url.password !== "") {
    const bare = new URL(url);
    bare.username = "";
    bare.password = "";
    throw new ConfigurationError({
      option: "baseURL",
      message: `${who}: the baseURL holds a user name or password (${url.protocol}//…@${url.host}); fetch refuses such URLs, and a URL shows in error messages. Write ${JSON.stringify(bare.href)} and send the credentials in a header (an authorization header, or the apiKey)`,
    });
  }
  return baseURL;
}

// What a value is, in a few words.
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== "object") return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const keys = Object.keys(value);
  const kind = typeof name === "string" && name !== "Object" ? `an instance of ${name}` : "an object";
  return keys.length === 0 ? `${kind} with no properties` : `${kind} with the properties ${keys.slice(0, 5).join(", ")}${keys.length > 5 ? ", …" : ""}`;
}

/**
 * Checks that `client` has the method at `path` (such as chat.completions.create), as the SDK's
 * client does; otherwise names what was given and what to pass.
 */
export function checkSdkClient(client: unknown, path: readonly string[], who: string, expected: string): void {
  let value: unknown = client;
  for (const key of path) value = typeof value === "object" && value !== null || typeof value === "function" ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value === "function") return;
  throw new ConfigurationError({
    option: "client",
    message: `${who} expects ${expected}, with ${path.join(".")}(); it was given ${describe(client)}`,
  });
}
