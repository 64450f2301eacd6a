import { render, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { closeFile, fileView, openFile } from "../lib/fileview.svelte";
import FileView from "./FileView.svelte";

// jsdom has <dialog> without its modal methods: the browser's behaviour, as far as this needs it
if (typeof HTMLDialogElement.prototype.showModal !== "function") {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) { this.open = true; };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.open = false;
    this.dispatchEvent(new Event("close"));
  };
}
// jsdom lays nothing out
Element.prototype.scrollIntoView ??= function scrollIntoView() {};

/** A server that answers read_file like fast-genai's, recording each request. */
function fakeServer(): { requests: { url: string; body: unknown }[] } {
  const seen = { requests: [] as { url: string; body: unknown }[] };
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const body: unknown = JSON.parse(String(init?.body ?? "null"));
    seen.requests.push({ url: String(input), body });
    const result = {
      path: "src/a.py", start_line: 1, end_line: 3, total_lines: 3, truncated: false,
      content: '1\tdef f():\n2\t    """Doc\n3\t    string."""\n',
    };
    return new Response(JSON.stringify({ status: "done", tool: "read_file", result }), {
      headers: { "Content-Type": "application/json" },
    });
  };
  return seen;
}

describe("FileView", () => {
  afterEach(() => closeFile());

  it("reads the file through the server in the workspace and marks the hit's line", async () => {
    const server = fakeServer();
    const { container } = render(FileView, { workspace: "main" });
    openFile("src/a.py", 2);
    await waitFor(() => expect(container.querySelectorAll(".file-code .line")).toHaveLength(3));
    expect(server.requests).toEqual([{
      url: "/api/v1/tools/read_file",
      body: { arguments: { path: "src/a.py", start_line: 1, end_line: 202 }, workspace: "main" },
    }]);
    const dialog = container.querySelector("dialog");
    expect(dialog?.open).toBe(true);
    const target = container.querySelector(".line.target");
    expect(target?.getAttribute("data-line")).toBe("2");
    expect(target?.textContent).toBe('2    """Doc\n');
    // highlighted (python, from the extension), the docstring's span closed on each of its lines
    await waitFor(() => expect(container.querySelector(".file-code .hljs-keyword")?.textContent).toBe("def"));
    const third = container.querySelector(".line[data-line='3']");
    expect(third?.querySelector(".hljs-string, .hljs-doctag")).not.toBeNull();
  });

  it("closes and forgets the request", async () => {
    fakeServer();
    const { container } = render(FileView, { workspace: "main" });
    openFile("src/a.py", 1);
    await waitFor(() => expect(container.querySelector(".line.target")).not.toBeNull());
    (container.querySelector(".file-view-close") as HTMLButtonElement).click();
    await waitFor(() => expect(container.querySelector("dialog")?.open).toBe(false));
    expect(fileView.request).toBeNull();
  });
});
