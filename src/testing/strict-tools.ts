// The offline server's check of strict function tools (OpenAI's `strict: true`, on Chat
// Completions and Responses), as the real API makes it: the parameters must be in the strict
// subset, where every object lists all its properties as required and closes itself with
// `additionalProperties: false`. A tool that breaks it is the same 400 a client would get.

type Json = Record<string, unknown>;

/** The first place a strict tool's parameters leave the strict subset, or undefined. */
export function strictToolProblem(body: Json): string | undefined {
  const tools = Array.isArray(body["tools"]) ? (body["tools"] as Json[]) : [];
  for (const tool of tools) {
    // Chat Completions nests the function; Responses does not.
    const fn = (typeof tool["function"] === "object" && tool["function"] !== null ? tool["function"] : tool) as Json;
    if (fn["strict"] !== true) continue;
    const problem = objectProblem(fn["parameters"], "");
    if (problem !== undefined) return `Invalid schema for function '${String(fn["name"])}': ${problem}`;
  }
  return undefined;
}

function objectProblem(schema: unknown, context: string): string | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  const node = schema as Json;
  const isObject = node["type"] === "object" || (Array.isArray(node["type"]) && node["type"].includes("object")) || node["properties"] !== undefined;
  if (isObject) {
    const keys = Object.keys((node["properties"] as Json | undefined) ?? {});
    const required = Array.isArray(node["required"]) ? (node["required"] as string[]) : [];
    const missing = keys.find((key) => !required.includes(key));
    if (missing !== undefined) return `In context=(${context}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    if (node["additionalProperties"] !== false) return `In context=(${context}), 'additionalProperties' is required to be supplied and to be false.`;
  }
  for (const [keyword, value] of Object.entries(node)) {
    const children = keyword === "properties" || keyword === "$defs" || keyword === "definitions" ? Object.entries(value as Json) : keyword === "items" ? [["items", value] as const] : keyword === "anyOf" && Array.isArray(value) ? value.map((item, index) => [`anyOf/${index}`, item] as const) : [];
    for (const [name, child] of children) {
      const problem = objectProblem(child, context === "" ? `'${name}'` : `${context}, '${name}'`);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
