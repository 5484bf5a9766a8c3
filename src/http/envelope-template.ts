// A token stream sends the same JSON envelope around every piece: Chat Completions wraps each
// token in about 200 bytes of id, model and choices, Anthropic in its content_block_delta. Under
// load, JSON.parse of those envelopes is the largest single cost of a read (1.2 µs for a Chat
// chunk, against 0.2 µs here). Once two events parsed in full differ only in one string (the
// token), the envelope is learnt as a template: the bytes before that string, the bytes after
// it, and the parsed envelope. An event that starts and ends with those bytes, with a single
// JSON string between, is that envelope with that string: only the string is parsed, and it is
// put in the envelope's place for it.
//
// Why this is exact: the template is kept only if a marker string, put between the two byte
// runs, parses as one whole string value at one place in the envelope. So the first run ends
// where a string value begins and the second begins where it ends; JSON's tokens do not depend
// on what string stands between, so any single string token there parses to the same envelope
// with that string in the marker's place. Anything else (another kind of event, a second field
// that changes, a token followed by more) does not fit, and is parsed in full.
//
// The envelope is one object, changed in place for each event that fits: a value from the
// template is good until the next parse. The reader must use it at once and keep nothing of it
// (formwork's decoders take strings and numbers out of it). Chunks handed to the user are
// parsed in full.

type JsonPath = readonly (string | number)[];

// A string no envelope holds: a NUL and a private-use character, which JSON must escape or
// would never send by chance.
const MARKER = "\u0000formwork\uE000template";
const MARKER_TOKEN = JSON.stringify(MARKER);
const QUOTE = 34;
const BACKSLASH = 92;
const NO_FIT: unique symbol = Symbol("no fit");

export class EnvelopeTemplate {
  private prefix = "";
  private suffix = "";
  private template: unknown = undefined;
  private path: JsonPath | undefined;
  // The object or array that holds the token in the template (an own "__proto__" key included:
  // an own data property takes the assignment, not the prototype).
  private holder: unknown = undefined;
  // The last event parsed in full: two in a row teach the template.
  private last: string | undefined;
  // Full parses to let pass before learning is tried again, after a failure (doubling to 64).
  private cooldown = 0;
  private nextCooldown = 1;

  /** The value of one event's JSON text; throws as JSON.parse does when it is not JSON. */
  parse(data: string): unknown {
    const path = this.path;
    if (path !== undefined) {
      const value = this.fill(data, path);
      if (value !== NO_FIT) return value;
    }
    const value: unknown = JSON.parse(data);
    const last = this.last;
    this.last = data;
    if (last !== undefined) this.learn(last, data);
    return value;
  }

  // The template with the event's string in the marker's place, or NO_FIT.
  private fill(data: string, path: JsonPath): unknown {
    const prefix = this.prefix;
    const suffix = this.suffix;
    const end = data.length - suffix.length;
    // Sliced and compared with ===, which V8 does as one memory compare; startsWith walks the
    // characters (three to ten times slower on a 150-character envelope).
    if (end - prefix.length < 2 || data.slice(0, prefix.length) !== prefix || data.slice(end) !== suffix) return NO_FIT;
    if (data.charCodeAt(prefix.length) !== QUOTE || data.charCodeAt(end - 1) !== QUOTE) return NO_FIT;
    let piece: unknown;
    try {
      piece = JSON.parse(data.slice(prefix.length, end));
    } catch {
      return NO_FIT; // more than one string between: `"a","b"`
    }
    if (typeof piece !== "string") return NO_FIT;
    if (path.length === 0) return piece; // the event is a string itself
    (this.holder as Record<string | number, unknown>)[path[path.length - 1] as string | number] = piece;
    return this.template;
  }

  // Two events parsed in full (in a row, or with events that fitted between): if they differ in
  // one string only, that string's place becomes the template's. Otherwise the template stays:
  // an event of another kind (a finish, a ping) does not unlearn the tokens' envelope, and a new
  // envelope (a second tool call) is learnt from its first two events.
  private learn(a: string, b: string): void {
    if (this.cooldown > 0) {
      this.cooldown--;
      return;
    }
    const shorter = Math.min(a.length, b.length);
    let same = 0;
    while (same < shorter && a.charCodeAt(same) === b.charCodeAt(same)) same++;
    let sameEnd = 0;
    while (sameEnd < shorter - same && a.charCodeAt(a.length - 1 - sameEnd) === b.charCodeAt(b.length - 1 - sameEnd)) sameEnd++;
    if (same === a.length && a.length === b.length) return; // the same event twice: nothing varies
    // The string the first difference falls in: where it opens, and where it closes in each.
    const open = openingQuote(b, same);
    const closeA = open < 0 ? -1 : closingQuote(a, open);
    const closeB = open < 0 ? -1 : closingQuote(b, open);
    const suffixLength = b.length - 1 - closeB;
    const isOneString = closeA >= 0 && closeB >= 0 && a.length - 1 - closeA === suffixLength && suffixLength <= sameEnd;
    const template = isOneString ? markedTemplate(b.slice(0, open), b.slice(closeB + 1)) : undefined;
    if (template === undefined) {
      // Not a token stream (or not yet): learning is tried again less and less often.
      this.cooldown = this.nextCooldown;
      this.nextCooldown = Math.min(this.nextCooldown * 2, 64);
      return;
    }
    this.nextCooldown = 1;
    this.prefix = b.slice(0, open);
    this.suffix = b.slice(closeB + 1);
    this.template = template.value;
    this.path = template.path;
    this.holder = template.path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], template.value);
  }

  /** Forgets the template: values given so far are never changed again (an error keeps one). */
  forget(): void {
    this.path = undefined;
    this.template = undefined;
    this.holder = undefined;
  }
}

// The quote that opens the string holding position `at` of a JSON text, or -1 when `at` is not
// in a string (a lexer's walk from the start: quotes preceded by a backslash do not count).
function openingQuote(text: string, at: number): number {
  let open = -1;
  for (let index = 0; index < at; index++) {
    const code = text.charCodeAt(index);
    if (open >= 0 && code === BACKSLASH) index++;
    else if (code === QUOTE) open = open >= 0 ? -1 : index;
  }
  return open;
}

// The quote that closes the string opened at `open`, or -1.
function closingQuote(text: string, open: number): number {
  for (let index = open + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === BACKSLASH) index++;
    else if (code === QUOTE) return index;
  }
  return -1;
}

// The envelope with the marker between `prefix` and `suffix`, and where the marker stands in
// it; undefined unless that parses with the marker as one whole string value (see the top).
function markedTemplate(prefix: string, suffix: string): { value: unknown; path: JsonPath } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(prefix + MARKER_TOKEN + suffix);
  } catch {
    return undefined;
  }
  const path = markerPath(value);
  return path === undefined ? undefined : { value, path };
}

// Where the marker stands in the template, if it stands there once as a whole string value.
function markerPath(value: unknown): JsonPath | undefined {
  const found: JsonPath[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (node === MARKER) found.push([...path]);
    else if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, index]));
    else if (typeof node === "object" && node !== null) for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
  };
  walk(value, []);
  return found.length === 1 ? found[0] : undefined;
}
