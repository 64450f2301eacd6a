import type { UIMessage } from "ai";
import { describe, expect, it } from "vitest";
import { answeredQuestion } from "./chat";
import { answerFacts, describeFacts } from "./usage";

describe("answerFacts", () => {
  it("reads the model and usage from message metadata", () => {
    const message = { id: "a", role: "assistant", parts: [], metadata: {
      model: "gemini-3-flash", usage: { inputTokens: 1200, outputTokens: 34, totalTokens: 1234 },
    } } as UIMessage;
    const facts = answerFacts(message);
    expect(facts).not.toBeNull();
    expect(describeFacts(facts!)).toBe("gemini-3-flash · 1,234 tokens (1,200 in, 34 out)");
  });

  it("is null without metadata", () => {
    expect(answerFacts({ id: "a", role: "assistant", parts: [] })).toBeNull();
    expect(answerFacts({ id: "a", role: "assistant", parts: [], metadata: { other: 1 } } as UIMessage)).toBeNull();
  });
});

describe("answeredQuestion", () => {
  const asked = (state: string) => ({
    id: "a", role: "assistant",
    parts: [{ type: "step-start" }, { type: "tool-ask_user", toolCallId: "q", state, input: { question: "?" }, output: { answer: "yes" } }],
  }) as unknown as UIMessage;

  it("is true only when the last step's question has an answer", () => {
    expect(answeredQuestion([asked("output-available")])).toBe(true);
    expect(answeredQuestion([asked("input-available")])).toBe(false);
    const continued = asked("output-available");
    continued.parts.push({ type: "step-start" }, { type: "text", text: "Thanks." });
    expect(answeredQuestion([continued])).toBe(false);
  });
});
