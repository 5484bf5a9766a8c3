// The web demo (`npm run demo:web`) in a real browser: Debian's Chromium, headless, driven by
// playwright-core. The model is formwork's offline server behind a loopback proxy, so the test
// sees the model request's connection close when the page's Stop button is pressed.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AbortError } from "../../src/errors/abort-error.js";
import { startTcpProxy, type TcpProxy } from "../../src/server/test-support/tcp-proxy.js";
import { startModelServer, type ModelServer } from "../../src/testing/index.js";
import { startWebDemo, type WebDemo } from "./server.js";
import { User } from "./user.js";

/** Where the screenshots go (printed when the suite starts). */
const SCREENSHOTS = join(tmpdir(), "formwork-web-demo-screenshots");

interface Seen {
  readonly name: string;
  readonly age: string;
  readonly bio: string;
  readonly states: Record<string, string>;
  readonly attempt: string;
  readonly progress: number;
  readonly count: string;
}

let model: ModelServer;
let proxy: TcpProxy;
let demo: WebDemo;
let context: BrowserContext;
let page: Page;
let profile: string;

beforeAll(async () => {
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  console.log(`web demo screenshots: ${SCREENSHOTS}`);
  // Slow enough to press Stop before the answer ends by itself.
  model = await startModelServer({ seed: 11, tokensPerSecond: 25 });
  proxy = await startTcpProxy(model.port);
  demo = await startWebDemo({ openai: new OpenAI({ baseURL: `http://127.0.0.1:${proxy.port}/v1`, apiKey: "offline" }), isOffline: true });
  profile = mkdtempSync(join(tmpdir(), "formwork-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 900, height: 1100 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(demo.url);
  await page.getByText("Stream a user").waitFor({ timeout: 30_000 });
  // Records what the page shows after every change React commits to the DOM.
  await page.evaluate(() => {
    const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? "";
    const read = () => ({
      name: text("field-name"),
      age: text("field-age"),
      bio: text("field-bio"),
      states: Object.fromEntries([...document.querySelectorAll("[data-field]")].map((node) => [node.getAttribute("data-field"), node.getAttribute("data-state")])),
      attempt: document.querySelector("[data-testid=attempt]")?.getAttribute("data-attempt") ?? "",
      progress: Number(document.querySelector("[data-testid=progress]")?.getAttribute("aria-valuenow")),
      count: text("count"),
    });
    const log: unknown[] = [];
    (window as unknown as { seen: unknown[] }).seen = log;
    new MutationObserver(() => log.push(read())).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await demo?.close();
  await proxy?.close();
  await model?.close();
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
});

async function takeSeen(): Promise<Seen[]> {
  return page.evaluate(() => {
    const log = (window as unknown as { seen: Seen[] }).seen;
    return log.splice(0, log.length);
  });
}

function lastUserOutcome() {
  return demo.outcomes.filter((outcome) => outcome.route === "/api/user").at(-1);
}

describe("the web demo in Chromium", () => {
  it("fields fill in, in order, never show an invalid value; the progress bar reaches 100%; the final value equals the server's", { timeout: 60_000 }, async () => {
    await takeSeen();
    await page.getByText("Stream a user").click();
    await page.getByTestId("final").waitFor({ timeout: 45_000 });
    await page.screenshot({ path: join(SCREENSHOTS, "1-user-filled.png"), fullPage: true });
    const seen = await takeSeen();
    const final = User.parse(JSON.parse((await page.getByTestId("final").textContent()) ?? ""));
    expect(lastUserOutcome()?.final).toEqual(final);
    expect(seen.length).toBeGreaterThan(3);
    const firstShown = (field: "name" | "age" | "bio") => seen.findIndex((entry) => entry[field] !== "");
    expect(firstShown("name")).toBeGreaterThanOrEqual(0);
    expect(firstShown("name")).toBeLessThan(firstShown("age"));
    expect(firstShown("age")).toBeLessThan(firstShown("bio"));
    let progress = 0;
    for (const entry of seen) {
      // Strings only grow toward the final value; the age appears once, whole and valid.
      expect(final.name.startsWith(entry.name)).toBe(true);
      expect(final.bio.startsWith(entry.bio)).toBe(true);
      expect(["", String(final.age)]).toContain(entry.age);
      if (entry.states["name"] === "done") expect(entry.name).toBe(final.name);
      expect(entry.progress).toBeGreaterThanOrEqual(progress);
      progress = entry.progress;
    }
    // Fields were seen while being written, not only at the end.
    expect(seen.some((entry) => entry.states["bio"] === "streaming" && entry.bio !== "" && entry.bio !== final.bio)).toBe(true);
    expect(await page.getByTestId("progress").getAttribute("aria-valuenow")).toBe("100");
    expect(Object.values(seen.at(-1)?.states ?? {})).toEqual(["done", "done", "done"]);
  });

  it("a retry clears the form: the invalid first answer never shows, the second fills in from empty", { timeout: 60_000 }, async () => {
    await takeSeen();
    await page.getByText("Stream with a retry").click();
    await page.getByTestId("final").waitFor({ timeout: 45_000 });
    await page.getByTestId("attempt").getByText("Attempt 2").waitFor({ timeout: 5_000 });
    await page.screenshot({ path: join(SCREENSHOTS, "2-after-retry.png"), fullPage: true });
    const seen = await takeSeen();
    const final = User.parse(JSON.parse((await page.getByTestId("final").textContent()) ?? ""));
    expect(lastUserOutcome()?.final).toEqual(final);
    const second = seen.findIndex((entry) => entry.attempt === "2");
    expect(seen.slice(0, second).some((entry) => entry.attempt === "1" && entry.name !== "")).toBe(true);
    // The moment the new attempt began, the form was empty again.
    expect(seen[second]).toMatchObject({ attempt: "2", name: "", age: "", bio: "" });
    for (const entry of seen) expect(entry.age === "" || Number.isInteger(Number(entry.age))).toBe(true);
    for (const entry of seen.slice(second)) {
      expect(final.name.startsWith(entry.name)).toBe(true);
      expect(final.bio.startsWith(entry.bio)).toBe(true);
    }
  });

  it("Stop closes the model request at once", { timeout: 60_000 }, async () => {
    const before = demo.outcomes.length;
    await page.getByText("Stream a user").click();
    await vi.waitFor(() => expect(proxy.open).toBe(1), { timeout: 20_000 });
    await page.getByTestId("field-name").filter({ hasText: /./ }).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Stop" }).first().click();
    await page.getByTestId("status").getByText("stopped").waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SCREENSHOTS, "3-stopped.png"), fullPage: true });
    await vi.waitFor(() => expect(proxy.open).toBe(0), { timeout: 20_000 });
    await vi.waitFor(() => expect(demo.outcomes.length).toBe(before + 1), { timeout: 20_000 });
    // Cancelled, not finished.
    expect(AbortError.isInstance(lastUserOutcome()?.error)).toBe(true);
  });

  it("the list grows one complete user at a time", { timeout: 90_000 }, async () => {
    await takeSeen();
    await page.getByText("Stream users").click();
    await page.getByTestId("count").getByText(/^\d+ complete$/).waitFor({ timeout: 80_000 });
    await page.screenshot({ path: join(SCREENSHOTS, "4-users.png"), fullPage: true });
    const counts = (await takeSeen()).map((entry) => Number.parseInt(entry.count, 10));
    const total = counts.at(-1) ?? 0;
    expect(total).toBeGreaterThan(1);
    expect(await page.getByTestId("user").count()).toBe(total);
    const distinct = [...new Set(counts)];
    expect(distinct).toEqual(Array.from({ length: total + 1 }, (_, index) => index));
    for (const text of await page.getByTestId("user").allTextContents()) expect(text.length).toBeGreaterThan(3);
  });
});
