import { readFileSync } from "node:fs";
import type { ChatMessage } from "../client/chat-request.js";
import type { MediaPart } from "./media-part.js";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { fromProvider } from "../client/from-provider.js";
import { memoryCache } from "../cache/memory-cache.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { MediaError } from "../errors/media-error.js";
import { startModelServer, type ModelServer } from "../testing/model-server.js";
import { fromBase64, toBase64 } from "./base64.js";
import { loadMedia } from "./load-media.js";
import { audio, image, pdf } from "./media-part.js";
import { sniffMediaType } from "./sniff-media-type.js";

const fixture = (name: string) => fileURLToPath(new URL(`./test-support/fixtures/${name}`, import.meta.url));
const PNG = new Uint8Array(readFileSync(fixture("pixel.png")));
const WAV = new Uint8Array(readFileSync(fixture("tone.wav")));
const PDF = new Uint8Array(readFileSync(fixture("page.pdf")));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

const Receipt = z.object({ total: z.number(), shop: z.string() });
type Json = Record<string, unknown>;

// The offline model server behind a loopback proxy that records every request body as sent.
interface Recorded {
  readonly url: string;
  readonly bodies: Json[];
  readonly paths: string[];
}
let server: ModelServer | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  await server?.close();
  await new Promise((resolve) => (proxy === undefined ? resolve(undefined) : (proxy.closeAllConnections(), proxy.close(resolve))));
  server = undefined;
  proxy = undefined;
});

async function offline(extra: (request: IncomingMessage, response: ServerResponse) => boolean = () => false): Promise<Recorded> {
  server = await startModelServer({ seed: 2 });
  const target = new URL(server.url);
  const bodies: Json[] = [];
  const paths: string[] = [];
  proxy = createServer((request, response) => {
    if (extra(request, response)) return;
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8");
      bodies.push(JSON.parse(text) as Json);
      paths.push(request.url ?? "");
      const forward = httpRequest({ host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(response);
      });
      forward.end(text);
    });
  });
  await new Promise<void>((resolve) => proxy?.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, paths };
}

const ask = (...parts: MediaPart[]): ChatMessage[] => [{ role: "system", content: "You read receipts." }, { role: "user", content: ["Read this.", ...parts] }];

describe("media types from the bytes", () => {
  it("reads each format's signature, whatever follows it", () => {
    const cases: [Uint8Array, string][] = [
      [PNG, "image/png"],
      [WAV, "audio/wav"],
      [PDF, "application/pdf"],
      [new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), "image/jpeg"],
      [new TextEncoder().encode("GIF89a...."), "image/gif"],
      [new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 "), "image/webp"],
      [new TextEncoder().encode("ID3\x04\0\0"), "audio/mpeg"],
      [new Uint8Array([0xff, 0xfb, 0x90, 0x64]), "audio/mpeg"],
      [new TextEncoder().encode("fLaC\0\0"), "audio/flac"],
      [new TextEncoder().encode("OggS\0\0"), "audio/ogg"],
    ];
    for (const [bytes, type] of cases) expect(sniffMediaType(bytes)).toBe(type);
    expect(sniffMediaType(new TextEncoder().encode("hello, world"))).toBeUndefined();
  });

  it("property: a signature decides the type, whatever bytes follow; base64 round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
        const join = (head: Uint8Array) => new Uint8Array([...head, ...tail]);
        expect(sniffMediaType(join(PNG.slice(0, 8)))).toBe("image/png");
        expect(sniffMediaType(join(PDF.slice(0, 5)))).toBe("application/pdf");
        expect(fromBase64(toBase64(tail))).toEqual(tail);
        expect(toBase64(tail)).toBe(b64(tail));
      }),
    );
  });
});

describe("sources", () => {
  it("a path, a file: URL, a data: URL, base64, bytes, an ArrayBuffer and a Blob give the same bytes", async () => {
    const sources = [fixture("pixel.png"), new URL(`file://${fixture("pixel.png")}`).href, `data:image/png;base64,${b64(PNG)}`, b64(PNG), { base64: b64(PNG) }, PNG, PNG.slice().buffer, new Blob([PNG]), { path: fixture("pixel.png") }, { data: PNG }];
    for (const source of sources) {
      const loaded = await loadMedia(image(source as never), { takesUrl: () => false });
      expect(loaded).toMatchObject({ kind: "image", mediaType: "image/png", base64: b64(PNG), url: undefined });
    }
  });

  it("what cannot be read is a MediaError naming the source: a missing file, bad base64, a 404, text that is no source", async () => {
    const missing = await loadMedia(image("./no/such/receipt.png"), { takesUrl: () => false }).catch((error: unknown) => error);
    expect(MediaError.isInstance(missing)).toBe(true);
    expect(missing).toMatchObject({ code: "media-unreadable", source: "./no/such/receipt.png" });
    expect((missing as Error).message).toContain("no such file");
    await expect(loadMedia(image({ base64: "not base64!!" }), { takesUrl: () => false })).rejects.toMatchObject({ code: "media-unreadable", source: "base64 text (12 characters)" });
    await expect(loadMedia(image("what is this"), { takesUrl: () => false })).rejects.toThrow(/neither a URL, a data: URL, a file path nor base64/);
    const notFound = (async () => new Response("gone", { status: 404, statusText: "Not Found" })) as typeof fetch;
    const error = await loadMedia(image("https://cdn.example/r.png?X-Amz-Signature=SECRET"), { takesUrl: () => false, fetch: notFound }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "media-unreadable", source: "https://cdn.example/r.png?…" });
    expect((error as Error).message).toContain("404");
    expect((error as Error).message).not.toContain("SECRET");
  });

  it("the bytes must be what the part says: a PDF given as an image is a MediaError that says which to use", async () => {
    await expect(loadMedia(image(PDF), { takesUrl: () => false })).rejects.toThrow(/holds application\/pdf, not an image: use pdf\(\)/);
    await expect(loadMedia(audio(new TextEncoder().encode("plain text, no audio")), { takesUrl: () => false })).rejects.toThrow(/no audio format formwork recognises/);
  });

  it("outside Node a path is a MediaError that says to give bytes or a URL (the file reader is never loaded)", async () => {
    const process = globalThis.process;
    Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
    let pending: Promise<unknown>;
    try {
      pending = loadMedia(image("./receipt.png"), { takesUrl: () => false });
    } finally {
      Object.defineProperty(globalThis, "process", { value: process, configurable: true, writable: true });
    }
    await expect(pending).rejects.toThrow(/read only on Node.*give bytes, a Blob or a URL/);
  });

  it("the core never imports node: modules statically; the file reader is reached only by a dynamic import", () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
        const specifier = match[1] as string;
        // Type-only imports are erased: nothing is loaded at run time.
        if (/^(?:import|export)\s+type\s/.test(match[0])) continue;
        expect(specifier.startsWith("node:"), `${file} imports ${specifier}`).toBe(false);
        if (specifier.startsWith(".")) visit(fileURLToPath(new URL(specifier.replace(/\.js$/, ".ts"), `file://${file}`)));
      }
    };
    visit(fileURLToPath(new URL("../index.ts", import.meta.url)));
    expect([...seen].some((file) => file.endsWith("media/load-media.ts"))).toBe(true);
    expect([...seen].some((file) => file.includes("/node/"))).toBe(false);
  });
});

describe("each provider's request body, as sent (through a loopback proxy to the offline server)", () => {
  it("Chat Completions: image_url (a URL as it is, bytes as a data: URL), input_audio, file; the offline server answers", async () => {
    const { url, bodies } = await offline();
    const client = fromProvider({ provider: "offline", baseURL: `${url}/v1`, apiKey: "k" });
    const value = await client.chat.completions.create({
      model: "m",
      messages: ask(image("https://example.com/receipt.png", { detail: "high" }), image(fixture("pixel.png")), audio(WAV), pdf(PDF, { filename: "receipt.pdf" })),
      response_model: Receipt,
    });
    expect(Receipt.safeParse(value).success).toBe(true);
    const content = (bodies[0]?.["messages"] as Json[])[1]?.["content"];
    expect(content).toEqual([
      { type: "text", text: "Read this." },
      { type: "image_url", image_url: { url: "https://example.com/receipt.png", detail: "high" } },
      { type: "image_url", image_url: { url: `data:image/png;base64,${b64(PNG)}` } },
      { type: "input_audio", input_audio: { data: b64(WAV), format: "wav" } },
      { type: "file", file: { filename: "receipt.pdf", file_data: `data:application/pdf;base64,${b64(PDF)}` } },
    ]);
  });

  it("Responses API: input_text, input_image, input_file", async () => {
    const { url, bodies } = await offline();
    const client = fromProvider({ provider: "offline", baseURL: `${url}/v1`, apiKey: "k", api: "responses" });
    expect(Receipt.safeParse(await client.chat.completions.create({ model: "m", messages: ask(image(PNG), pdf("https://example.com/r.pdf"), pdf(fixture("page.pdf"))), response_model: Receipt })).success).toBe(true);
    expect((bodies[0]?.["input"] as Json[])[1]?.["content"]).toEqual([
      { type: "input_text", text: "Read this." },
      { type: "input_image", image_url: `data:image/png;base64,${b64(PNG)}`, detail: "auto" },
      { type: "input_file", file_url: "https://example.com/r.pdf" },
      { type: "input_file", filename: "page.pdf", file_data: `data:application/pdf;base64,${b64(PDF)}` },
    ]);
  });

  it("Anthropic: image and document blocks, base64 or url sources", async () => {
    const { url, bodies } = await offline();
    const client = fromProvider({ provider: "anthropic", baseURL: `${url}/v1`, apiKey: "k" });
    expect(Receipt.safeParse(await client.chat.completions.create({ model: "m", messages: ask(image(PNG), image("https://example.com/a.jpg"), pdf(PDF)), response_model: Receipt })).success).toBe(true);
    expect(bodies[0]?.["system"]).toBe("You read receipts.");
    expect((bodies[0]?.["messages"] as Json[])[0]?.["content"]).toEqual([
      { type: "text", text: "Read this." },
      { type: "image", source: { type: "base64", media_type: "image/png", data: b64(PNG) } },
      { type: "image", source: { type: "url", url: "https://example.com/a.jpg" } },
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: b64(PDF) } },
    ]);
  });

  it("Gemini: inlineData for bytes, fileData for Cloud Storage and Files API URLs", async () => {
    const { url, bodies, paths } = await offline();
    const client = fromProvider({ provider: "gemini", baseURL: `${url}/v1beta`, apiKey: "k" });
    const parts = ask(image(PNG), audio(WAV), pdf("gs://bucket/receipt.pdf"), image("https://generativelanguage.googleapis.com/v1beta/files/abc", { mediaType: "image/jpeg" }));
    expect(Receipt.safeParse(await client.chat.completions.create({ model: "gemini-2.5-flash", messages: parts, response_model: Receipt })).success).toBe(true);
    expect(paths[0]).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(bodies[0]?.["contents"]).toEqual([
      {
        role: "user",
        parts: [
          { text: "Read this." },
          { inlineData: { mimeType: "image/png", data: b64(PNG) } },
          { inlineData: { mimeType: "audio/wav", data: b64(WAV) } },
          { fileData: { mimeType: "application/pdf", fileUri: "gs://bucket/receipt.pdf" } },
          { fileData: { mimeType: "image/jpeg", fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc" } },
        ],
      },
    ]);
  });

  it("Ollama: the images beside the text, as bare base64; a URL is fetched first, once for all attempts", async () => {
    let fetched = 0;
    const { url, bodies } = await offline((request, response) => {
      if (request.url !== "/cat.png") return false;
      fetched++;
      response.writeHead(200, { "content-type": "image/png" });
      response.end(Buffer.from(PNG));
      return true;
    });
    const client = fromProvider({ provider: "ollama-native", baseURL: url, model: "llava+invalid-first" });
    const value = await client.chat.completions.create({ messages: ask(image(`${url}/cat.png`), image(PNG)), response_model: Receipt, max_retries: 1 });
    expect(Receipt.safeParse(value).success).toBe(true);
    expect(bodies).toHaveLength(2);
    expect(fetched).toBe(1);
    expect((bodies[0]?.["messages"] as Json[])[1]).toEqual({ role: "user", content: "Read this.", images: [b64(PNG), b64(PNG)] });
  });

  it("what a provider does not take is a ConfigurationError that says so, before any request", async () => {
    const { url, bodies } = await offline();
    const cases: [Parameters<typeof fromProvider>[0], MediaPart, RegExp][] = [
      [{ provider: "anthropic", baseURL: `${url}/v1`, apiKey: "k" }, audio(WAV), /Anthropic's Messages API \(the anthropic provider\) does not take audio input \(messages\[1\]\.content\[1\]\)\. Audio goes to: Chat Completions, Gemini/],
      [{ provider: "offline", baseURL: `${url}/v1`, apiKey: "k", api: "responses" }, audio(WAV), /the Responses API .* does not take audio/],
      [{ provider: "ollama-native", baseURL: url }, pdf(PDF), /Ollama's native API .* does not take pdf/],
    ];
    for (const [options, part, message] of cases) {
      const client = fromProvider(options);
      const error = await client.chat.completions.create({ model: "m", messages: ask(part), response_model: Receipt }).catch((caught: unknown) => caught);
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as ConfigurationError).code).toBe("configuration-invalid");
      expect((error as Error).message).toMatch(message);
      expect(() => client.chat.completions.createPartial({ model: "m", messages: ask(part), response_model: Receipt })).toThrow(ConfigurationError);
    }
    // A format the wire does not take: FLAC on OpenAI's input_audio.
    const openai = fromProvider({ provider: "offline", baseURL: `${url}/v1`, apiKey: "k" });
    const flac = new TextEncoder().encode("fLaC\0\0\0\"rest of a flac stream");
    await expect(openai.chat.completions.create({ model: "m", messages: ask(audio(flac)), response_model: Receipt })).rejects.toThrow(/does not take audio\/flac .* it takes audio as audio\/wav, audio\/mpeg/);
    expect(bodies).toHaveLength(0);
  });

  it("media works in createIterable and parallel tool calls too", async () => {
    const { url, bodies } = await offline();
    const client = fromProvider({ provider: "offline", baseURL: `${url}/v1`, apiKey: "k" });
    for await (const item of client.chat.completions.createIterable({ model: "m", messages: ask(image(PNG)), response_model: Receipt })) expect(Receipt.safeParse(item).success).toBe(true);
    const parallel = fromProvider({ provider: "offline", baseURL: `${url}/v1`, apiKey: "k", mode: "parallel_tools" });
    const calls = parallel.chat.completions.createIterable({ model: "m", messages: ask(image(PNG)), response_model: [{ schema: Receipt, name: "Receipt" }] });
    const items: unknown[] = [];
    for await (const item of calls) items.push(item);
    expect(items.length).toBeGreaterThan(0);
    for (const body of bodies) expect(JSON.stringify(body["messages"])).toContain(`data:image/png;base64,${b64(PNG)}`);
  });

  it("the offline server checks media parts as the real APIs do: a malformed one is a 400 naming it", async () => {
    const { url } = await offline();
    const post = async (path: string, body: Json) => {
      const response = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: response.status, text: await response.text() };
    };
    const flac = await post("/v1/chat/completions", { model: "m", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: b64(WAV), format: "flac" } }] }] });
    expect(flac.status).toBe(400);
    expect(flac.text).toContain("messages[0].content[0]: input_audio needs base64 data and a format of wav or mp3");
    const heic = await post("/v1/messages", { model: "m", max_tokens: 10, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/heic", data: b64(PNG) } }] }] });
    expect(heic.status).toBe(400);
    const prefixed = await post("/api/chat", { model: "m", messages: [{ role: "user", content: "x", images: [`data:image/png;base64,${b64(PNG)}`] }] });
    expect(prefixed.status).toBe(400);
    expect(prefixed.text).toContain("no data: prefix");
  });

  it("a call with media is not cached (a path names a file, not what it holds now)", async () => {
    const { url, bodies } = await offline();
    const client = fromProvider({ provider: "offline", baseURL: `${url}/v1`, apiKey: "k", cache: memoryCache() });
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: "m", messages: ask(image(fixture("pixel.png"))), response_model: Receipt });
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "no media" }], response_model: Receipt });
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "no media" }], response_model: Receipt });
    expect(bodies).toHaveLength(3);
  });
});
