import { describe, expect, it } from "vitest";
import { extensionOf, splitHighlighted, windowAround } from "./codelines";

describe("splitHighlighted", () => {
  it("cuts at newlines and keeps a span that runs across lines balanced on each", () => {
    const html = '<span class="k">def</span> f():\n    <span class="s">"""one\ntwo"""</span>\nx &lt; 1';
    expect(splitHighlighted(html)).toEqual([
      '<span class="k">def</span> f():',
      '    <span class="s">"""one</span>',
      '<span class="s">two"""</span>',
      "x &lt; 1",
    ]);
  });

  it("handles nested spans", () => {
    const html = '<span class="a">1<span class="b">2\n3</span>4\n5</span>';
    expect(splitHighlighted(html)).toEqual([
      '<span class="a">1<span class="b">2</span></span>',
      '<span class="a"><span class="b">3</span>4</span>',
      '<span class="a">5</span>',
    ]);
  });
});

describe("windowAround and extensionOf", () => {
  it("reads a window around the line, from line 1 at the top", () => {
    expect(windowAround(500)).toEqual({ start_line: 300, end_line: 700 });
    expect(windowAround(3)).toEqual({ start_line: 1, end_line: 203 });
    expect(windowAround(null)).toEqual({ start_line: 1 });
  });

  it("takes the extension of the last path component", () => {
    expect(extensionOf("src/app.test.ts")).toBe("ts");
    expect(extensionOf("a.d/Makefile")).toBe("");
    expect(extensionOf(".bashrc")).toBe("");
  });
});
