// The sidebar: the user's conversations (GET /conversations), with rename and delete.

import { call } from "./api.js";
import { $, clear, h } from "./dom.js";

export class ConversationList {
  constructor({ onOpen, onDeleted, onError }) {
    this.onOpen = onOpen;
    this.onDeleted = onDeleted;
    this.onError = onError;
    this.items = [];
    this.current = null;
  }

  async load() {
    const page = await call("GET", "/conversations", { query: { limit: 100 } });
    this.items = page.items;
    this.render();
  }

  select(id) {
    this.current = id;
    this.render();
  }

  /** A conversation was created or changed: show it first (most recent), selected. */
  upsert(conversation) {
    this.items = [conversation, ...this.items.filter((c) => c.id !== conversation.id)];
    this.current = conversation.id;
    this.render();
  }

  render() {
    const list = clear($("conversations"));
    if (!this.items.length) list.append(h("li", { class: "muted empty", text: "No conversations yet." }));
    for (const item of this.items) list.append(this.row(item));
  }

  row(item) {
    const open = h("button", { class: "link title", text: item.title || "Untitled", attrs: { type: "button", title: item.title } });
    open.addEventListener("click", () => this.onOpen(item.id));
    const rename = h("button", { class: "link small", text: "Rename", attrs: { type: "button", "aria-label": `Rename ${item.title}` } });
    rename.addEventListener("click", () => this.rename(item).catch(this.onError));
    const remove = h("button", { class: "link small danger", text: "Delete", attrs: { type: "button", "aria-label": `Delete ${item.title}` } });
    remove.addEventListener("click", () => this.remove(item).catch(this.onError));
    return h("li", { class: item.id === this.current ? "current" : "", dataset: { id: item.id } },
      open, h("span", { class: "actions" }, rename, remove));
  }

  async rename(item) {
    const title = window.prompt("New title", item.title);
    if (title === null || !title.trim()) return;
    const updated = await call("PATCH", `/conversations/${encodeURIComponent(item.id)}`, { json: { title: title.trim() } });
    this.items = this.items.map((c) => (c.id === item.id ? updated : c));
    this.render();
    if (item.id === this.current) $("chat-title").textContent = updated.title;
  }

  async remove(item) {
    if (!window.confirm(`Delete "${item.title}"?`)) return;
    await call("DELETE", `/conversations/${encodeURIComponent(item.id)}`);
    this.items = this.items.filter((c) => c.id !== item.id);
    this.render();
    if (item.id === this.current) this.onDeleted();
  }
}
