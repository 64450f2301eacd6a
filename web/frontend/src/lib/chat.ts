// One conversation's chat state: the AI SDK's own `Chat` (from @ai-sdk/svelte) over
// `DefaultChatTransport`, talking to POST /api/v1/chat. The server keeps the history, so a
// request carries only the newest message (the user's question, or the assistant message whose
// tool parts hold the approval decisions); a new conversation names its workspace in the query.

import { Chat } from "@ai-sdk/svelte";
import {
  DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls, type UIMessage,
} from "ai";
import { API, apiFetch } from "./api";

export interface ChatOptions {
  id: string;
  messages?: UIMessage[];
  /** The workspace of a conversation that does not exist on the server yet. */
  workspace: () => string | null;
  onData?: (type: string, data: unknown) => void;
  onFinish?: () => void;
}

export function createChat(options: ChatOptions): Chat<UIMessage> {
  const transport = new DefaultChatTransport<UIMessage>({
    api: `${API}/chat`,
    fetch: (input, init) => apiFetch(input, init),
    prepareSendMessagesRequest: ({ id, messages, trigger, body }) => {
      const last = messages.at(-1);
      const workspace = options.workspace();
      const query = workspace ? `?workspace=${encodeURIComponent(workspace)}` : "";
      return {
        api: `${API}/chat${query}`,
        body: { ...body, id, trigger, messages: last ? [last] : [] },
      };
    },
  });
  return new Chat<UIMessage>({
    id: options.id,
    messages: options.messages ?? [],
    transport,
    // every write of the answer decided (or the agent's question answered): send it in one request
    sendAutomaticallyWhen: (state) =>
      lastAssistantMessageIsCompleteWithApprovalResponses(state) ||
      (answeredQuestion(state.messages) && lastAssistantMessageIsCompleteWithToolCalls(state)),
    onData: (part) => options.onData?.(part.type, part.data),
    onFinish: () => options.onFinish?.(),
  });
}

/** The last step of the last answer ends with the agent's question (ask_user) answered here. */
export function answeredQuestion(messages: UIMessage[]): boolean {
  const last = messages.at(-1);
  if (last?.role !== "assistant") return false;
  const step = last.parts.slice(last.parts.findLastIndex((p) => p.type === "step-start") + 1);
  return step.some((p) => p.type === "tool-ask_user" && p.state === "output-available");
}

export function newId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
