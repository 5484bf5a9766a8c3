// The generic HTTP pieces on their own: Retry-After parsing, the redactor, the byte budget, and
// what a failed fetch becomes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionError } from "../errors/connection-error.js";
import { LimitError } from "../errors/limit-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { ByteBudget } from "./byte-budget.js";
import { connectionFailure } from "./connection-failure.js";
import { Redactor } from "./redactor.js";
import { retryAfterMs } from "./retry-after.js";

describe("retryAfterMs", () => {
  it("reads retry-after-ms, seconds and HTTP dates, and ignores what it cannot read", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "3600" }))).toBe(3_600_000);
    expect(retryAfterMs(new Headers({ "retry-after": "2592000" }))).toBe(2_592_000_000);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "-5" }))).toBe(0);
    expect(retryAfterMs(new Headers())).toBeUndefined();
    const date = retryAfterMs(new Headers({ "retry-after": new Date(Date.now() + 120_000).toUTCString() }));
    expect(date).toBeGreaterThan(60_000);
    expect(date).toBeLessThanOrEqual(120_000);
  });
});

describe("Redactor", () => {
  const key = "sk-live-abcdef123456";

  it("removes the key and the header values from message, stack, body at any depth and the cause chain", () => {
    const redactor = Redactor.forHeaders({ Authorization: `Bearer ${key}`, "x-other": "kept-value" });
    const deep: unknown[] = [];
    let node = deep;
    for (let depth = 0; depth < 100_000; depth++) node = node[0] = [] as unknown[];
    node.push(`token ${key}`);
    const cause = new Error(`inner Bearer ${key}`);
    const error = new ProviderError({ message: `echo: Bearer ${key}`, provider: "p", body: { error: { message: key }, deep }, cause });
    redactor.error(error);
    const text = JSON.stringify({ message: error.message, stack: error.stack, body: (error.body as { error: unknown }).error, cause: cause.message, causeStack: cause.stack });
    expect(text).not.toContain(key);
    expect(error.message).toBe("echo: [redacted]");
    let leaf: unknown = (error.body as { deep: unknown[] }).deep;
    while (Array.isArray(leaf) && Array.isArray(leaf[0])) leaf = leaf[0];
    expect((leaf as unknown[])[0]).toBe("token [redacted]");
  });

  it("leaves text without a secret as it is, for any text (property)", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const redactor = new Redactor([key]);
        expect(redactor.text(text.replaceAll(key, ""))).toBe(text.replaceAll(key, ""));
        expect(redactor.text(`${text}${key}${text}`)).not.toContain(key);
      }),
    );
  });

  it("leaves the placeholder keys local servers document (ollama, offline, lm-studio...) in the text, and still replaces a real key beside them", () => {
    const redactor = Redactor.forHeaders({ Authorization: "Bearer ollama" }, "offline", "LM-Studio", key);
    expect(redactor.text("The offline model had an error; none of the loaded models (ollama) match; LM-Studio")).toBe("The offline model had an error; none of the loaded models (ollama) match; LM-Studio");
    expect(redactor.text(`echo ${key}`)).toBe("echo [redacted]");
    expect(new Redactor(["ollama", "offline", "sk-no-key-required"]).isEmpty).toBe(true);
    // A key that only looks like one is still a secret.
    expect(new Redactor(["ollama-7f3k9"]).text("key ollama-7f3k9")).toBe("key [redacted]");
  });
});

describe("ByteBudget", () => {
  it("throws a LimitError exactly when what is held passes the limit (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.nat(600)), { maxLength: 20 }), (limit, holds) => {
        const budget = new ByteBudget(limit, "p");
        const sizes = new Map<string, number>();
        for (const [what, size] of holds) {
          sizes.set(what, size);
          const total = [...sizes.values()].reduce((sum, item) => sum + item, 0);
          if (total > limit) {
            expect(() => budget.hold(what, size)).toThrow(LimitError);
            return;
          }
          budget.hold(what, size);
        }
      }),
    );
  });
});

describe("connectionFailure", () => {
  const failed = (code: string, message: string) => new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code }) });
  it.each([
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9", true],
    ["ECONNRESET", "read ECONNRESET", true],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND api.example.invalid", false],
    ["CERT_HAS_EXPIRED", "certificate has expired", false],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate", false],
  ] as const)("%s: named in the message with the URL; retryable: %s", (code, message, isRetryable) => {
    const error = connectionFailure(failed(code, message), "openai", "https://api.example.invalid/v1/chat/completions");
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: "connection-failed", systemCode: code, isRetryable, url: "https://api.example.invalid/v1/chat/completions" });
    expect(error.message).toContain(code);
    expect(error.message).toContain("https://api.example.invalid/v1/chat/completions");
  });

  it("an unknown scheme is not retryable", () => {
    const error = connectionFailure(new TypeError("fetch failed", { cause: new Error("unknown scheme") }), "local", "ftp://host/v1/chat/completions");
    expect(error).toMatchObject({ isRetryable: false, systemCode: undefined });
  });
});
