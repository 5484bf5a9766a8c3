// A happy-dom document for React Testing Library, installed into Node's globals without
// replacing what Node already has: the page's code then calls servers with Node's own fetch,
// as the server-side client in the same test must (happy-dom's fetch applies a page's CORS
// rules to every loopback call, the model server's included).
import { Window } from "happy-dom";

const window = new Window({ url: "http://localhost/" });
const globals = globalThis as unknown as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(window)) {
  if (key in globalThis) continue;
  const value = (window as unknown as Record<string, unknown>)[key];
  globals[key] = value;
}
globals["window"] = window;
globals["document"] = window.document;
globals["navigator"] = window.navigator;
globals["IS_REACT_ACT_ENVIRONMENT"] = true;

/** Closes the document's timers and tasks. */
export async function closeDom(): Promise<void> {
  await window.happyDOM.close();
}
