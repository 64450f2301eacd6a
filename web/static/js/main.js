// The chat page: log in or register, then conversations on the left and the chat on the right.
// The token lives in sessionStorage (this tab only); the open conversation is in the URL hash,
// so a reload comes back to it.

import { ApiError, auth, call, login, logout, register } from "./api.js";
import { $, clear, h } from "./dom.js";
import { Chat } from "./chat.js";
import { ConversationList } from "./conversations.js";

const showError = (exc) => chat.error(exc);

const conversations = new ConversationList({
  onOpen: (id) => openConversation(id),
  onDeleted: () => newChat(),
  onError: showError,
});

const chat = new Chat({
  onConversationChanged: (conversation) => {
    conversations.upsert(conversation);
    setHash(conversation.id);
  },
  onStreamStarted: (id) => setHash(id),
});

function setHash(id) {
  const hash = id ? `#c=${encodeURIComponent(id)}` : "";
  if (window.location.hash !== hash) history.replaceState(null, "", hash || window.location.pathname);
}

function hashConversation() {
  const m = /^#c=(.+)$/.exec(window.location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

async function openConversation(id) {
  try {
    await chat.open(id);
    conversations.select(chat.conversation.id);
    setHash(chat.conversation.id);
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 404) {
      newChat();
      chat.error(new ApiError(404, "not_found", "that conversation no longer exists", null, null));
    } else {
      showError(exc);
    }
  }
}

function newChat() {
  const leaving = chat.busy;
  chat.reset();
  conversations.select(null);
  if (leaving) conversations.load().catch(showError); // the left answer's final state
  setHash(null);
  $("prompt").focus();
}

async function loadWorkspaces() {
  const select = clear($("workspace"));
  let names = [];
  try {
    names = await call("GET", "/workspaces");
  } catch (exc) {
    showError(exc);
  }
  for (const ws of names) {
    select.append(h("option", { text: ws.name, attrs: { value: ws.name, selected: ws.default ? "" : null } }));
  }
  if (!names.length) select.append(h("option", { text: "(none configured)", attrs: { value: "" } }));
}

async function enter() {
  $("auth").hidden = true;
  $("app").hidden = false;
  $("send").disabled = true; // until the conversations and workspaces are loaded
  try {
    const me = await call("GET", "/users/me");
    $("who").textContent = me.email;
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 401) return leave();
    showError(exc);
  }
  await loadWorkspaces();
  await conversations.load().catch(showError);
  const id = hashConversation();
  if (id) await openConversation(id);
  else newChat();
  $("send").disabled = false;
  document.body.dataset.ready = "true";
}

function leave(message = "") {
  auth.token = null;
  delete document.body.dataset.ready;
  chat.reset();
  $("app").hidden = true;
  $("auth").hidden = false;
  $("auth-message").textContent = message;
  $("auth-email").focus();
}

auth.onExpired = () => leave("Your session ended; please log in again.");

$("auth-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const action = event.submitter?.dataset.action ?? "login";
  const email = $("auth-email").value.trim();
  const password = $("auth-password").value;
  const message = $("auth-message");
  if (!email || !password) {
    message.textContent = "Enter your e-mail and a password.";
    return;
  }
  message.textContent = action === "register" ? "Creating your account…" : "Logging in…";
  try {
    if (action === "register") await register(email, password);
    else await login(email, password);
    message.textContent = "";
    $("auth-password").value = "";
    await enter();
  } catch (exc) {
    message.textContent = authMessage(exc);
  }
});

function authMessage(exc) {
  if (!(exc instanceof ApiError)) return `Something went wrong: ${exc.message || exc}`;
  if (exc.code === "login_bad_credentials") return "Wrong e-mail or password.";
  if (exc.code === "register_user_already_exists") return "That e-mail is already registered; log in instead.";
  return exc.readable;
}

$("logout").addEventListener("click", async () => {
  await logout();
  leave("You are logged out.");
});

$("new-chat").addEventListener("click", () => newChat());

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const prompt = $("prompt");
  const text = prompt.value.trim();
  if (!text || chat.busy || $("send").disabled) return;
  prompt.value = "";
  await chat.send(text, $("workspace").value).catch(showError);
});

$("prompt").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});

$("stop").addEventListener("click", () => chat.stop());

if (auth.token) enter();
else leave();
