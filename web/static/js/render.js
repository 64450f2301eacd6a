// Messages as DOM: Markdown text, tool calls as collapsible cards, approval requests with the
// exact arguments and Approve / Deny buttons. Model and tool output only ever become text nodes.

import { h } from "./dom.js";
import { codeBlock, renderMarkdown } from "./markdown.js";
import { isToolPart, toolName } from "./messages.js";

const STATE_LABELS = {
  "input-streaming": "preparing",
  "input-available": "running",
  "approval-requested": "needs your approval",
  "approval-responded": "decided",
  "output-available": "done",
  "output-error": "failed",
  "output-denied": "denied",
};

export function renderMessage(message, { onDecide, busy }) {
  const el = h("article", { class: `message-item ${message.role}`, dataset: { role: message.role } });
  if (message.id) el.dataset.id = message.id;
  el.append(h("div", { class: "who", text: message.role === "user" ? "You" : "Assistant" }));
  for (const part of message.parts) {
    if (part.type === "text") {
      const body = message.role === "user" ? h("p", { class: "plain", text: part.text }) : renderMarkdown(part.text);
      el.append(h("div", { class: `text${part.state === "streaming" ? " streaming" : ""}` }, body));
    } else if (part.type === "reasoning" && part.text) {
      el.append(h("details", { class: "reasoning" }, h("summary", { text: "Thinking" }), h("p", { class: "plain", text: part.text })));
    } else if (isToolPart(part)) {
      el.append(toolCard(part, onDecide, busy));
    }
  }
  for (const note of message.notes || []) {
    el.append(h("p", { class: `note ${note.kind}`, attrs: { role: note.kind === "error" ? "alert" : null }, text: note.text }));
  }
  return el;
}

function toolCard(part, onDecide, busy) {
  const name = toolName(part);
  const waiting = part.state === "approval-requested";
  const card = h("details", {
    class: `tool-card state-${part.state}`,
    attrs: { open: part.open ?? (waiting || part.state === "output-error") ? "" : null },
    dataset: { tool: name, toolCallId: part.toolCallId, state: part.state },
  });
  card.addEventListener("toggle", () => {
    part.open = card.open; // kept across re-renders while the answer streams
  });
  card.append(h("summary", {},
    h("span", { class: "tool-name", text: name }),
    h("span", { class: "tool-state", text: STATE_LABELS[part.state] || part.state }),
    h("span", { class: "tool-summary", text: part.state === "output-available" ? summary(part.output) : "" })));
  card.append(h("div", { class: "tool-label", text: "Arguments" }), codeBlock(pretty(part.input ?? {}), "json"));
  if (part.state === "output-available") {
    card.append(h("div", { class: "tool-label", text: "Result" }), codeBlock(pretty(part.output), "json"));
  } else if (part.state === "output-error") {
    card.append(h("p", { class: "note error", text: part.errorText || "the tool failed" }));
  } else if (part.state === "output-denied") {
    card.append(h("p", { class: "note", text: "You denied this call; it did not run." }));
  } else if (waiting) {
    const approve = h("button", { class: "approve", text: "Approve", attrs: { type: "button", disabled: busy ? "" : null } });
    const deny = h("button", { class: "deny secondary", text: "Deny", attrs: { type: "button", disabled: busy ? "" : null } });
    approve.addEventListener("click", () => onDecide(part, true));
    deny.addEventListener("click", () => onDecide(part, false));
    card.append(h("div", { class: "approval" },
      h("p", { text: `${name} writes. It runs with exactly these arguments only if you approve.` }),
      h("div", { class: "row" }, approve, deny)));
  } else if (part.state === "approval-responded") {
    card.append(h("p", { class: "note", text: part.approval?.approved ? "Approved; running…" : "Denied." }));
  }
  return card;
}

function pretty(value) {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** A one-line summary of a tool result: its message, path, url or count, else its start. */
export function summary(output) {
  if (output === null || output === undefined) return "";
  if (typeof output !== "object") return clip(String(output));
  for (const key of ["message", "summary", "url", "html_url", "path", "key", "title"]) {
    if (typeof output[key] === "string" && output[key]) return clip(`${key}: ${output[key]}`);
  }
  const counts = Object.entries(output).filter(([, v]) => Array.isArray(v)).map(([k, v]) => `${v.length} ${k}`);
  if (counts.length) return clip(counts.join(", "));
  return clip(pretty(output).replace(/\s+/g, " "));
}

function clip(text, max = 120) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
