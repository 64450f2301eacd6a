// What an answer's message metadata says about it: the model and the tokens it used (the server
// sends `metadata.model` on start and `metadata.usage` on finish, summed over the whole answer).

import type { UIMessage } from "ai";

export interface AnswerFacts {
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function answerFacts(message: UIMessage): AnswerFacts | null {
  const meta = message.metadata;
  if (!meta || typeof meta !== "object") return null;
  const { model, usage } = meta as { model?: unknown; usage?: unknown };
  const used = usage && typeof usage === "object" ? (usage as Record<string, unknown>) : {};
  const facts: AnswerFacts = {
    model: typeof model === "string" && model ? model : null,
    inputTokens: count(used.inputTokens),
    outputTokens: count(used.outputTokens),
    totalTokens: count(used.totalTokens),
  };
  return facts.model || facts.totalTokens !== null || facts.inputTokens !== null ? facts : null;
}

const numbers = new Intl.NumberFormat("en");

/** "gemini-3-flash · 1,234 tokens (1,000 in, 234 out)" */
export function describeFacts(facts: AnswerFacts): string {
  const bits: string[] = [];
  if (facts.model) bits.push(facts.model);
  const total = facts.totalTokens ?? (facts.inputTokens ?? 0) + (facts.outputTokens ?? 0);
  if (facts.totalTokens !== null || facts.inputTokens !== null || facts.outputTokens !== null) {
    const parts = [];
    if (facts.inputTokens !== null) parts.push(`${numbers.format(facts.inputTokens)} in`);
    if (facts.outputTokens !== null) parts.push(`${numbers.format(facts.outputTokens)} out`);
    bits.push(`${numbers.format(total)} tokens${parts.length ? ` (${parts.join(", ")})` : ""}`);
  }
  return bits.join(" · ");
}
