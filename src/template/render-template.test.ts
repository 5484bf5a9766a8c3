import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TemplateError } from "../errors/template-error.js";
import { compileTemplate, hasTemplateSyntax, renderTemplate } from "./render-template.js";

function failure(run: () => unknown): TemplateError {
  try {
    run();
  } catch (error) {
    if (TemplateError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a TemplateError");
}

describe("renderTemplate", () => {
  it("rule 1: fills dotted paths, with or without spaces inside the braces", () => {
    const context = { name: "Ada", user: { age: 36, tags: ["math", "poetry"] } };
    expect(renderTemplate("{{name}} is {{ user.age }}; first: {{ user.tags.0 }}", context)).toBe("Ada is 36; first: math");
  });

  it("rule 1: writes strings as they are and everything else as JSON", () => {
    const context = { text: 'say "hi"', flag: false, none: null, list: [1, 2], record: { a: 1 } };
    expect(renderTemplate("{{ text }}|{{ flag }}|{{ none }}|{{ list }}|{{ record }}", context)).toBe('say "hi"|false|null|[1,2]|{"a":1}');
  });

  it("rule 1: a missing variable is an error that names it, where it is, and what the context has", () => {
    const error = failure(() => renderTemplate("Hello\n  {{ user.email }}", { user: { name: "Ada", age: 3 } }, { name: "messages[1]" }));
    expect(error.code).toBe("template-missing-variable");
    expect(error.variable).toBe("user.email");
    expect(error.template).toBe("messages[1]");
    expect([error.line, error.column]).toEqual([2, 3]);
    expect(error.message).toContain('"user" has no "email" (it has: name, age)');
    expect(error.message).toContain("messages[1]");

    const top = failure(() => renderTemplate("{{ kind }}", { other: 1 }));
    expect(top.variable).toBe("kind");
    expect(top.message).toContain('the context has no "kind" (it has: other)');
  });

  it("rule 1: an undefined value counts as missing", () => {
    expect(failure(() => renderTemplate("{{ a }}", { a: undefined })).code).toBe("template-missing-variable");
  });

  it("rule 1: reads own properties only, so no placeholder reaches a prototype", () => {
    for (const template of ["{{ constructor }}", "{{ __proto__ }}", "{{ user.constructor.name }}", "{{ user.toString }}", "{{ list.map }}"]) {
      expect(failure(() => renderTemplate(template, { user: { name: "x" }, list: [] })).code).toBe("template-missing-variable");
    }
    expect(renderTemplate("{{ list.length }}", { list: [1, 2, 3] })).toBe("3");
  });

  it("rule 2: repeats a loop body for each element, with loop variables and an else for the empty list", () => {
    const template = "{% for d in docs %}{{ loop.index }}/{{ loop.length }} {{ d.title }}{% if loop.last %}.{% else %}, {% endif %}{% else %}none{% endfor %}";
    expect(renderTemplate(template, { docs: [{ title: "a" }, { title: "b" }] })).toBe("1/2 a, 2/2 b.");
    expect(renderTemplate(template, { docs: [] })).toBe("none");
  });

  it("rule 2: the loop variable shadows the context only inside the loop", () => {
    expect(renderTemplate("{% for x in xs %}{{ x }}{% endfor %}{{ x }}", { xs: [1, 2], x: "outer" })).toBe("12outer");
    expect(renderTemplate("{% for row in rows %}{% for cell in row %}{{ cell }}{{ sep }}{% endfor %};{% endfor %}", { rows: [[1, 2], [3]], sep: "," })).toBe("1,2,;3,;");
  });

  it("rule 2: a loop over something that is not a list says what is there", () => {
    const error = failure(() => renderTemplate("{% for x in xs %}{% endfor %}", { xs: "abc" }));
    expect(error.code).toBe("template-invalid");
    expect(error.message).toContain('needs a list at "xs", but the context has the string "abc"');
  });

  it("rule 3: writes the first branch whose test holds; a missing path is false", () => {
    const template = "{% if vip %}VIP{% elif not email %}no email{% else %}{{ email }}{% endif %}";
    expect(renderTemplate(template, { vip: true })).toBe("VIP");
    expect(renderTemplate(template, {})).toBe("no email");
    expect(renderTemplate(template, { vip: 0, email: "a@b.c" })).toBe("a@b.c");
    for (const falsy of [false, 0, "", null, [], {}]) expect(renderTemplate("{% if v %}y{% else %}n{% endif %}", { v: falsy })).toBe("n");
    for (const truthy of [true, 1, "0", [0], { a: 0 }]) expect(renderTemplate("{% if v %}y{% else %}n{% endif %}", { v: truthy })).toBe("y");
  });

  it("rule 4: drops comments and writes raw blocks as they are", () => {
    expect(renderTemplate("a{# a note {{ x }} #}b", {})).toBe("ab");
    expect(renderTemplate("{% raw %}{{ not a placeholder }} {% if %}{% endraw %}!", {})).toBe("{{ not a placeholder }} {% if %}!");
  });

  it("rule 5: a line holding only a block tag is removed with its newline", () => {
    const template = ["Items:", "{% for item in items %}", "  - {{ item }}", "{% endfor %}", "{# done #}", "End"].join("\n");
    expect(renderTemplate(template, { items: ["a", "b"] })).toBe("Items:\n  - a\n  - b\nEnd");
    expect(renderTemplate("x {% if a %}y{% endif %} z\n", { a: true })).toBe("x y z\n");
    expect(renderTemplate("{% if a %}\r\nyes\r\n{% endif %}\r\n", { a: 1 })).toBe("yes\r\n");
  });

  it("a value is written as it is: braces in it are never read as a template", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(renderTemplate("<{{ v }}>", { v: value })).toBe(`<${value}>`);
      }),
    );
  });

  it("text with no tag comes out unchanged", () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !hasTemplateSyntax(text)),
        (text) => {
          expect(renderTemplate(text, {})).toBe(text);
        },
      ),
    );
  });

  it("a loop writes its body once per element, in order", () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (items) => {
        expect(renderTemplate("{% for s in items %}[{{ s }}]{% endfor %}", { items })).toBe(items.map((item) => `[${item}]`).join(""));
      }),
    );
  });

  it("bad syntax is a template-invalid error with the place and the fix", () => {
    const cases: [string, string][] = [
      ["Hi {{ name", '"{{" is never closed'],
      ["{{ a + b }}", "is not a placeholder"],
      ["{{ items[0] }}", "is not a placeholder"],
      ["{{ user.name() }}", "is not a placeholder"],
      ["{{ }}", "is not a placeholder"],
      ["{% for x %}{% endfor %}", "write a loop as"],
      ["{% for x in xs %}", "has no {% endfor %}"],
      ["{% if a %}", "has no {% endif %}"],
      ["{% if a b %}{% endif %}", "takes one path"],
      ["{% include 'x' %}", "is not a tag here"],
      ["{% endif %}", "is not a tag here"],
      ["{% raw %}{{", "has no {% endraw %}"],
    ];
    for (const [template, message] of cases) {
      const error = failure(() => compileTemplate(template, { name: "prompt.md" }));
      expect(error.code, template).toBe("template-invalid");
      expect(error.message, template).toContain(message);
      expect(error.message, template).toContain("template prompt.md, line 1");
    }
  });

  it("deep nesting is refused rather than overflowing the stack", () => {
    const template = "{% if a %}".repeat(10_000) + "{% endif %}".repeat(10_000);
    expect(failure(() => compileTemplate(template)).message).toContain("nested more than");
  });

  it("a compiled template lists the variables it reads and renders many contexts", () => {
    const template = compileTemplate("{{ title }} {% for a in authors %}{{ a.name }}{{ sep }}{% endfor %}{% if year %}{{ year }}{% endif %}");
    expect(template.variables).toEqual(["title", "authors", "sep", "year"]);
    expect(template.render({ title: "T", authors: [{ name: "x" }], sep: ";", year: 2024 })).toBe("T x;2024");
    expect(template.render({ title: "U", authors: [], sep: ";" })).toBe("U ");
  });

  it("hasTemplateSyntax tells whether a text needs rendering", () => {
    expect(hasTemplateSyntax("plain {text} }}")).toBe(false);
    expect(hasTemplateSyntax("a {{ b }}")).toBe(true);
    expect(hasTemplateSyntax("{% if a %}")).toBe(true);
    expect(hasTemplateSyntax("{# c #}")).toBe(true);
  });
});
