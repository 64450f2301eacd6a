import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

function render(source: string): HTMLDivElement {
  const box = document.createElement("div");
  box.innerHTML = renderMarkdown(source);
  return box;
}

describe("renderMarkdown", () => {
  it("renders a GFM table with its header and cells", () => {
    const box = render("| tool | kind |\n|---|:-:|\n| read_file | read |\n| create_file | write |");
    expect(box.querySelectorAll("table thead th")).toHaveLength(2);
    expect([...box.querySelectorAll("tbody td")].map((td) => td.textContent)).toEqual([
      "read_file", "read", "create_file", "write",
    ]);
  });

  it("keeps nested lists nested and task lists as disabled checkboxes", () => {
    const box = render("- one\n  - one.a\n  - one.b\n- two\n\n- [x] done\n- [ ] to do");
    expect(box.querySelectorAll("ul > li > ul > li")).toHaveLength(2);
    const boxes = [...box.querySelectorAll<HTMLInputElement>("input")];
    expect(boxes.map((b) => [b.type, b.checked, b.disabled])).toEqual([
      ["checkbox", true, true],
      ["checkbox", false, true],
    ]);
  });

  it("puts the language label and copy button in a bar above the code", () => {
    const box = render("```python\nprint('hi')\n```");
    const block = box.querySelector(".code-block");
    expect(block?.querySelector(".code-head .code-lang")?.textContent).toBe("python");
    expect(block?.querySelector(".code-head button.copy")?.getAttribute("aria-label")).toBe("Copy code");
    expect(block?.querySelector("pre code.language-python")?.textContent).toBe("print('hi')");
    // the bar comes before the code, never over it
    expect(block?.firstElementChild?.classList.contains("code-head")).toBe(true);
  });

  it("shows raw HTML as text and drops unsafe links", () => {
    const box = render('<img src=x onerror="alert(1)"> <script>x()</script> [a](javascript:alert(1)) [b](https://example.org)');
    expect(box.querySelector("img, script")).toBeNull();
    expect(box.textContent).toContain('<img src=x onerror="alert(1)">');
    const links = [...box.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://example.org"]);
    expect(links[0]?.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(box.textContent).toContain("[a](javascript:alert(1))");
  });

  it("never lets a fenced block close the page's own markup", () => {
    const box = render("```\n</code></pre><script>x()</script>\n```");
    expect(box.querySelector("script")).toBeNull();
    expect(box.querySelector("code")?.textContent).toBe("</code></pre><script>x()</script>");
  });
});
