import { fireEvent, render } from "@testing-library/svelte";
import type { UIMessage } from "ai";
import { describe, expect, it, vi } from "vitest";
import { fileView } from "../lib/fileview.svelte";
import { approvalInfo, type AnyToolPart } from "../lib/tools";
import ToolCard from "./ToolCard.svelte";

function part(fields: Record<string, unknown>): AnyToolPart {
  return { type: "tool-read_file", toolCallId: "call-1", input: { path: "a.py" }, ...fields } as unknown as AnyToolPart;
}

describe("ToolCard", () => {
  it("shows read_file's content as numbered code, raw JSON behind a toggle", async () => {
    const output = { path: "a.py", start_line: 7, content: "7\tdef f():\n8\t    return 1\n", truncated: false };
    const { container, getByRole } = render(ToolCard, { part: part({ state: "output-available", output }), ondecide: vi.fn() });
    const lines = [...container.querySelectorAll("pre.numbered .line")].map((l) => l.textContent);
    expect(lines).toEqual(["7def f():\n", "8    return 1\n"]);
    expect(container.querySelector("pre.raw")).toBeNull();
    await fireEvent.click(getByRole("button", { name: "Raw JSON" }));
    expect(container.querySelector("pre.raw")?.textContent).toContain('"start_line": 7');
    expect(container.querySelector("pre.numbered")).toBeNull();
  });

  it("shows search hits as path:line and an outline as a tree", () => {
    const hits = { hits: [{ path: "src/a.py", line: 3, text: "import os" }] };
    const one = render(ToolCard, { part: part({ type: "tool-search_code", state: "output-available", output: hits }), ondecide: vi.fn() });
    expect(one.container.querySelector(".hits li")?.textContent).toBe("src/a.py:3 import os");
    expect(one.container.textContent).toContain("1 hit");
    expect(one.container.textContent).not.toContain("1 hits");
    const link = one.getByRole("button", { name: "Open src/a.py at line 3" });
    link.click();
    expect(fileView.request).toEqual({ path: "src/a.py", line: 3 });
    const outline = {
      path: "a.py", files_total: 1,
      files: [{ path: "a.py", language: "python", supported: true, symbols: [
        { kind: "class", name: "A", start_line: 1, end_line: 9, signature: "class A", doc: null, parent: null },
        { kind: "method", name: "run", start_line: 2, end_line: 4, signature: "def run(self)", doc: "Run it.", parent: "A" },
      ] }],
    };
    const two = render(ToolCard, { part: part({ type: "tool-code_outline", state: "output-available", output: outline }), ondecide: vi.fn() });
    const nested = two.container.querySelector(".tree > li > .tree > li");
    expect(nested?.textContent).toContain("run");
    expect(nested?.textContent).toContain("Run it.");
  });

  it("links a created page", () => {
    const output = { url: "https://www.notion.so/page-1", title: "Plan" };
    const { getByRole } = render(ToolCard, { part: part({ type: "tool-create_notion_page", state: "output-available", output }), ondecide: vi.fn() });
    expect(getByRole("link").getAttribute("href")).toBe("https://www.notion.so/page-1");
  });

  it("asks with the content to write, or the server's diff, and sends the decision", async () => {
    const ondecide = vi.fn();
    const asking = part({
      type: "tool-create_file", state: "approval-requested",
      input: { path: "hello.txt", content: "hi there" }, approval: { id: "approval-1" },
    });
    const { container, getByRole, unmount } = render(ToolCard, { part: asking, ondecide });
    expect(container.querySelector(".write-preview")?.textContent).toBe("hi there");
    await fireEvent.click(getByRole("button", { name: "Deny" }));
    expect(ondecide).toHaveBeenCalledWith("approval-1", false);
    unmount();

    const message = {
      id: "m", role: "assistant",
      parts: [{ type: "data-approval", id: "call-1", data: {
        toolCallId: "call-1", tool: "create_github_file", status: "pending", overwrites: true,
        diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n", diffTruncated: false, problem: null,
      } }],
    } as unknown as UIMessage;
    const diffed = render(ToolCard, { part: asking, approval: approvalInfo(message, "call-1"), ondecide });
    expect(diffed.container.querySelector(".diff .d-del")?.textContent).toBe("-old\n");
    expect(diffed.container.querySelector(".diff .d-add")?.textContent).toBe("+new\n");
    expect(diffed.container.textContent).toContain("Will change hello.txt");
  });

  it("says expired, with no buttons, when the server no longer holds the call", () => {
    const message = {
      id: "m", role: "assistant",
      parts: [{ type: "data-approval", id: "call-1", data: { toolCallId: "call-1", status: "expired" } }],
    } as unknown as UIMessage;
    const asking = part({ type: "tool-create_file", state: "approval-requested", input: { path: "x", content: "y" }, approval: { id: "a" } });
    const { container, queryByRole } = render(ToolCard, { part: asking, approval: approvalInfo(message, "call-1"), ondecide: vi.fn() });
    expect(container.querySelector(".tool-card")?.getAttribute("data-state")).toBe("expired");
    expect(container.textContent).toContain("expired");
    expect(queryByRole("button", { name: "Approve" })).toBeNull();
  });
});
