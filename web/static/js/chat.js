// One conversation on screen: send a message or approval decisions to POST /api/v1/chat, stream
// the answer into the messages as it arrives, stop it.

import { ApiError, call, errorOf, request } from "./api.js";
import { $, clear } from "./dom.js";
import { applyChunk, approvalReply, assistantMessage, awaitingApproval, userMessage } from "./messages.js";
import { renderMessage } from "./render.js";
import { uiChunks } from "./sse.js";
import { newId } from "./ids.js";

export class Chat {
  constructor({ onConversationChanged, onStreamStarted }) {
    this.onConversationChanged = onConversationChanged;
    this.onStreamStarted = onStreamStarted;
    this.conversation = null; // {id, title, workspace, status} once it exists on the server
    this.id = newId();
    this.messages = [];
    this.nodes = new Map(); // message -> its element
    this.controller = null;
    this.view = 0;
  }

  get busy() {
    return this.controller !== null;
  }

  /** Show a stored conversation (GET /conversations/{id}). */
  async open(id) {
    const detail = await call("GET", `/conversations/${encodeURIComponent(id)}`);
    this.reset(detail.id);
    this.conversation = detail;
    this.messages = detail.messages.map((m) => ({ ...m, notes: [] }));
    const last = this.messages.at(-1);
    if (last && last.role === "assistant") {
      if (detail.status === "failed" && detail.error) last.notes.push({ kind: "error", text: detail.error });
      if (detail.status === "cancelled") last.notes.push({ kind: "stopped", text: "Stopped before the answer ended." });
    }
    this.renderAll();
    this.showHeader();
    if (detail.status === "running") this.watch(detail.id);
  }

  /** A run still going on the server (say, started before a reload): offer Stop, show its end. */
  watch(id) {
    this.status("An answer is still running on the server…");
    $("stop").hidden = false;
    clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(async () => {
      if (this.conversation?.id !== id || this.busy) return;
      try {
        const detail = await call("GET", `/conversations/${encodeURIComponent(id)}`);
        if (detail.status === "running") this.watch(id);
        else await this.open(id);
      } catch (exc) {
        this.error(exc);
      }
    }, 1000);
  }

  reset(id = newId()) {
    this.view += 1; // a stream of the previous view no longer touches the screen
    this.abortStream();
    this.setBusy(false);
    clearTimeout(this.watchTimer);
    $("stop").hidden = true;
    this.id = id;
    this.conversation = null;
    this.messages = [];
    this.nodes.clear();
    clear($("messages"));
    this.error(null);
    this.status("");
    this.showHeader();
  }

  showHeader() {
    $("chat-title").textContent = this.conversation?.title || "New chat";
    $("chat-workspace").textContent = this.conversation ? `workspace: ${this.conversation.workspace}` : "";
    $("workspace").disabled = this.conversation !== null;
  }

  async send(text, workspace) {
    const message = userMessage(newId(), text);
    this.messages.push(message);
    this.render(message);
    const query = this.conversation ? {} : { workspace };
    await this.stream([{ id: message.id, role: "user", parts: message.parts }], query);
  }

  async decide(message, part, approved) {
    if (this.busy) return;
    part.state = "approval-responded";
    part.approval = { ...(part.approval || {}), approved };
    this.render(message);
    if (awaitingApproval(message).length > 0) return; // answer every request, then send them
    await this.stream([approvalReply(message)], {});
  }

  async stop() {
    const id = this.conversation?.id ?? this.id;
    this.status("Stopping…");
    try {
      await call("POST", `/conversations/${encodeURIComponent(id)}/stop`);
    } catch (exc) {
      if (!(exc instanceof ApiError) || exc.status !== 404) this.error(exc);
    }
    this.abortStream();
  }

  abortStream() {
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  async stream(messages, query) {
    this.error(null);
    const controller = new AbortController();
    this.controller = controller;
    this.setBusy(true);
    const answer = assistantMessage();
    const view = this.view;
    const here = () => view === this.view;
    let shown = false;
    try {
      const response = await request("POST", "/chat", {
        json: { id: this.id, trigger: "submit-message", messages },
        query,
        signal: controller.signal,
      });
      if (!response.ok) throw await errorOf(response);
      this.onStreamStarted(this.id); // the conversation exists now: a reload comes back to it
      this.messages.push(answer);
      shown = true;
      this.render(answer);
      this.status("Answering…");
      let first = true;
      for await (const chunk of uiChunks(response)) {
        if (!here()) break;
        const { changed, data } = applyChunk(this.messages, answer, chunk);
        // stored by now: list it (and its title) while the answer streams; again at its end
        if (first || data?.type === "data-conversation") await this.refreshConversation();
        first = false;
        for (const m of changed) this.render(m);
      }
      if (here()) this.status("");
    } catch (exc) {
      if (!here()) {
        // the user moved to another conversation: nothing to show
      } else if (exc.name === "AbortError") {
        // the stream's own "abort" chunk may have said so already (a stop waits for the run)
        const noted = answer.notes.some((note) => note.kind === "stopped");
        if (shown && !noted) answer.notes.push({ kind: "stopped", text: "Stopped." });
        this.status("Stopped.");
      } else {
        this.error(exc);
        this.status("");
      }
    } finally {
      answer.parts.forEach((p) => {
        if (p.state === "streaming") p.state = "done";
      });
      if (this.controller === controller) this.controller = null;
      if (here()) {
        this.setBusy(false);
        if (shown) this.render(answer);
        this.rerenderApprovals();
        await this.refreshConversation();
      }
    }
  }

  async refreshConversation() {
    try {
      const detail = await call("GET", `/conversations/${encodeURIComponent(this.id)}`);
      this.id = detail.id;
      this.conversation = detail;
      this.showHeader();
      this.onConversationChanged(detail);
    } catch (exc) {
      if (!(exc instanceof ApiError) || exc.status !== 404) throw exc;
    }
  }

  setBusy(busy) {
    $("send").disabled = busy;
    $("stop").hidden = !busy;
    document.body.classList.toggle("busy", busy);
  }

  rerenderApprovals() {
    for (const m of this.messages) if (awaitingApproval(m).length) this.render(m);
  }

  renderAll() {
    clear($("messages"));
    this.nodes.clear();
    for (const m of this.messages) this.render(m);
  }

  render(message) {
    const node = renderMessage(message, {
      busy: this.busy,
      onDecide: (part, approved) => this.decide(message, part, approved).catch((exc) => this.error(exc)),
    });
    const old = this.nodes.get(message);
    const box = $("messages");
    const stick = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    if (old) old.replaceWith(node);
    else box.append(node);
    this.nodes.set(message, node);
    if (stick) box.scrollTop = box.scrollHeight;
  }

  status(text) {
    $("chat-status").textContent = text;
  }

  error(exc) {
    const el = $("chat-error");
    if (!exc) {
      el.hidden = true;
      el.textContent = "";
      return;
    }
    el.textContent = exc instanceof ApiError ? exc.readable : `Something went wrong: ${exc.message || exc}`;
    el.hidden = false;
  }
}
