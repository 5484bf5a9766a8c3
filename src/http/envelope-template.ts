// A token stream sends the same JSON envelope around every piece: Chat Completions wraps each
// token in about 200 bytes of id, model and choices, Anthropic in its content_block_delta. Under
// load, JSON.parse of those envelopes is the largest single cost of a read (1.2 µs for a Chat
// chunk, against 0.2 µs here). Once two events parsed in full differ only in some of their
// strings (the token; OpenAI's own API also adds a random `obfuscation` string to every chunk),
// the envelope is learnt as a template: the text between those strings, and the parsed envelope.
// An event made of that text with one JSON string token in each place is that envelope with
// those strings: only the strings are read, and each is put in its place in the envelope.
//
// Why this is exact: the template is kept only if marker strings, put in those places, parse as
// whole string values, each at one place in the envelope. So each place begins where a string
// value begins and ends where it ends; JSON's tokens do not depend on what string stands in a
// string's place, so any string tokens there parse to the same envelope with those strings in
// the markers' places. Anything else (another kind of event, a number that changes, a token
// followed by more) does not fit, and is parsed in full.
//
// The envelope is one object, changed in place for each event that fits: a value from the
// template is good until the next parse. The reader must use it at once and keep nothing of it
// (formwork's decoders take strings and numbers out of it). Chunks handed to the user are
// parsed in full.

// Where a string goes in the template: the object or array holding it and its key (an own
// "__proto__" key included: an own data property takes the assignment, not the prototype).
interface Place {
  readonly holder: Record<string | number, unknown> | undefined; // undefined: the event is the string
  readonly key: string | number;
}

// Strings no envelope holds: a NUL and a private-use character, which JSON must escape or would
// never send by chance.
const marker = (index: number) => `\u0000formwork\uE000template${index}`;
const QUOTE = 34;
const BACKSLASH = 92;
const NO_FIT: unique symbol = Symbol("no fit");
// Strings that vary per event, at most (a token and a padding; more is not a token stream).
const MAX_PLACES = 4;

export class EnvelopeTemplate {
  // The text around the places: runs[0], a string, runs[1], ... runs[places.length].
  private runs: readonly string[] = [];
  private places: readonly Place[] = [];
  private template: unknown = undefined;
  // The strings read from an event that fits (set only once the whole event fitted).
  private readonly pieces: string[] = [];
  // The last event parsed in full: two teach the template.
  private last: string | undefined;
  // Full parses to let pass before learning is tried again, after a failure (doubling to 64).
  private cooldown = 0;
  private nextCooldown = 1;

  /** The value of one event's JSON text; throws as JSON.parse does when it is not JSON. */
  parse(data: string): unknown {
    if (this.places.length > 0) {
      const value = this.fill(data);
      if (value !== NO_FIT) return value;
    }
    const value: unknown = JSON.parse(data);
    const last = this.last;
    this.last = copied(data);
    if (last !== undefined) this.learn(last, data);
    return value;
  }

  /** Forgets the template: values given so far are never changed again (an error keeps one). */
  forget(): void {
    this.runs = [];
    this.places = [];
    this.template = undefined;
  }

  // The template with the event's strings in their places, or NO_FIT.
  private fill(data: string): unknown {
    const runs = this.runs;
    const places = this.places;
    const pieces = this.pieces;
    // Each run is sliced and compared with ===, which V8 does as one memory compare;
    // startsWith walks the characters (three to ten times slower on a 150-character envelope).
    let at = (runs[0] as string).length;
    if (data.slice(0, at) !== runs[0]) return NO_FIT;
    for (let index = 0; index < places.length; index++) {
      if (data.charCodeAt(at) !== QUOTE) return NO_FIT;
      const close = closingQuote(data, at);
      if (close < 0) return NO_FIT;
      // A string with no escape and no control character is its own text; any other is
      // JSON.parse's to read (or to refuse: then the event is parsed in full, and fails there).
      // (A long slice would keep the whole network read alive as long as the text is kept:
      // it is copied, as JSON.parse copies. V8 copies slices under 13 characters itself.)
      const piece = isPlain(data, at + 1, close) ? (close - at > 13 ? copied(data.slice(at + 1, close)) : data.slice(at + 1, close)) : readString(data.slice(at, close + 1));
      if (piece === undefined) return NO_FIT;
      pieces[index] = piece;
      at = close + 1;
      const run = runs[index + 1] as string;
      const end = at + run.length;
      if (index === places.length - 1 ? end !== data.length : end > data.length) return NO_FIT;
      if (data.slice(at, end) !== run) return NO_FIT;
      at = end;
    }
    for (let index = 0; index < places.length; index++) {
      const place = places[index] as Place;
      if (place.holder === undefined) return pieces[index];
      place.holder[place.key] = pieces[index];
    }
    return this.template;
  }

  // Two events parsed in full (in a row, or with events that fitted between): if they differ
  // only in some strings, those strings' places become the template's. Otherwise the template
  // stays: an event of another kind (a finish, a ping) does not unlearn the tokens' envelope,
  // and a new envelope (a second tool call) is learnt from its first two events.
  private learn(a: string, b: string): void {
    if (this.cooldown > 0) {
      this.cooldown--;
      return;
    }
    if (a === b) return; // the same event twice: nothing varies
    const learnt = templateOf(a, b);
    if (learnt === undefined) {
      // Not a token stream (or not yet): learning is tried again less and less often.
      this.cooldown = this.nextCooldown;
      this.nextCooldown = Math.min(this.nextCooldown * 2, 64);
      return;
    }
    this.nextCooldown = 1;
    this.runs = learnt.runs.map(copied);
    this.places = learnt.places;
    this.template = learnt.template;
  }
}

// A string of its own: an event's text is a slice of a network read (up to 64 KB over fetch),
// and a slice kept for the stream's life would keep the whole read alive. (A string joined to
// one space and sliced past it is copied: the join is flattened into a new string.)
function copied(text: string): string {
  return ` ${text}`.slice(1);
}

// The template two events share, if they differ only in some string tokens.
function templateOf(a: string, b: string): { runs: string[]; places: Place[]; template: unknown } | undefined {
  const stringsA = stringTokens(a);
  const stringsB = stringTokens(b);
  if (stringsA === undefined || stringsB === undefined || stringsA.length !== stringsB.length) return undefined;
  // Between strings the two must be the same text; the strings that differ are the places.
  const runs: string[] = [];
  const differing: number[] = [];
  let runStart = 0;
  for (let index = 0; index <= stringsA.length / 2; index++) {
    const gapA = a.slice(index === 0 ? 0 : (stringsA[index * 2 - 1] as number), stringsA[index * 2] ?? a.length);
    const gapB = b.slice(index === 0 ? 0 : (stringsB[index * 2 - 1] as number), stringsB[index * 2] ?? b.length);
    if (gapA !== gapB) return undefined;
    if (index * 2 === stringsA.length) break;
    const start = stringsB[index * 2] as number;
    const end = stringsB[index * 2 + 1] as number;
    if (a.slice(stringsA[index * 2], stringsA[index * 2 + 1]) === b.slice(start, end)) continue;
    differing.push(index);
    runs.push(b.slice(runStart, start));
    runStart = end;
  }
  runs.push(b.slice(runStart));
  if (differing.length === 0 || differing.length > MAX_PLACES) return undefined;
  let template: unknown;
  try {
    template = JSON.parse(runs.map((run, index) => (index === 0 ? run : JSON.stringify(marker(index - 1)) + run)).join(""));
  } catch {
    return undefined; // the quotes were not strings' own
  }
  const places: Place[] = [];
  for (let index = 0; index < differing.length; index++) {
    const place = placeOf(template, marker(index));
    if (place === undefined) return undefined;
    places.push(place);
  }
  return { runs, places, template };
}

// The start and end (past the closing quote) of every string token of a JSON text, in order;
// undefined when a string does not close. A walk of the text: outside strings, only quotes count.
function stringTokens(text: string): number[] | undefined {
  const bounds: number[] = [];
  for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at)) {
    const close = closingQuote(text, at);
    if (close < 0) return undefined;
    bounds.push(at, close + 1);
    at = close + 1;
  }
  return bounds;
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

// True when text[start, end) holds no escape and no control character: it is the string itself.
function isPlain(text: string, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === BACKSLASH || code < 0x20) return false;
  }
  return true;
}

// A string token read by JSON.parse; undefined when it is not one.
function readString(token: string): string | undefined {
  try {
    const value: unknown = JSON.parse(token);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

// Where `wanted` stands in the template, if it stands there once as a whole string value.
function placeOf(template: unknown, wanted: string): Place | undefined {
  if (template === wanted) return { holder: undefined, key: 0 };
  const found: Place[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => (item === wanted ? found.push({ holder: node as unknown as Record<number, unknown>, key: index }) : walk(item)));
    } else if (typeof node === "object" && node !== null) {
      for (const [key, item] of Object.entries(node)) {
        if (item === wanted) found.push({ holder: node as Record<string, unknown>, key });
        else walk(item);
      }
    }
  };
  walk(template);
  return found.length === 1 ? found[0] : undefined;
}
