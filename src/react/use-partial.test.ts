// The hooks in a React tree (React Testing Library under happy-dom) against a real HTTP server
// that serves toResponse over a client on the offline model server.
import { closeDom } from "./test-support/dom.js";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { createElement, memo, useEffect, type ReactElement } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { fromProvider } from "../client/from-provider.js";
import { AbortError } from "../errors/abort-error.js";
import { startTcpProxy, type TcpProxy } from "../server/test-support/tcp-proxy.js";
import { startTestServer, type TestServer } from "../server/test-support/serve.js";
import { toResponse } from "../server/to-response.js";
import { startModelServer, type ModelServer } from "../testing/model-server.js";
import { useIterable, usePartial, type UsePartialResult } from "./use-partial.js";

const Profile = z.object({ profile: z.object({ name: z.string(), age: z.number().int().min(0).max(120) }), bio: z.string().min(40), notes: z.array(z.string()).min(3) });
type Profile = z.infer<typeof Profile>;
const User = z.object({ name: z.string(), age: z.number().int() });
type User = z.infer<typeof User>;
const messages = [{ role: "user" as const, content: "Make up a profile." }];

let model: ModelServer;
let slowModel: ModelServer;
let proxy: TcpProxy;
let app: TestServer;
const finals: unknown[] = [];
const serverErrors: unknown[] = [];

beforeAll(async () => {
  model = await startModelServer({ seed: 3, tokensPerSecond: 400 });
  slowModel = await startModelServer({ seed: 3, tokensPerSecond: 8 });
  proxy = await startTcpProxy(slowModel.port);
  const client = fromProvider({ provider: "openai", baseURL: model.url, apiKey: "sk-test", mode: "tools" });
  const slowClient = fromProvider({ provider: "openai", baseURL: `http://127.0.0.1:${proxy.port}/v1`, apiKey: "sk-test", mode: "tools" });
  app = await startTestServer({
    "/profile": () => {
      const stream = client.chat.completions.createPartial({ model: "m", messages, response_model: { schema: Profile, name: "Profile" } });
      stream.final.then((value) => finals.push(value), () => undefined);
      return toResponse(stream, { flushMs: 0 });
    },
    "/slow": () => {
      const stream = slowClient.chat.completions.createPartial({ model: "m", messages, response_model: { schema: Profile, name: "Profile" } });
      stream.final.then(() => undefined, (error: unknown) => serverErrors.push(error));
      return toResponse(stream);
    },
    "/users": () => toResponse(client.chat.completions.createIterable({ model: "m", messages, response_model: { schema: User, name: "User" } }), { flushMs: 0 }),
  });
});

afterEach(() => cleanup());
afterAll(async () => {
  await app.close();
  await proxy.close();
  await model.close();
  await slowModel.close();
  await closeDom();
});

const renders = { parent: 0, child: 0, childWithDoneProfile: 0, parentWithDoneProfile: 0 };

const ProfileCard = memo(function ProfileCard({ profile, isDone }: { profile: Profile["profile"] | undefined; isDone: boolean }) {
  renders.child++;
  if (isDone) renders.childWithDoneProfile++;
  return createElement("p", { "data-testid": "profile" }, `${profile?.name ?? ""} ${profile?.age ?? ""}`);
});

function ProfileForm({ api, throttleMs, onState }: { api: string; throttleMs?: number; onState?: (state: UsePartialResult<Profile, unknown>) => void }): ReactElement {
  const result = usePartial<Profile>({ api: `${app.url}${api}`, schema: Profile, ...(throttleMs === undefined ? {} : { throttleMs }) });
  renders.parent++;
  const isDone = result.state(["profile"]) === "done";
  if (isDone) renders.parentWithDoneProfile++;
  useEffect(() => {
    onState?.(result as UsePartialResult<Profile, unknown>);
  });
  return createElement(
    "div",
    null,
    createElement("button", { onClick: () => result.submit({ prompt: "x" }) }, "go"),
    createElement("button", { onClick: () => result.stop() }, "stop"),
    createElement(ProfileCard, { profile: result.value?.profile as Profile["profile"] | undefined, isDone }),
    createElement("output", { "data-testid": "bio" }, result.value?.bio ?? ""),
    createElement("output", { "data-testid": "status" }, result.isLoading ? "loading" : result.error !== undefined ? `error ${String((result.error as Error).name)}` : result.final !== undefined ? "done" : "idle"),
    createElement("output", { "data-testid": "progress" }, String(Math.round(result.progress.ratio * 100))),
  );
}

function resetRenders(): void {
  renders.parent = renders.child = renders.childWithDoneProfile = renders.parentWithDoneProfile = 0;
}

describe("usePartial", () => {
  it("fills the value in, ends with the server's final value, and a memoised child of a closed subtree does not re-render", async () => {
    resetRenders();
    const states: UsePartialResult<Profile, unknown>[] = [];
    render(createElement(ProfileForm, { api: "/profile", onState: (state) => states.push(state) }));
    const before = finals.length;
    act(() => screen.getByText("go").click());
    await waitFor(() => expect(screen.getByTestId("status").textContent).toBe("done"), { timeout: 20_000 });
    const final = states.at(-1)?.final;
    expect(finals.slice(before)).toEqual([final]);
    expect(states.at(-1)?.value).toEqual(final);
    expect(screen.getByTestId("progress").textContent).toBe("100");
    expect(screen.getByTestId("bio").textContent).toBe(final?.bio);
    // The bio kept streaming after the profile closed: the parent re-rendered, the child did not.
    expect(renders.parentWithDoneProfile).toBeGreaterThan(2);
    expect(renders.childWithDoneProfile).toBe(1);
    // One state object per change: the hook's result keeps its identity between renders of nothing new.
    const distinct = new Set(states);
    expect(distinct.size).toBeLessThanOrEqual(states.length);
  });

  it("stop() aborts the request: the model request closes and no error is shown", async () => {
    const errors = serverErrors.length;
    render(createElement(ProfileForm, { api: "/slow" }));
    act(() => screen.getByText("go").click());
    await vi.waitFor(() => expect(proxy.open).toBe(1), { timeout: 10_000 });
    act(() => screen.getByText("stop").click());
    expect(screen.getByTestId("status").textContent).toBe("idle");
    await vi.waitFor(() => expect(proxy.open).toBe(0), { timeout: 10_000 });
    await vi.waitFor(() => expect(serverErrors.length).toBe(errors + 1), { timeout: 10_000 });
    expect(AbortError.isInstance(serverErrors.at(-1))).toBe(true);
    expect(screen.getByTestId("status").textContent).toBe("idle");
  });

  it("unmounting aborts the request", async () => {
    const errors = serverErrors.length;
    const { unmount } = render(createElement(ProfileForm, { api: "/slow" }));
    act(() => screen.getByText("go").click());
    await vi.waitFor(() => expect(proxy.open).toBe(1), { timeout: 10_000 });
    unmount();
    await vi.waitFor(() => expect(proxy.open).toBe(0), { timeout: 10_000 });
    await vi.waitFor(() => expect(serverErrors.length).toBe(errors + 1), { timeout: 10_000 });
    expect(AbortError.isInstance(serverErrors.at(-1))).toBe(true);
  });

  it("throttleMs caps re-renders: a long window gives the first update and the final state only", async () => {
    resetRenders();
    render(createElement(ProfileForm, { api: "/profile" }));
    act(() => screen.getByText("go").click());
    await waitFor(() => expect(screen.getByTestId("status").textContent).toBe("done"), { timeout: 20_000 });
    const unthrottled = renders.parent;
    cleanup();
    resetRenders();
    render(createElement(ProfileForm, { api: "/profile", throttleMs: 600_000 }));
    act(() => screen.getByText("go").click());
    await waitFor(() => expect(screen.getByTestId("status").textContent).toBe("done"), { timeout: 20_000 });
    // The first render, the loading state (notified at once), then the end (never held back).
    expect(renders.parent).toBeLessThanOrEqual(3);
    expect(unthrottled).toBeGreaterThan(renders.parent);
    expect(screen.getByTestId("progress").textContent).toBe("100");
  });
});

describe("useIterable", () => {
  it("items grow one complete item at a time, earlier items keep their identity", async () => {
    const seen: (readonly User[])[] = [];
    function Users(): ReactElement {
      const { items, isLoading, submit } = useIterable<User>({ api: `${app.url}/users` });
      useEffect(() => void seen.push(items), [items]);
      return createElement("div", null, createElement("button", { onClick: () => submit({}) }, "go"), createElement("output", { "data-testid": "count" }, isLoading ? "loading" : String(items.length)));
    }
    render(createElement(Users));
    act(() => screen.getByText("go").click());
    await waitFor(() => expect(screen.getByTestId("count").textContent).toMatch(/^\d+$/), { timeout: 20_000 });
    const last = seen.at(-1) ?? [];
    expect(last.length).toBeGreaterThan(0);
    for (const user of last) expect(User.parse(user)).toEqual(user);
    for (let i = 1; i < seen.length; i++) {
      const [before, after] = [seen[i - 1] ?? [], seen[i] ?? []];
      expect(after.length).toBeGreaterThanOrEqual(before.length);
      before.forEach((user, index) => expect(after[index]).toBe(user));
    }
  });
});
