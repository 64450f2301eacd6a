// The official AI SDK chat client (the class behind useChat, with DefaultChatTransport) against a
// running fast-genai server: send, approve a write, regenerate, edit; prints what the client holds.
//
// usage: node chat_client.mjs <ai|ai6> <base-url> <token> <chat-id>
// stdout: one JSON object {steps: {name: {messages, data, errors}}}; exit 1 on a client error.
const [pkg, base, token, chatId] = process.argv.slice(2);
const {
  AbstractChat,
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
} = await import(pkg);

class State {
  status = "ready";
  error = undefined;
  messages = [];
  pushMessage = (m) => { this.messages = this.messages.concat(m); };
  popMessage = () => { this.messages = this.messages.slice(0, -1); };
  replaceMessage = (i, m) => { this.messages = [...this.messages.slice(0, i), m, ...this.messages.slice(i + 1)]; };
  snapshot = (thing) => structuredClone(thing);
}

class Chat extends AbstractChat {
  constructor(init) {
    const state = new State();
    super({ ...init, state });
    this.shared = state;
  }
}

const data = [];
const errors = [];
const chat = new Chat({
  id: chatId,
  transport: new DefaultChatTransport({
    api: `${base}/api/v1/chat`,
    headers: { Authorization: `Bearer ${token}` },
  }),
  onData: (part) => data.push({ type: part.type, id: part.id, data: part.data }),
  onError: (error) => errors.push(String(error?.message ?? error)),
  sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
});

async function settled() {
  // an automatic continuation (after approvals) starts right after the previous request ends
  for (let i = 0; i < 400; i++) {
    await new Promise((r) => setTimeout(r, 25));
    if (chat.status === "ready" || chat.status === "error") {
      await new Promise((r) => setTimeout(r, 150));
      if (chat.status === "ready" || chat.status === "error") return;
    }
  }
  throw new Error(`the chat did not settle (status ${chat.status})`);
}

const steps = {};
function record(name) {
  steps[name] = { messages: structuredClone(chat.messages), data: data.splice(0), errors: errors.splice(0) };
}

await chat.sendMessage({ text: "create made.txt" });
await settled();
record("asked");
const pending = chat.messages
  .at(-1)
  .parts.find((p) => p.type === "tool-create_file" && p.state === "approval-requested");
if (!pending) throw new Error("no approval requested: " + JSON.stringify(chat.messages.at(-1)));
await chat.addToolApprovalResponse({ id: pending.approval.id, approved: true });
await settled();
record("approved");

await chat.sendMessage({ text: "hello there" });
await settled();
record("hello");

await chat.regenerate();
await settled();
record("regenerated");

const firstUser = chat.messages.find((m) => m.role === "user");
await chat.sendMessage({ text: "edited words", messageId: firstUser.id });
await settled();
record("edited");

process.stdout.write(JSON.stringify({ steps }));
