// The conversation as AI SDK UI messages ({id, role, parts}), updated chunk by chunk from the
// UI-message stream (the chunk types of pydantic-ai's Vercel AI adapter, AI SDK 6).

export function assistantMessage() {
  return { id: null, role: "assistant", parts: [], notes: [] };
}

export function userMessage(id, text) {
  return { id, role: "user", parts: [{ type: "text", text }], notes: [] };
}

export function isToolPart(part) {
  return part.type.startsWith("tool-") || part.type === "dynamic-tool";
}

export function toolName(part) {
  return part.type === "dynamic-tool" ? part.toolName : part.type.slice("tool-".length);
}

/** The tool part with this call id, in any message (a resumed run continues an older card). */
export function findToolPart(messages, toolCallId) {
  for (let m = messages.length - 1; m >= 0; m -= 1) {
    const part = messages[m].parts.find((p) => isToolPart(p) && p.toolCallId === toolCallId);
    if (part) return { message: messages[m], part };
  }
  return null;
}

/**
 * Apply one chunk to `message` (the assistant message being streamed) within `messages`.
 * Answers the messages that changed (to re-render), plus `data` for data-* chunks.
 */
export function applyChunk(messages, message, chunk) {
  const changed = new Set([message]);
  const textPart = (type) => {
    let part = message.parts.findLast((p) => p.type === type && p.streamId === chunk.id);
    if (!part) {
      part = { type, text: "", state: "streaming", streamId: chunk.id };
      message.parts.push(part);
    }
    return part;
  };
  const toolPart = (create) => {
    const found = findToolPart(messages, chunk.toolCallId);
    if (found) {
      changed.add(found.message);
      return found.part;
    }
    if (!create) return null;
    const part = { type: `tool-${chunk.toolName ?? "unknown"}`, toolCallId: chunk.toolCallId, state: "input-streaming" };
    message.parts.push(part);
    return part;
  };
  let part;
  switch (chunk.type) {
    case "start":
      if (chunk.messageId) message.id = chunk.messageId;
      break;
    case "text-start":
    case "reasoning-start":
      textPart(chunk.type.split("-")[0]);
      break;
    case "text-delta":
    case "reasoning-delta":
      textPart(chunk.type.split("-")[0]).text += chunk.delta ?? "";
      break;
    case "text-end":
    case "reasoning-end":
      textPart(chunk.type.split("-")[0]).state = "done";
      break;
    case "tool-input-start":
      toolPart(true);
      break;
    case "tool-input-available":
      part = toolPart(true);
      part.input = chunk.input;
      part.state = "input-available";
      break;
    case "tool-input-error":
      part = toolPart(true);
      part.input = chunk.input;
      part.state = "output-error";
      part.errorText = chunk.errorText;
      break;
    case "tool-approval-request":
      part = toolPart(false);
      if (part) {
        part.state = "approval-requested";
        part.approval = { id: chunk.approvalId };
      }
      break;
    case "tool-output-available":
      part = toolPart(false);
      if (part) {
        part.state = "output-available";
        part.output = chunk.output;
      }
      break;
    case "tool-output-error":
      part = toolPart(false);
      if (part) {
        part.state = "output-error";
        part.errorText = chunk.errorText;
      }
      break;
    case "tool-output-denied":
      part = toolPart(false);
      if (part) part.state = "output-denied";
      break;
    case "error":
      message.notes.push({ kind: "error", text: chunk.errorText || "the answer failed" });
      break;
    case "abort":
      message.notes.push({ kind: "stopped", text: "Stopped." });
      break;
    default:
      if (chunk.type.startsWith("data-")) return { changed, data: { type: chunk.type, value: chunk.data } };
  }
  return { changed, data: null };
}

/** Tool parts of `message` still waiting for the user's decision. */
export function awaitingApproval(message) {
  return message.parts.filter((p) => isToolPart(p) && p.state === "approval-requested");
}

/**
 * The request messages answering approvals: an assistant message whose tool parts carry the
 * decisions (the server reads only the decisions, and runs the arguments it holds).
 */
export function approvalReply(message) {
  const decided = message.parts.filter((p) => isToolPart(p) && p.state === "approval-responded");
  return {
    id: message.id || "approval",
    role: "assistant",
    parts: decided.map((p) => ({
      type: p.type,
      toolCallId: p.toolCallId,
      state: "approval-responded",
      input: p.input ?? {},
      approval: { id: p.approval?.id ?? p.toolCallId, approved: p.approval.approved },
    })),
  };
}
