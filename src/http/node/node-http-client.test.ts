// nodeHttpClient on its own, against real loopback servers: bytes whole and in order however the
// server cuts them, backpressure, decoding, redirects, aborts, cancels, dropped connections,
// connection failures, headers, keep-alive, and the same answers through formwork as fetch gives.
import fc from "fast-check";
import { getEventListeners } from "node:events";
import { Agent, createServer, type ClientRequestArgs, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { fromProvider } from "../../client/from-provider.js";
import { ConfigurationError } from "../../errors/configuration-error.js";
import { isPullable, isTextPullable, PULL, PULL_TEXT } from "../../stream/pull.js";
import { startModelServer } from "../../testing/model-server.js";
import { connectionFailure } from "../connection-failure.js";
import type { ByteReader, HttpRequest, HttpResponse } from "../http-client.js";
import { nodeHttpClient } from "./node-http-client.js";

// The reader's high-water mark (node-http-client.ts): held bytes past it pause the socket.
const HIGH_WATER = 256 * 1024;
// The most one network read hands over (a socket read, or a decoder's output chunk).
const ONE_READ = 64 * 1024;

/** A request as the server saw it. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  /** Resolves when the connection the request came on closed. */
  readonly closed: Promise<void>;
}

interface Loopback {
  readonly origin: string;
  readonly requests: Seen[];
  /** Connections accepted so far. */
  connections: number;
}

type Handler = (request: Seen, response: ServerResponse) => void;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

// A server on a free loopback port that hands each request, body read, to `handler`. It never
// closes an idle keep-alive connection itself, so a close the test sees is the client's.
async function serve(handler: Handler): Promise<Loopback> {
  const loopback: { -readonly [K in keyof Loopback]: Loopback[K] } = { origin: "", requests: [], connections: 0 };
  // One close promise per connection, shared by the requests a keep-alive connection carries.
  const closings = new WeakMap<Socket, Promise<void>>();
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      const socket = request.socket;
      let closed = closings.get(socket);
      if (closed === undefined) {
        closed = socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once("close", () => resolve()));
        closings.set(socket, closed);
      }
      const seen: Seen = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(parts), closed };
      loopback.requests.push(seen);
      handler(seen, response);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => loopback.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  loopback.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  open.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return loopback;
}

const request = (url: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  url,
  method: "POST",
  headers: { "content-type": "application/json" },
  body: '{"q":1}',
  signal: new AbortController().signal,
  ...extra,
});

function bodyOf(response: HttpResponse): ByteReader {
  if (response.body === null) throw new Error("the response has no body");
  return response.body;
}

// One read through read(), or through [PULL] with callbacks, as formwork's own layers read.
function readOnce(reader: ByteReader, viaPull: boolean): Promise<ReadableStreamReadResult<Uint8Array>> {
  if (!viaPull) return reader.read();
  if (!isPullable<ReadableStreamReadResult<Uint8Array>>(reader)) throw new Error("the reader cannot be pulled");
  return new Promise((resolve, reject) => reader[PULL](resolve, reject));
}

async function readAll(reader: ByteReader, between?: () => Promise<void>, viaPull = false): Promise<{ bytes: Buffer; reads: number[] }> {
  const parts: Uint8Array[] = [];
  const reads: number[] = [];
  for (;;) {
    const { done, value } = await readOnce(reader, viaPull);
    if (done) break;
    parts.push(value);
    reads.push(value.length);
    if (between !== undefined) await between();
  }
  return { bytes: Buffer.concat(parts), reads };
}

const text = async (response: HttpResponse) => (await readAll(bodyOf(response))).bytes.toString("utf8");
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
// Polls (every few ms, no deadline of its own: the test's timeout is the limit) until `isTrue`.
async function until(isTrue: () => boolean): Promise<void> {
  while (!isTrue()) await new Promise((resolve) => setTimeout(resolve, 5));
}
// A promise and the function that settles it: the test tells a handler when to go on.
function signalled(): { promise: Promise<void>; go: () => void } {
  let go = () => {};
  const promise = new Promise<void>((resolve) => (go = resolve));
  return { promise, go };
}

const encoders: Readonly<Record<string, (bytes: Buffer) => Buffer>> = {
  identity: (bytes) => bytes,
  gzip: (bytes) => gzipSync(bytes),
  deflate: (bytes) => deflateSync(bytes),
  br: (bytes) => brotliCompressSync(bytes),
};

describe("nodeHttpClient: the body", () => {
  it("hands over every byte, in order, however the server cuts and times its writes, encoded or not, read by promise or by callback", async () => {
    // Each request names its script: the (encoded) body's pieces, and how long to wait after each.
    const scripts = new Map<string, { encoding: string; pieces: Buffer[]; gaps: ("none" | "immediate" | "timer")[] }>();
    const server = await serve((seen, response) => {
      const script = scripts.get(seen.url);
      if (script === undefined) return void response.writeHead(404).end();
      response.writeHead(200, script.encoding === "identity" ? {} : { "content-encoding": script.encoding });
      void (async () => {
        for (const [index, piece] of script.pieces.entries()) {
          response.write(piece);
          const gap = script.gaps[index % script.gaps.length];
          if (gap === "immediate") await nextTurn();
          else if (gap === "timer") await new Promise((resolve) => setTimeout(resolve, 1));
        }
        response.end();
      })();
    });
    const client = nodeHttpClient();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", maxLength: 400 }),
        fc.nat({ max: 40 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.array(fc.constantFrom("none" as const, "immediate" as const, "timer" as const), { minLength: 1, maxLength: 5 }),
        fc.constantFrom("identity", "gzip", "deflate", "br"),
        fc.boolean(),
        async (unit, repeat, cuts, gaps, encoding, viaPull) => {
          // Multi-byte UTF-8 (the "binary" unit spans all of Unicode), cut anywhere, mid-character too.
          const body = unit.repeat(1 + repeat);
          const sent = (encoders[encoding] as (bytes: Buffer) => Buffer)(Buffer.from(body, "utf8"));
          const points = [...new Set(cuts.map((cut) => cut % (sent.length + 1)))].sort((a, b) => a - b);
          const pieces = [0, ...points].map((start, index) => sent.subarray(start, [...points, sent.length][index])).filter((piece) => piece.length > 0);
          const path = `/body/${run++}`;
          scripts.set(path, { encoding, pieces, gaps });
          const response = await client(request(server.origin + path));
          expect(response.status).toBe(200);
          const { bytes } = await readAll(bodyOf(response), undefined, viaPull);
          expect(bytes.toString("utf8")).toBe(body);
          scripts.delete(path);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("read as text (PULL_TEXT), gives exactly what a TextDecoder makes of the whole body: a leading BOM dropped, bad bytes as U+FFFD, a character cut between reads given whole", async () => {
    const scripts = new Map<string, { encoding: string; pieces: Buffer[] }>();
    const server = await serve((seen, response) => {
      const script = scripts.get(seen.url);
      if (script === undefined) return void response.writeHead(404).end();
      response.writeHead(200, script.encoding === "identity" ? {} : { "content-encoding": script.encoding });
      void (async () => {
        for (const piece of script.pieces) {
          response.write(piece);
          await nextTurn();
        }
        response.end();
      })();
    });
    const client = nodeHttpClient();
    // Bytes that make UTF-8 and its mistakes: lead bytes, continuations, overlongs, surrogates.
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xc0, 0xc2, 0xe0, 0xe2, 0xed, 0xef, 0xbb, 0xbf, 0xf0, 0xf4, 0xf5, 0x80, 0xa0, 0x9f, 0x41));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(byte, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom("identity", "gzip"),
        fc.boolean(),
        async (hasBom, tail, cuts, encoding, isSlow) => {
          const raw = Buffer.from([...(hasBom ? [0xef, 0xbb, 0xbf] : []), ...tail]);
          const sent = (encoders[encoding] as (bytes: Buffer) => Buffer)(raw);
          const points = [...new Set(cuts.map((cut) => cut % (sent.length + 1)))].sort((a, b) => a - b);
          const pieces = [0, ...points].map((start, index) => sent.subarray(start, [...points, sent.length][index])).filter((piece) => piece.length > 0);
          const path = `/text/${run++}`;
          scripts.set(path, { encoding, pieces });
          const reader = bodyOf(await client(request(server.origin + path)));
          if (!isTextPullable(reader)) throw new Error("nodeHttpClient's reader cannot be read as text");
          let received = "";
          for (;;) {
            // A slow reader lets reads pile up (held, then decoded together).
            if (isSlow) await new Promise((resolve) => setTimeout(resolve, 2));
            const result = await new Promise<ReadableStreamReadResult<string>>((resolve, reject) => reader[PULL_TEXT](resolve, reject));
            if (result.done) break;
            received += result.value;
          }
          expect(received).toBe(new TextDecoder().decode(raw));
          scripts.delete(path);
        },
      ),
      { numRuns: 60 },
    );
  });

  // 8 MB that do not compress, with a pattern that shows a reordering, written by the server all
  // at once (the kernel takes what the client lets it), on a connection the test can watch.
  async function largeBody(encoding: "identity" | "gzip") {
    const body = Buffer.alloc(8 * 1024 * 1024);
    for (let index = 0; index < body.length; index++) body[index] = (index * 7 + (index >>> 13)) & 0xff;
    const sent = encoding === "gzip" ? gzipSync(body, { level: 0 }) : body;
    const written = signalled();
    let writeReturned: boolean | undefined;
    const server = await serve((_seen, response) => {
      response.writeHead(200, encoding === "gzip" ? { "content-encoding": "gzip" } : {});
      writeReturned = response.write(sent);
      response.end();
      written.go();
    });
    const sockets: Duplex[] = [];
    class RecordingAgent extends Agent {
      override createConnection(options: ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void): Duplex | null | undefined {
        const socket = super.createConnection(options, callback);
        if (socket) sockets.push(socket);
        return socket;
      }
    }
    const agent = new RecordingAgent({ keepAlive: false });
    open.push({ close: async () => agent.destroy() });
    const response = await nodeHttpClient({ httpAgent: agent })(request(server.origin, { method: "GET", body: undefined }));
    await written.promise;
    // The server could not hand it all to the kernel at once: it waits for 'drain'.
    expect(writeReturned).toBe(false);
    return { body, reader: bodyOf(response), socket: sockets[0] as Socket };
  }

  it("pauses the socket once more than the high-water mark is held, and a slow reader still gets the whole body", async () => {
    const { body, reader, socket } = await largeBody("identity");
    // Nobody reads: the reader holds a bounded amount, then stops the socket (TCP makes the
    // server wait). A reader that never paused would let the socket flow on and on.
    await until(() => socket.isPaused());
    expect(socket.bytesRead).toBeLessThan(HIGH_WATER + 16 * ONE_READ);
    // A slow reader gets it all, in order, never more than the mark and one read at once.
    const { bytes, reads } = await readAll(reader, nextTurn, true);
    expect(bytes.equals(body)).toBe(true);
    expect(Math.max(...reads)).toBeLessThanOrEqual(HIGH_WATER + ONE_READ);
  });

  it("hands a slow reader a large gzip body whole (the decoder pauses and resumes with the reader)", async () => {
    const { body, reader } = await largeBody("gzip");
    const { bytes } = await readAll(reader, nextTurn);
    expect(bytes.equals(body)).toBe(true);
  });

  it("reads a body that ends when the server closes the connection (no length, not chunked) to its end", async () => {
    const raw = createNetServer((socket) => {
      socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\ncaf\u00e9 until the close"));
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    open.push({ close: () => new Promise<void>((resolve) => raw.close(() => resolve())) });
    const response = await nodeHttpClient()(request(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/`));
    expect(await text(response)).toBe("caf\u00e9 until the close");
  });

  it("decodes gzip, x-gzip, deflate and br bodies (whatever the case of the name, stacked too), and passes an unknown encoding through", async () => {
    const body = JSON.stringify({ note: "Zoë's café ☕ 😀 ".repeat(2000) });
    const cases: [string, Buffer][] = [
      ["gzip", gzipSync(body)],
      ["x-gzip", gzipSync(body)],
      ["GZip", gzipSync(body)],
      ["deflate", deflateSync(body)],
      ["br", brotliCompressSync(Buffer.from(body))],
      // Codings stacked in the order applied: gzip first, then br (undone from the last).
      ["gzip, br", brotliCompressSync(gzipSync(body))],
      ["identity, deflate", deflateSync(body)],
    ];
    const server = await serve((seen, response) => {
      const index = Number(seen.url.slice(1));
      const [encoding, bytes] = index < cases.length ? (cases[index] as [string, Buffer]) : ["x-unknown", Buffer.from("raw \u00e9 bytes")];
      response.writeHead(200, { "content-encoding": encoding, "content-length": bytes.length }).end(bytes);
    });
    const client = nodeHttpClient();
    for (const [index, [encoding, bytes]] of cases.entries()) {
      expect(bytes.length, encoding).toBeLessThan(body.length);
      expect(await text(await client(request(`${server.origin}/${index}`))), encoding).toBe(body);
    }
    const unknown = await client(request(`${server.origin}/${cases.length}`));
    expect(unknown.headers.get("content-encoding")).toBe("x-unknown");
    expect(await text(unknown)).toBe("raw \u00e9 bytes");
  });

  it("a body that does not decode rejects the read and closes the connection (not left half-read)", async () => {
    const server = await serve((_seen, response) => {
      response.writeHead(200, { "content-encoding": "gzip" });
      response.write(gzipSync("a good start ".repeat(100)).subarray(0, 40));
      // The rest would come later: only the client can close this connection now.
      response.write(Buffer.from("this is not gzip at all"));
    });
    const response = await nodeHttpClient()(request(server.origin));
    const failure = await readAll(bodyOf(response)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as { code?: string }).code).toMatch(/^Z_/);
    await (server.requests[0] as Seen).closed;
  });
});

describe("nodeHttpClient: redirects", () => {
  // /hop/N answers with `status` to /hop/N-1; /hop/0 echoes the method and the body.
  async function hops(status: number): Promise<Loopback> {
    return serve((seen, response) => {
      const left = Number(/^\/hop\/(\d+)$/.exec(seen.url)?.[1]);
      if (left > 0) return void response.writeHead(status, { location: `/hop/${left - 1}`, "x-hop": String(left) }).end("moved");
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: seen.method, body: seen.body.toString("utf8") }));
    });
  }

  it.each([307, 308])("follows %d with the method and the body kept, up to 5 times by default", async (status) => {
    const server = await hops(status);
    const client = nodeHttpClient();
    const body = JSON.stringify({ text: "café ☕" });
    const followed = await client(request(`${server.origin}/hop/5`, { body }));
    expect(followed.status).toBe(200);
    expect(JSON.parse(await text(followed))).toEqual({ method: "POST", body });
    expect(server.requests.map((seen) => [seen.method, seen.url, seen.body.toString("utf8"), seen.headers["content-length"]])).toEqual(
      [5, 4, 3, 2, 1, 0].map((left) => ["POST", `/hop/${left}`, body, String(Buffer.byteLength(body))]),
    );
    // A sixth is handed back as it is.
    const stopped = await client(request(`${server.origin}/hop/6`, { body }));
    expect(stopped.status).toBe(status);
    expect(stopped.headers.get("location")).toBe("/hop/0");
    expect(stopped.headers.get("x-hop")).toBe("1");
    expect(await text(stopped)).toBe("moved");
  });

  it("follows as many redirects as maxRedirects says", async () => {
    const server = await hops(307);
    expect((await nodeHttpClient({ maxRedirects: 2 })(request(`${server.origin}/hop/2`))).status).toBe(200);
    expect((await nodeHttpClient({ maxRedirects: 2 })(request(`${server.origin}/hop/3`))).status).toBe(307);
    const none = await nodeHttpClient({ maxRedirects: 0 })(request(`${server.origin}/hop/1`));
    expect(none.status).toBe(307);
    expect(none.headers.get("location")).toBe("/hop/0");
  });

  it.each([301, 302, 303])("hands %d back as it is, status, headers and body", async (status) => {
    const server = await hops(status);
    const response = await nodeHttpClient()(request(`${server.origin}/hop/1`));
    expect(response.status).toBe(status);
    expect(response.headers.get("location")).toBe("/hop/0");
    expect(await text(response)).toBe("moved");
    expect(server.requests).toHaveLength(1);
  });

  it("hands back a redirect whose Location cannot be read, as it is", async () => {
    const server = await serve((_seen, response) => response.writeHead(307, { location: "http://[::1" }).end("moved"));
    const response = await nodeHttpClient()(request(server.origin));
    expect(response.status).toBe(307);
    expect(await text(response)).toBe("moved");
  });

  it("does not carry the credentials to another origin, as fetch does not; on the same origin they go along", async () => {
    const echo: Handler = (seen, response) => response.writeHead(200).end(JSON.stringify(seen.headers));
    const other = await serve(echo);
    const first = await serve((seen, response) => {
      if (seen.url === "/there") return echo(seen, response);
      response.writeHead(307, { location: seen.url === "/same" ? "/there" : `${other.origin}/there` }).end();
    });
    const credentials = { authorization: "Bearer sk-secret", "x-api-key": "sk-ant-secret", "x-goog-api-key": "g-secret", "api-key": "azure-secret" };
    const headers = { "content-type": "application/json", ...credentials };
    const client = nodeHttpClient();
    const crossed = JSON.parse(await text(await client(request(`${first.origin}/away`, { headers })))) as Record<string, string>;
    expect(other.requests).toHaveLength(1);
    expect(crossed["content-type"]).toBe("application/json");
    for (const name of Object.keys(credentials)) expect(crossed[name], name).toBeUndefined();
    const same = JSON.parse(await text(await client(request(`${first.origin}/same`, { headers })))) as Record<string, string>;
    expect(same).toMatchObject(credentials);
  });
});

describe("nodeHttpClient: aborting and cancelling", () => {
  it("an aborted signal rejects with its reason and sends nothing", async () => {
    const server = await serve((_seen, response) => response.writeHead(200).end("ok"));
    const controller = new AbortController();
    const reason = new Error("stopped by the caller");
    controller.abort(reason);
    const client = nodeHttpClient();
    await expect(client(request(server.origin, { signal: controller.signal }))).rejects.toBe(reason);
    // A request after it is the first the server sees, on the first connection.
    expect(await text(await client(request(server.origin)))).toBe("ok");
    expect(server.requests).toHaveLength(1);
    expect(server.connections).toBe(1);
  });

  it("aborting while waiting for the headers rejects with the reason and closes the connection", async () => {
    const arrived = signalled();
    const server = await serve(() => arrived.go());
    const controller = new AbortController();
    const pending = nodeHttpClient()(request(server.origin, { signal: controller.signal }));
    await arrived.promise;
    const reason = new DOMException("took too long", "TimeoutError");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await (server.requests[0] as Seen).closed;
  });

  it("aborting mid-body rejects the pending read with the reason, and later reads too, and closes the connection", async () => {
    const server = await serve((_seen, response) => {
      response.writeHead(200);
      response.write("first piece");
    });
    const controller = new AbortController();
    const reader = bodyOf(await nodeHttpClient()(request(server.origin, { signal: controller.signal })));
    expect(Buffer.from((await reader.read()).value ?? []).toString()).toBe("first piece");
    const pending = reader.read();
    const reason = new Error("the user left");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(reader.read()).rejects.toBe(reason);
    await (server.requests[0] as Seen).closed;
  });

  it("cancel() mid-body ends the pending read, closes the connection, and later reads are done", async () => {
    const server = await serve((_seen, response) => {
      response.writeHead(200, { "content-encoding": "gzip" });
      response.write(gzipSync("first piece"));
    });
    const reader = bodyOf(await nodeHttpClient()(request(server.origin)));
    const pending = reader.read();
    const first = await pending;
    expect(Buffer.from(first.value ?? []).toString()).toBe("first piece");
    const second = reader.read();
    await reader.cancel(new Error("enough"));
    expect(await second).toEqual({ done: true, value: undefined });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    await (server.requests[0] as Seen).closed;
  });

  it("cancel() with bytes held drops them: the next read is done", async () => {
    const sent = signalled();
    const server = await serve((_seen, response) => {
      response.writeHead(200);
      response.write("held", () => sent.go());
    });
    const reader = bodyOf(await nodeHttpClient()(request(server.origin)));
    await sent.promise;
    await reader.cancel();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    await (server.requests[0] as Seen).closed;
  });
});

describe("nodeHttpClient: failures", () => {
  it.each([
    ["destroys the socket", "chunked"],
    ["destroys the socket", "content-length"],
    ["closes the socket", "content-length"],
  ] as const)("a server that %s mid-body (%s) fails the pending read with ECONNRESET", async (how, framing) => {
    let held: ServerResponse | undefined;
    const server = await serve((_seen, response) => {
      response.writeHead(200, framing === "content-length" ? { "content-length": 1000 } : {});
      response.write("the start");
      held = response;
    });
    const reader = bodyOf(await nodeHttpClient()(request(server.origin)));
    expect(Buffer.from((await reader.read()).value ?? []).toString()).toBe("the start");
    const pending = reader.read();
    if (how === "destroys the socket") held?.socket?.destroy();
    else held?.socket?.end();
    const failure = await pending.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as { code?: string }).code).toBe("ECONNRESET");
  });

  it("a refused connection rejects with ECONNREFUSED, which formwork calls retryable", async () => {
    // A port that was free a moment ago: nothing listens on it.
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/v1`;
    await new Promise((resolve) => probe.close(resolve));
    const failure = await nodeHttpClient()(request(url)).catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe("ECONNREFUSED");
    expect(connectionFailure(failure, "test", url)).toMatchObject({ systemCode: "ECONNREFUSED", isRetryable: true });
  });

  it.each([
    ["ftp://example.com/v1/chat", /unknown scheme/],
    ["http://exa mple.com:99999/", /invalid url/i],
    ["not a url", /invalid url/i],
  ])("%s rejects with a TypeError formwork names as a URL it cannot call", async (url, message) => {
    const failure = await nodeHttpClient()(request(url)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toMatch(message);
    const named = connectionFailure(failure, "test", url);
    expect(named.isRetryable).toBe(false);
    expect(named.message).toContain("the URL cannot be fetched");
  });
});

describe("nodeHttpClient: the request and the answer", () => {
  it("sends the method, headers, body and its content-length; answers with web Headers joined as fetch joins them", async () => {
    const server = await serve((_seen, response) => {
      response.setHeader("x-a", ["1", "2"]);
      response.setHeader("set-cookie", ["a=1", "b=2"]);
      response.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("hi");
    });
    const body = JSON.stringify({ text: "Zoë 😀" });
    const response = await nodeHttpClient()(request(`${server.origin}/v1/chat?x=1`, { headers: { "content-type": "application/json", authorization: "Bearer k", "X-Custom": "v" }, body }));
    expect(response.headers).toBeInstanceOf(Headers);
    expect(response.headers.get("x-a")).toBe("1, 2");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(response.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    const seen = server.requests[0] as Seen;
    expect(seen).toMatchObject({ method: "POST", url: "/v1/chat?x=1" });
    expect(seen.body.toString("utf8")).toBe(body);
    expect(seen.headers).toMatchObject({ "content-type": "application/json", authorization: "Bearer k", "x-custom": "v", "content-length": String(Buffer.byteLength(body)) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    expect(await text(response)).toBe("hi");
  });

  it("a GET without a body sends none", async () => {
    const server = await serve((seen, response) => response.writeHead(200).end(seen.method));
    const response = await nodeHttpClient()(request(server.origin, { method: "GET", body: undefined }));
    expect(await text(response)).toBe("GET");
    expect((server.requests[0] as Seen).body.length).toBe(0);
  });

  it("passes the status as it is, with the error body readable", async () => {
    const error = { error: { message: "slow down", type: "rate_limit" } };
    const server = await serve((_seen, response) => response.writeHead(429, { "content-type": "application/json", "retry-after": "3" }).end(JSON.stringify(error)));
    const response = await nodeHttpClient()(request(server.origin));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(JSON.parse(await text(response))).toEqual(error);
  });
});

describe("nodeHttpClient: many requests", () => {
  it("leaves no listener on a signal shared by many requests once each body is read, cancelled or failed", async () => {
    const server = await serve((seen, response) => {
      if (seen.url === "/moved") return void response.writeHead(307, { location: "/done" }).end();
      if (seen.url === "/refused") return void response.writeHead(429).end("{}");
      response.writeHead(200);
      response.write("part");
      if (seen.url !== "/open") response.end();
    });
    const controller = new AbortController();
    const client = nodeHttpClient();
    for (let round = 0; round < 20; round++) {
      for (const path of ["/done", "/moved", "/refused"]) await text(await client(request(server.origin + path, { signal: controller.signal })));
      const open = bodyOf(await client(request(`${server.origin}/open`, { signal: controller.signal })));
      await open.read();
      await open.cancel();
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("gives each of many concurrent requests its own body whole, through an agent that bounds the connections", async () => {
    const server = await serve((seen, response) => {
      response.writeHead(200);
      void (async () => {
        for (let index = 0; index < 20; index++) {
          response.write(`${seen.url}:${index};`);
          await nextTurn();
        }
        response.end();
      })();
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const client = nodeHttpClient({ httpAgent: agent });
    const bodies = await Promise.all(Array.from({ length: 60 }, async (_, index) => text(await client(request(`${server.origin}/${index}`)))));
    bodies.forEach((body, index) => expect(body).toBe(Array.from({ length: 20 }, (_, piece) => `/${index}:${piece};`).join("")));
    expect(server.connections).toBeLessThanOrEqual(4);
    agent.destroy();
  });
});

describe("nodeHttpClient: keep-alive", () => {
  it("sends sequential requests on one connection, and never reuses one whose body was cancelled", async () => {
    const server = await serve((seen, response) => {
      if (seen.url === "/long") {
        response.writeHead(200);
        response.write("part of a long answer");
        return;
      }
      response.writeHead(200).end(`answer to ${seen.url}`);
    });
    // Node 20's global agent keeps connections alive.
    const client = nodeHttpClient();
    expect(await text(await client(request(`${server.origin}/a`)))).toBe("answer to /a");
    expect(await text(await client(request(`${server.origin}/b`)))).toBe("answer to /b");
    expect(server.connections).toBe(1);
    const reader = bodyOf(await client(request(`${server.origin}/long`)));
    expect(server.connections).toBe(1);
    await reader.read();
    await reader.cancel();
    await (server.requests[2] as Seen).closed;
    expect(await text(await client(request(`${server.origin}/c`)))).toBe("answer to /c");
    expect(server.connections).toBe(2);
  });
});

describe("nodeHttpClient through formwork", () => {
  const User = z.object({ name: z.string(), age: z.number().int().min(0).max(120), bio: z.string(), tags: z.array(z.string()).min(1).max(4) });
  const messages = [{ role: "user" as const, content: "Make up a user." }];

  // A partial is a state the final value passes through: strings grow, arrays grow at the end,
  // objects gain keys, and whatever is there is a prefix state of what the value ends up.
  function isPrefixState(partial: unknown, final: unknown): boolean {
    if (partial === undefined || partial === null) return true;
    if (typeof partial === "string") return typeof final === "string" && final.startsWith(partial);
    if (Array.isArray(partial)) return Array.isArray(final) && partial.length <= final.length && partial.every((item, index) => isPrefixState(item, final[index]));
    if (typeof partial === "object") return typeof final === "object" && final !== null && Object.entries(partial).every(([key, value]) => key in final && isPrefixState(value, (final as Record<string, unknown>)[key]));
    if (typeof partial === "number") return typeof final === "number" && String(final).startsWith(String(partial));
    return partial === final;
  }

  it("streams the same value as the fetch path, each partial a prefix state of it", async () => {
    const server = await startModelServer({ seed: 11, tokensPerSecond: 1000 });
    open.push(server);
    const run = async (httpClient?: ReturnType<typeof nodeHttpClient>) => {
      const client = fromProvider({ provider: "test", baseURL: server.url, apiKey: "offline", mode: "tools", ...(httpClient === undefined ? {} : { httpClient }) });
      const stream = client.chat.completions.createPartial({ model: "offline", messages, response_model: { schema: User, name: "User" } });
      const partials: unknown[] = [];
      for await (const partial of stream) partials.push(structuredClone(partial));
      return { partials, data: (await stream.result).data };
    };
    const overFetch = await run();
    const overNode = await run(nodeHttpClient());
    expect(User.safeParse(overNode.data).success).toBe(true);
    expect(overNode.data).toEqual(overFetch.data);
    expect(overNode.partials.length).toBeGreaterThan(1);
    expect(overFetch.partials.length).toBeGreaterThan(1);
    for (const partial of overNode.partials) expect(isPrefixState(partial, overNode.data), JSON.stringify(partial)).toBe(true);
    expect(overNode.partials.at(-1)).toEqual(overNode.data);
  });

  it("fromProvider refuses both fetch and httpClient, or an httpClient that is not a function", () => {
    const given = [
      { fetch: globalThis.fetch, httpClient: nodeHttpClient() },
      { httpClient: 42 as never },
    ];
    for (const options of given) {
      let failure: unknown;
      try {
        fromProvider({ provider: "test", baseURL: "http://127.0.0.1:1/v1", apiKey: "k", ...options });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(ConfigurationError);
      expect(failure).toMatchObject({ option: "httpClient" });
    }
  });
});

describe("nodeHttpClient: its options", () => {
  it("a mistake in the options is a ConfigurationError now, naming the option", () => {
    const cases: [unknown, string, RegExp][] = [
      [42, "nodeHttpClient", /takes an options object/],
      [{ maxRedirects: -1 }, "maxRedirects", /whole number, 0 or more, not -1/],
      [{ maxRedirects: 1.5 }, "maxRedirects", /not 1.5/],
      [{ httpAgent: { keepAlive: true } }, "httpAgent", /takes an http.Agent/],
      [{ httpsAgent: new Agent() }, "httpsAgent", /takes an https.Agent/],
    ];
    for (const [options, option, message] of cases) {
      let thrown: unknown;
      try {
        nodeHttpClient(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(ConfigurationError);
      expect(thrown).toMatchObject({ option });
      expect((thrown as Error).message).toMatch(message);
    }
    expect(() => nodeHttpClient({ httpAgent: new Agent({ keepAlive: true }), maxRedirects: 0 })).not.toThrow();
  });
});
