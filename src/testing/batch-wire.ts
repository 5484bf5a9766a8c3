// The offline model server's batch APIs (Node): OpenAI's Files and Batches (POST /v1/files,
// POST /v1/batches, GET /v1/batches/{id}, GET /v1/files/{id}/content) and Anthropic's Message
// Batches (POST /v1/messages/batches, GET /v1/messages/batches/{id}, GET …/{id}/results).
// Each request of a batch is answered by the server's own chat endpoint, over loopback, so a
// batch answers exactly as the same requests sent one by one would.
//
// Faults for tests:
// - per request: a message containing `BATCH:expire` is left unprocessed when the batch ends
//   (expired), one containing `BATCH:error` fails with a 400 error;
// - per batch: the header `x-formwork-batch-fault: fail` makes an OpenAI batch fail its
//   validation (`failed`, with `errors`), `expire` makes a batch expire with every request in it.
import type { IncomingMessage, ServerResponse } from "node:http";

type Json = Record<string, unknown>;

interface StoredFile {
  readonly id: string;
  readonly filename: string;
  readonly purpose: string;
  readonly content: string;
  readonly createdAt: number;
}

interface LineOutcome {
  readonly key: string;
  readonly status: "succeeded" | "errored" | "expired";
  readonly statusCode?: number;
  readonly body?: Json;
}

const now = () => Math.floor(Date.now() / 1000);

function send(response: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  response.writeHead(status, { "content-type": contentType });
  response.end(typeof body === "string" ? body : JSON.stringify(body));
}

function openAIError(response: ServerResponse, status: number, message: string, param: string | null = null): void {
  send(response, status, { error: { message, type: "invalid_request_error", param, code: null } });
}

function anthropicError(response: ServerResponse, status: number, message: string, type = "invalid_request_error"): void {
  send(response, status, { type: "error", error: { type, message } });
}

/** The batch routes; `handle` answers a request if it is one of them and returns false otherwise. */
export function batchRoutes(baseUrl: () => string, options: { readonly concurrency?: number } = {}) {
  const files = new Map<string, StoredFile>();
  const openAIBatches = new Map<string, Json>();
  const anthropicBatches = new Map<string, { batch: Json; results: LineOutcome[] }>();
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${String(++counter).padStart(8, "0")}`;

  // Answers each request through the server's own endpoint, a few at a time.
  async function process(requests: readonly { key: string; url: string; body: Json; headers: Record<string, string> }[], expireAll: boolean): Promise<LineOutcome[]> {
    const outcomes: LineOutcome[] = new Array(requests.length);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < requests.length; index = next++) {
        const request = requests[index] as (typeof requests)[number];
        const text = JSON.stringify(request.body["messages"] ?? "");
        if (expireAll || text.includes("BATCH:expire")) {
          outcomes[index] = { key: request.key, status: "expired" };
          continue;
        }
        if (text.includes("BATCH:error")) {
          outcomes[index] = { key: request.key, status: "errored", statusCode: 400, body: { message: "The offline model refused this request (the BATCH:error fault)" } };
          continue;
        }
        const answer = await fetch(`${baseUrl()}${request.url}`, { method: "POST", headers: { "content-type": "application/json", ...request.headers }, body: JSON.stringify({ ...request.body, stream: false }) });
        const body = (await answer.json()) as Json;
        outcomes[index] = answer.ok ? { key: request.key, status: "succeeded", statusCode: 200, body } : { key: request.key, status: "errored", statusCode: answer.status, body };
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
    return outcomes;
  }

  async function uploadFile(request: IncomingMessage, response: ServerResponse, raw: Buffer): Promise<void> {
    const type = String(request.headers["content-type"] ?? "");
    if (!type.startsWith("multipart/form-data")) return openAIError(response, 400, "Upload a file as multipart/form-data with the fields purpose and file");
    const form = await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData();
    const file = form.get("file");
    const purpose = form.get("purpose");
    if (purpose !== "batch") return openAIError(response, 400, `purpose must be "batch" here, not ${JSON.stringify(purpose)}`, "purpose");
    if (file === null || typeof file === "string") return openAIError(response, 400, "The form has no file", "file");
    const stored: StoredFile = { id: nextId("file-offline"), filename: (file as File).name, purpose, content: await (file as File).text(), createdAt: now() };
    files.set(stored.id, stored);
    send(response, 200, { id: stored.id, object: "file", bytes: Buffer.byteLength(stored.content), created_at: stored.createdAt, filename: stored.filename, purpose });
  }

  function createOpenAIBatch(request: IncomingMessage, response: ServerResponse, body: Json): void {
    const file = files.get(String(body["input_file_id"]));
    if (file === undefined) return openAIError(response, 404, `No such file: ${String(body["input_file_id"])}`, "input_file_id");
    if (body["endpoint"] !== "/v1/chat/completions") return openAIError(response, 400, `The offline model batches /v1/chat/completions only, not ${String(body["endpoint"])}`, "endpoint");
    if (body["completion_window"] !== "24h") return openAIError(response, 400, 'completion_window must be "24h"', "completion_window");
    const fault = String(request.headers["x-formwork-batch-fault"] ?? "");
    const id = nextId("batch_offline");
    const lines = file.content.split("\n").filter((line) => line.trim() !== "");
    const batch: Json = {
      id,
      object: "batch",
      endpoint: body["endpoint"],
      errors: null,
      input_file_id: file.id,
      completion_window: "24h",
      status: "validating",
      output_file_id: null,
      error_file_id: null,
      created_at: now(),
      in_progress_at: null,
      expires_at: now() + 86_400,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: lines.length, completed: 0, failed: 0 },
      metadata: body["metadata"] ?? null,
    };
    openAIBatches.set(id, batch);
    send(response, 200, batch);
    void runOpenAIBatch(batch, lines, fault, request.headers);
  }

  async function runOpenAIBatch(batch: Json, lines: readonly string[], fault: string, headers: IncomingMessage["headers"]): Promise<void> {
    const requests: { key: string; url: string; body: Json; headers: Record<string, string> }[] = [];
    const problems: Json[] = [];
    lines.forEach((line, index) => {
      try {
        const parsed = JSON.parse(line) as Json;
        if (typeof parsed["custom_id"] !== "string" || parsed["method"] !== "POST" || parsed["url"] !== batch["endpoint"] || typeof parsed["body"] !== "object") throw new Error("a line needs custom_id, method POST, the batch's url and a body");
        requests.push({ key: parsed["custom_id"], url: parsed["url"] as string, body: parsed["body"] as Json, headers: { authorization: String(headers["authorization"] ?? "") } });
      } catch (error) {
        problems.push({ code: "invalid_request", message: (error as Error).message, param: null, line: index + 1 });
      }
    });
    if (fault === "fail" || problems.length > 0) {
      const errors = problems.length > 0 ? problems : [{ code: "invalid_request", message: "The offline model failed this batch's validation (the fail fault)", param: null, line: null }];
      Object.assign(batch, { status: "failed", failed_at: now(), errors: { object: "list", data: errors } });
      return;
    }
    Object.assign(batch, { status: "in_progress", in_progress_at: now() });
    const outcomes = await process(requests, fault === "expire");
    Object.assign(batch, { status: "finalizing", finalizing_at: now() });
    const output: string[] = [];
    const errors: string[] = [];
    for (const outcome of outcomes) {
      const id = nextId("batch_req_");
      if (outcome.status === "succeeded") output.push(JSON.stringify({ id, custom_id: outcome.key, response: { status_code: 200, request_id: id, body: outcome.body }, error: null }));
      else if (outcome.status === "expired") errors.push(JSON.stringify({ id, custom_id: outcome.key, response: null, error: { code: "batch_expired", message: "This request could not be executed before the completion window expired." } }));
      else errors.push(JSON.stringify({ id, custom_id: outcome.key, response: { status_code: outcome.statusCode, request_id: id, body: { error: { message: String(outcome.body?.["message"] ?? (outcome.body?.["error"] as Json | undefined)?.["message"] ?? "error"), type: "invalid_request_error" } } }, error: null }));
    }
    const store = (content: string[], name: string): string | null => {
      if (content.length === 0) return null;
      const file: StoredFile = { id: nextId("file-offline"), filename: name, purpose: "batch_output", content: `${content.join("\n")}\n`, createdAt: now() };
      files.set(file.id, file);
      return file.id;
    };
    const completed = outcomes.filter((outcome) => outcome.status === "succeeded").length;
    const expired = fault === "expire";
    Object.assign(batch, {
      status: expired ? "expired" : "completed",
      ...(expired ? { expired_at: now() } : { completed_at: now() }),
      output_file_id: store(output, "batch_output.jsonl"),
      error_file_id: store(errors, "batch_errors.jsonl"),
      request_counts: { total: outcomes.length, completed, failed: outcomes.length - completed },
    });
  }

  function createAnthropicBatch(request: IncomingMessage, response: ServerResponse, body: Json): void {
    const requests = body["requests"];
    if (!Array.isArray(requests) || requests.length === 0) return anthropicError(response, 400, "requests: must be a non-empty list");
    const seen = new Set<string>();
    for (const [index, item] of (requests as Json[]).entries()) {
      const key = item["custom_id"];
      if (typeof key !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(key)) return anthropicError(response, 400, `requests.${index}.custom_id: must match ^[a-zA-Z0-9_-]{1,64}$`);
      if (seen.has(key)) return anthropicError(response, 400, `requests.${index}.custom_id: "${key}" is used twice`);
      seen.add(key);
      if (typeof item["params"] !== "object" || item["params"] === null) return anthropicError(response, 400, `requests.${index}.params: Field required`);
    }
    const id = nextId("msgbatch_offline");
    const created = new Date().toISOString();
    const batch: Json = {
      id,
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: created,
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    };
    const entry = { batch, results: [] as LineOutcome[] };
    anthropicBatches.set(id, entry);
    send(response, 200, batch);
    const headers = { "x-api-key": String(request.headers["x-api-key"] ?? ""), "anthropic-version": String(request.headers["anthropic-version"] ?? "2023-06-01") };
    const expireAll = String(request.headers["x-formwork-batch-fault"] ?? "") === "expire";
    void process((requests as Json[]).map((item) => ({ key: item["custom_id"] as string, url: "/v1/messages", body: item["params"] as Json, headers })), expireAll).then((outcomes) => {
      entry.results = outcomes;
      const count = (status: LineOutcome["status"]) => outcomes.filter((outcome) => outcome.status === status).length;
      Object.assign(batch, {
        processing_status: "ended",
        ended_at: new Date().toISOString(),
        request_counts: { processing: 0, succeeded: count("succeeded"), errored: count("errored"), canceled: 0, expired: count("expired") },
        results_url: `${baseUrl()}/v1/messages/batches/${id}/results`,
      });
    });
  }

  function anthropicResults(response: ServerResponse, id: string): void {
    const entry = anthropicBatches.get(id);
    if (entry === undefined) return anthropicError(response, 404, `No such message batch: ${id}`, "not_found_error");
    if (entry.batch["processing_status"] !== "ended") return anthropicError(response, 400, `Message batch ${id} is still processing: its results are available once it has ended`);
    const lines = entry.results.map((outcome) =>
      JSON.stringify({
        custom_id: outcome.key,
        result:
          outcome.status === "succeeded"
            ? { type: "succeeded", message: outcome.body }
            : outcome.status === "expired"
              ? { type: "expired" }
              : { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: String(outcome.body?.["message"] ?? (outcome.body?.["error"] as Json | undefined)?.["message"] ?? "error") } } },
      }),
    );
    send(response, 200, `${lines.join("\n")}\n`, "application/binary");
  }

  return {
    /** Answers a batch route; false when the request is for another route. */
    async handle(request: IncomingMessage, response: ServerResponse, path: string, raw: Buffer): Promise<boolean> {
      const method = request.method ?? "GET";
      const json = (): Json => JSON.parse(raw.toString("utf8") || "{}") as Json;
      let match: RegExpExecArray | null;
      if (method === "POST" && path === "/v1/files") await uploadFile(request, response, raw);
      else if (method === "POST" && path === "/v1/batches") createOpenAIBatch(request, response, json());
      else if (method === "GET" && (match = /^\/v1\/batches\/([^/]+)$/.exec(path)) !== null) {
        const batch = openAIBatches.get(match[1] as string);
        if (batch === undefined) openAIError(response, 404, `No such batch: ${match[1]}`);
        else send(response, 200, batch);
      } else if (method === "GET" && (match = /^\/v1\/files\/([^/]+)\/content$/.exec(path)) !== null) {
        const file = files.get(match[1] as string);
        if (file === undefined) openAIError(response, 404, `No such file: ${match[1]}`);
        else send(response, 200, file.content, "application/octet-stream");
      } else if (method === "POST" && path === "/v1/messages/batches") createAnthropicBatch(request, response, json());
      else if (method === "GET" && (match = /^\/v1\/messages\/batches\/([^/]+)\/results$/.exec(path)) !== null) anthropicResults(response, match[1] as string);
      else if (method === "GET" && (match = /^\/v1\/messages\/batches\/([^/]+)$/.exec(path)) !== null) {
        const entry = anthropicBatches.get(match[1] as string);
        if (entry === undefined) anthropicError(response, 404, `No such message batch: ${match[1]}`, "not_found_error");
        else send(response, 200, entry.batch);
      } else return false;
      return true;
    },
  };
}
