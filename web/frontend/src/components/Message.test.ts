import { render } from "@testing-library/svelte";
import type { UIMessage } from "ai";
import { describe, expect, it, vi } from "vitest";
import Message from "./Message.svelte";

function props(message: UIMessage) {
  return {
    message, expired: () => false, busy: false,
    ondecide: vi.fn(), onanswer: vi.fn(), onedit: vi.fn(), onregenerate: vi.fn(),
  };
}

describe("Message", () => {
  it("shows a summary of earlier turns as a note, not as somebody's message", () => {
    const message = {
      id: "s1", role: "user",
      parts: [{ type: "data-compaction", data: { content: "The user asked about a.py." } }],
    } as unknown as UIMessage;
    const { container } = render(Message, props(message));
    expect(container.querySelector(".note.summary")?.textContent).toContain("Earlier messages summarized");
    expect(container.querySelector("article")).toBeNull();
  });

  it("shows a user's message with its text", () => {
    const message = { id: "u1", role: "user", parts: [{ type: "text", text: "hello" }] } as UIMessage;
    const { container } = render(Message, props(message));
    expect(container.querySelector("article.message-item.user")?.textContent).toContain("hello");
    expect(container.querySelector(".note.summary")).toBeNull();
  });
});
