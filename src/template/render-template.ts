// Templates for prompts: `{{ placeholders }}` filled from a context, with sections over lists
// and conditionals, in the syntax Instructor's users write (Jinja's tags, a safe subset). Nothing
// in a template runs code: a placeholder is a dotted path into the context, read through own
// properties only, so `{{ constructor }}` or `{{ __proto__ }}` can never reach a prototype.
import { TemplateError } from "../errors/template-error.js";

/** How a template is named in errors: a message's place (`messages[0]`), a prompt file. */
export interface TemplateOptions {
  readonly name?: string;
}

/** A template read once and filled in many times (a batch runner's prompt, say). */
export interface CompiledTemplate {
  readonly name: string;
  /** The dotted paths the template reads at the top level of its context, in order of use. */
  readonly variables: readonly string[];
  /** The text with every placeholder filled in. Throws TemplateError. */
  render(context: Readonly<Record<string, unknown>>): string;
}

/**
 * Fills in a template from `context`.
 *
 * The syntax:
 * 1. `{{ path }}` writes the value at a dotted path (`user.name`, `items.0.title`): a string as
 *    it is, a number or boolean as written, anything else (objects, lists, null) as JSON. A path
 *    with no value is a TemplateError (`template-missing-variable`) that names it and the keys
 *    that are there.
 * 2. `{% for item in path %} … {% else %} … {% endfor %}` repeats its body for each element of a
 *    list, with `item` and `loop.index` (from 1), `loop.index0`, `loop.first`, `loop.last` and
 *    `loop.length` in scope; the optional `else` part is written when the list is empty.
 * 3. `{% if path %} … {% elif not path %} … {% else %} … {% endif %}` writes the first part whose
 *    test holds. A test is a path, optionally preceded by `not`; it holds when the value is
 *    present and not `false`, `0`, `""`, `null`, an empty list or an empty object. A missing path
 *    is simply false here: a conditional is how a template says a field may be absent.
 * 4. `{# comment #}` is dropped; `{% raw %} … {% endraw %}` is written exactly as it is, braces
 *    included.
 * 5. A line that holds nothing but one `{% %}` or `{# #}` tag is removed whole, newline
 *    included, so block tags on lines of their own leave no blank lines behind.
 *
 * A value is written as it is: braces inside a filled-in value are never read as a template.
 *
 * @example
 * renderTemplate("Extract {{ kind }} from:\n{% for d in docs %}- {{ d.title }}\n{% endfor %}",
 *   { kind: "invoices", docs: [{ title: "March" }, { title: "April" }] });
 * // "Extract invoices from:\n- March\n- April\n"
 */
export function renderTemplate(source: string, context: Readonly<Record<string, unknown>>, options?: TemplateOptions): string {
  return compileTemplate(source, options).render(context);
}

/** Whether `text` holds any template tag (`{{`, `{%` or `{#`), so it needs rendering at all. */
export function hasTemplateSyntax(text: string): boolean {
  return /\{[{%#]/.test(text);
}

/** Reads a template once; see renderTemplate for the syntax. Throws TemplateError on bad syntax. */
export function compileTemplate(source: string, options?: TemplateOptions): CompiledTemplate {
  const name = options?.name ?? "(template)";
  const nodes = parse(tokenize(source, name), source, name);
  const variables = collectVariables(nodes);
  return {
    name,
    variables,
    render(context) {
      const output: string[] = [];
      renderNodes(nodes, { values: context, parent: undefined }, output, source, name);
      return output.join("");
    },
  };
}

// ---- tokens ---------------------------------------------------------------------------------

type Token =
  | { readonly type: "text"; text: string; readonly offset: number }
  | { readonly type: "output"; readonly expression: string; readonly offset: number }
  | { readonly type: "block"; readonly words: readonly string[]; readonly offset: number }
  | { readonly type: "comment"; readonly offset: number };

const CLOSERS = { "{{": "}}", "{%": "%}", "{#": "#}" } as const;

function tokenize(source: string, name: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const open = source.slice(index).search(/\{[{%#]/);
    if (open === -1) {
      tokens.push({ type: "text", text: source.slice(index), offset: index });
      break;
    }
    const start = index + open;
    if (start > index) tokens.push({ type: "text", text: source.slice(index, start), offset: index });
    const opener = source.slice(start, start + 2) as keyof typeof CLOSERS;
    const end = source.indexOf(CLOSERS[opener], start + 2);
    if (end === -1) {
      throw syntaxError(`"${opener}" is never closed by "${CLOSERS[opener]}"; write it as {% raw %}${opener}{% endraw %} if it is meant literally`, source, start, name);
    }
    const inner = source.slice(start + 2, end).trim();
    index = end + 2;
    if (opener === "{#") {
      tokens.push({ type: "comment", offset: start });
    } else if (opener === "{{") {
      tokens.push({ type: "output", expression: inner, offset: start });
    } else if (inner === "raw") {
      const closing = /\{%\s*endraw\s*%\}/g;
      closing.lastIndex = index;
      const match = closing.exec(source);
      if (match === null) throw syntaxError("{% raw %} has no {% endraw %}", source, start, name);
      tokens.push({ type: "block", words: ["raw"], offset: start });
      tokens.push({ type: "text", text: source.slice(index, match.index), offset: index });
      tokens.push({ type: "block", words: ["endraw"], offset: match.index });
      index = match.index + match[0].length;
    } else {
      tokens.push({ type: "block", words: inner.split(/\s+/).filter((word) => word !== ""), offset: start });
    }
  }
  removeStandaloneLines(tokens);
  return tokens;
}

// Rule 5: a block or comment tag alone on its line takes the line's indentation and its newline
// with it. Raw text between raw tags is left exactly as written.
function removeStandaloneLines(tokens: Token[]): void {
  // Decided on the texts as written, then applied, so that two tag lines in a row both go.
  const edge = (): Extract<Token, { type: "text" }> => ({ type: "text", text: "", offset: 0 });
  const cuts = new Map<Extract<Token, { type: "text" }>, { start: number; end: number }>();
  const cut = (token: Extract<Token, { type: "text" }>) => {
    let entry = cuts.get(token);
    if (entry === undefined) cuts.set(token, (entry = { start: 0, end: token.text.length }));
    return entry;
  };
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] as Token;
    if (token.type !== "block" && token.type !== "comment") continue;
    // The source's start and end count as line edges; another tag beside this one does not.
    const before = index === 0 ? edge() : tokens[index - 1];
    const after = index === tokens.length - 1 ? edge() : tokens[index + 1];
    if (before?.type !== "text" || after?.type !== "text") continue;
    const lineStart = before.text.lastIndexOf("\n") + 1;
    const isLineStart = lineStart > 0 || before.offset === 0;
    const newline = after.text.search(/\r?\n/);
    const isLineEnd = newline !== -1 || index + 1 >= tokens.length - 1;
    const leading = before.text.slice(lineStart);
    const trailing = newline === -1 ? after.text : after.text.slice(0, newline);
    if (!isLineStart || !isLineEnd || leading.trim() !== "" || trailing.trim() !== "") continue;
    cut(before).end = lineStart;
    cut(after).start = newline === -1 ? after.text.length : newline + (after.text[newline] === "\r" ? 2 : 1);
  }
  for (const [token, { start, end }] of cuts) token.text = token.text.slice(start, Math.max(start, end));
}

// ---- syntax tree ----------------------------------------------------------------------------

type Test = { readonly path: Path; readonly negated: boolean };
type Node =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "output"; readonly path: Path; readonly offset: number }
  | { readonly type: "for"; readonly variable: string; readonly list: Path; readonly body: Node[]; readonly empty: Node[]; readonly offset: number }
  | { readonly type: "if"; readonly branches: { readonly test: Test; readonly body: Node[] }[]; readonly otherwise: Node[] };

interface Path {
  readonly text: string;
  readonly segments: readonly string[];
}

const MAX_NESTING = 64;
const SEGMENT = /^[A-Za-z_$][\w$]*$|^\d+$/;

function readPath(text: string, source: string, offset: number, name: string): Path {
  const segments = text.split(".");
  if (text === "" || !segments.every((segment) => SEGMENT.test(segment)) || /^\d/.test(segments[0] as string)) {
    throw syntaxError(`"${text}" is not a placeholder: write a dotted path such as user.name or items.0.title (no expressions, calls or filters)`, source, offset, name);
  }
  return { text, segments };
}

function readTest(words: readonly string[], source: string, offset: number, name: string, tag: string): Test {
  const negated = words[0] === "not";
  const rest = negated ? words.slice(1) : words;
  if (rest.length !== 1) throw syntaxError(`{% ${tag} %} takes one path, optionally after "not", as in {% ${tag} user.email %}`, source, offset, name);
  return { path: readPath(rest[0] as string, source, offset, name), negated };
}

function parse(tokens: readonly Token[], source: string, name: string): Node[] {
  let position = 0;
  const nested = (depth: number, until: readonly string[]): { nodes: Node[]; closer: Extract<Token, { type: "block" }> | undefined } => {
    if (depth > MAX_NESTING) throw syntaxError(`blocks are nested more than ${MAX_NESTING} deep`, source, tokens[position]?.offset ?? 0, name);
    const nodes: Node[] = [];
    while (position < tokens.length) {
      const token = tokens[position] as Token;
      position += 1;
      if (token.type === "text") {
        if (token.text !== "") nodes.push({ type: "text", text: token.text });
      } else if (token.type === "output") {
        nodes.push({ type: "output", path: readPath(token.expression, source, token.offset, name), offset: token.offset });
      } else if (token.type === "block") {
        const [keyword, ...rest] = token.words;
        if (keyword !== undefined && until.includes(keyword)) return { nodes, closer: token };
        if (keyword === "raw") {
          const text = tokens[position] as Extract<Token, { type: "text" }>;
          nodes.push({ type: "text", text: text.text });
          position += 2; // the raw text and its endraw
        } else if (keyword === "for") {
          if (rest.length !== 3 || rest[1] !== "in" || !/^[A-Za-z_$][\w$]*$/.test(rest[0] as string)) {
            throw syntaxError("write a loop as {% for item in items %} … {% endfor %}", source, token.offset, name);
          }
          const list = readPath(rest[2] as string, source, token.offset, name);
          const body = nested(depth + 1, ["else", "endfor"]);
          const empty = body.closer?.words[0] === "else" ? nested(depth + 1, ["endfor"]) : { nodes: [], closer: body.closer };
          if (empty.closer === undefined) throw syntaxError("{% for %} has no {% endfor %}", source, token.offset, name);
          nodes.push({ type: "for", variable: rest[0] as string, list, body: body.nodes, empty: empty.nodes, offset: token.offset });
        } else if (keyword === "if") {
          const branches: { test: Test; body: Node[] }[] = [];
          let test = readTest(rest, source, token.offset, name, "if");
          let otherwise: Node[] = [];
          for (;;) {
            const part = nested(depth + 1, ["elif", "else", "endif"]);
            branches.push({ test, body: part.nodes });
            const closer = part.closer;
            if (closer === undefined) throw syntaxError("{% if %} has no {% endif %}", source, token.offset, name);
            if (closer.words[0] === "elif") {
              test = readTest(closer.words.slice(1), source, closer.offset, name, "elif");
              continue;
            }
            if (closer.words[0] === "else") {
              const last = nested(depth + 1, ["endif"]);
              if (last.closer === undefined) throw syntaxError("{% if %} has no {% endif %}", source, token.offset, name);
              otherwise = last.nodes;
            }
            break;
          }
          nodes.push({ type: "if", branches, otherwise });
        } else {
          const known = "for, else, endfor, if, elif, endif, raw, endraw";
          throw syntaxError(`{% ${token.words.join(" ")} %} is not a tag here (the tags are: ${known})`, source, token.offset, name);
        }
      }
    }
    return { nodes, closer: undefined };
  };
  return nested(0, []).nodes;
}

function collectVariables(nodes: readonly Node[], bound: ReadonlySet<string> = new Set(), found: string[] = []): string[] {
  const note = (path: Path): void => {
    if (!bound.has(path.segments[0] as string) && !found.includes(path.text)) found.push(path.text);
  };
  for (const node of nodes) {
    if (node.type === "output") note(node.path);
    else if (node.type === "for") {
      note(node.list);
      const inner = new Set([...bound, node.variable, "loop"]);
      collectVariables(node.body, inner, found);
      collectVariables(node.empty, bound, found);
    } else if (node.type === "if") {
      for (const branch of node.branches) {
        note(branch.test.path);
        collectVariables(branch.body, bound, found);
      }
      collectVariables(node.otherwise, bound, found);
    }
  }
  return found;
}

// ---- rendering ------------------------------------------------------------------------------

interface Scope {
  readonly values: Readonly<Record<string, unknown>>;
  readonly parent: Scope | undefined;
}

const MISSING = Symbol("missing");

function lookup(scope: Scope, path: Path): { value: unknown; missingAt: number; holder: unknown } {
  const first = path.segments[0] as string;
  let current: Scope | undefined = scope;
  while (current !== undefined && !Object.hasOwn(current.values, first)) current = current.parent;
  if (current === undefined) return { value: MISSING, missingAt: 0, holder: rootValues(scope) };
  let value: unknown = current.values[first];
  for (let index = 1; index < path.segments.length; index += 1) {
    const segment = path.segments[index] as string;
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return { value: MISSING, missingAt: index, holder: value };
    value = (value as Record<string, unknown>)[segment];
  }
  return value === undefined ? { value: MISSING, missingAt: path.segments.length - 1, holder: undefined } : { value, missingAt: -1, holder: undefined };
}

function rootValues(scope: Scope): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (let current: Scope | undefined = scope; current !== undefined; current = current.parent) {
    for (const key of Object.keys(current.values)) keys[key] ??= current.values[key];
  }
  return keys;
}

function isTruthy(value: unknown): boolean {
  if (value === MISSING || value === null || value === false || value === 0 || value === "" || Number.isNaN(value)) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

function written(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value) ?? String(value);
}

function renderNodes(nodes: readonly Node[], scope: Scope, output: string[], source: string, name: string): void {
  for (const node of nodes) {
    if (node.type === "text") {
      output.push(node.text);
    } else if (node.type === "output") {
      output.push(written(required(scope, node.path, node.offset, source, name)));
    } else if (node.type === "for") {
      const list = required(scope, node.list, node.offset, source, name);
      if (!Array.isArray(list)) {
        throw new TemplateError({ code: "template-invalid", message: `{% for %} needs a list at "${node.list.text}", but the context has ${describe(list)} there`, template: name, ...position(source, node.offset) });
      }
      if (list.length === 0) renderNodes(node.empty, scope, output, source, name);
      list.forEach((item, index) => {
        const loop = { index: index + 1, index0: index, first: index === 0, last: index === list.length - 1, length: list.length };
        renderNodes(node.body, { values: { [node.variable]: item, loop }, parent: scope }, output, source, name);
      });
    } else {
      const branch = node.branches.find(({ test }) => isTruthy(lookup(scope, test.path).value) !== test.negated);
      renderNodes(branch === undefined ? node.otherwise : branch.body, scope, output, source, name);
    }
  }
}

function required(scope: Scope, path: Path, offset: number, source: string, name: string): unknown {
  const found = lookup(scope, path);
  if (found.value !== MISSING) return found.value;
  const missing = path.segments.slice(0, found.missingAt + 1).join(".");
  const holder = found.holder;
  const keys = typeof holder === "object" && holder !== null ? Object.keys(holder).slice(0, 20) : [];
  const there = keys.length > 0 ? ` (it has: ${keys.join(", ")})` : "";
  const where = found.missingAt === 0 ? "the context" : `"${path.segments.slice(0, found.missingAt).join(".")}"`;
  return failMissing(`{{ ${path.text} }} has no value: ${where} has no "${path.segments[found.missingAt] as string}"${there}. Pass "${missing}" in the context, or wrap the placeholder in {% if ${path.text} %} … {% endif %}`, missing, source, offset, name);
}

function failMissing(message: string, variable: string, source: string, offset: number, name: string): never {
  throw new TemplateError({ code: "template-missing-variable", message, template: name, variable, ...position(source, offset) });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

function syntaxError(message: string, source: string, offset: number, name: string): TemplateError {
  return new TemplateError({ code: "template-invalid", message, template: name, ...position(source, offset) });
}

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}
