"""The chat page at ``/`` in headless Chromium, against ``fast-genai serve`` and the fake Gemini:
register, log in, ask, streamed text, tool cards, approving a write, stopping, reloading, errors,
and model output that looks like HTML shown as text."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import PASSWORD, Served, shot, start_server
from tests.fakes.gemini import FakeGemini, Reply

ANSWER = (
    "Here is **the plan** for `main.py`:\n\n"
    "1. read the code\n"
    "2. write the tests\n\n"
    "```python\nprint('hello')\n```\n\n"
    "See [the docs](https://example.org/docs)."
)


def email() -> str:
    return f"person-{uuid.uuid4().hex[:8]}@example.org"


def register(page: Page, server: Served, address: str) -> None:
    page.goto(server.url + "/")
    page.fill("#auth-email", address)
    page.fill("#auth-password", PASSWORD)
    page.click("#register")
    ready(page)
    expect(page.locator("#who")).to_have_text(address)


def ready(page: Page) -> None:
    """The page is logged in, with its conversations and workspaces loaded."""
    expect(page.locator("body[data-ready='true']")).to_have_count(1)


def ask(page: Page, text: str) -> None:
    page.fill("#prompt", text)
    page.click("#send")


def assistant(page: Page) -> str:
    """The selector of the last assistant message."""
    return ".message-item.assistant >> nth=-1"


CHAT_ERROR = "#chat-error, .message-item.assistant .note.error"
"""Where a failed turn is said: the banner above the composer, or the note in the answer
(once the server has started the answer's message)."""


def token_of(page: Page) -> str:
    token = page.evaluate("sessionStorage.getItem('fast-genai.token')")
    assert isinstance(token, str)
    return token


def conversation(server: Served, page: Page, conversation_id: str) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token_of(page)}"}
    response = httpx.get(
        f"{server.url}/api/v1/conversations/{conversation_id}", headers=headers, timeout=10
    )
    assert response.status_code == 200, response.text
    detail: dict[str, object] = response.json()
    return detail


def current_id(page: Page) -> str:
    hash_ = page.evaluate("window.location.hash")
    assert isinstance(hash_, str) and hash_.startswith("#c=")
    return hash_.removeprefix("#c=")


def test_page_is_served_with_a_strict_content_security_policy(server: Served) -> None:
    response = httpx.get(server.url + "/", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    # the built app (web/frontend -> web/static): one module script and one style sheet, local
    scripts = re.findall(r'<script type="module" crossorigin src="([^"]+)">', response.text)
    styles = re.findall(r'<link rel="stylesheet" crossorigin href="([^"]+)">', response.text)
    assert len(scripts) == 1 and len(styles) == 1, response.text
    assert "<script>" not in response.text and "style=" not in response.text
    for asset, kind in ((scripts[0], "javascript"), (styles[0], "css")):
        assert asset.startswith("/static/assets/"), asset
        fetched = httpx.get(server.url + asset, timeout=10)
        assert fetched.status_code == 200
        assert kind in fetched.headers["content-type"]


def test_register_log_in_ask_and_see_the_answer_stream(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    address = email()
    register(page, server, address)
    page.click("#logout")
    expect(page.locator("#auth")).to_be_visible()
    page.fill("#auth-email", address)
    page.fill("#auth-password", "wrong password!")
    page.click("#login")
    expect(page.locator("#auth-message")).to_have_text("Wrong e-mail or password.")
    page.fill("#auth-password", PASSWORD)
    page.click("#login")
    ready(page)
    expect(page.locator("#who")).to_have_text(address)
    shot(page, "chat", "logged-in")

    gemini.script(Reply.text(ANSWER, chunks=8, delay=0.35))
    ask(page, "What should I do with main.py?")
    answer = page.locator(assistant(page))
    # streamed: part of the answer is on screen while the rest is still coming
    expect(answer.locator(".text.streaming")).to_be_visible()
    expect(answer).to_contain_text("Here is")
    assert "print('hello')" not in answer.inner_text()
    expect(page.locator("#stop")).to_be_visible()
    shot(page, "chat", "streaming")

    expect(answer.locator("pre code")).to_have_text("print('hello')")
    expect(answer.locator(".text.streaming")).to_have_count(0)
    expect(answer.locator("strong")).to_have_text("the plan")
    expect(answer.locator("p code")).to_have_text("main.py")
    expect(answer.locator("ol li")).to_have_count(2)
    link = answer.locator("a")
    expect(link).to_have_attribute("href", "https://example.org/docs")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(page.locator("#stop")).to_be_hidden()
    expect(page.locator("#chat-title")).to_have_text("What should I do with main.py?")
    expect(page.locator("#conversations li")).to_have_count(1)
    shot(page, "chat", "answered")

    # the model got the question, and the conversation is stored on the server
    assert gemini.requests[-1].user_text.endswith("What should I do with main.py?")
    detail = conversation(server, page, current_id(page))
    assert detail["status"] == "idle"
    assert detail["workspace"] == "main"


def test_tool_card_approve_a_write_in_the_chosen_workspace(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    page.select_option("#workspace", "other")
    gemini.script(
        Reply.calls(("list_files", {"path": "."})),
        Reply.calls(("create_file", {"path": "hello.txt", "content": "hi from the browser"})),
    )
    ask(page, "Create hello.txt")

    listing = page.locator(".tool-card[data-tool='list_files']")
    expect(listing).to_have_attribute("data-state", "output-available")
    expect(listing.locator(".tool-summary")).to_have_text("1 entry")
    expect(listing).not_to_have_attribute("open", "")  # collapsed until clicked
    listing.locator("summary").click()
    expect(listing.locator(".code-block >> nth=1")).to_contain_text("notes.md")

    card = page.locator(".tool-card[data-tool='create_file']")
    expect(card).to_have_attribute("data-state", "approval-requested")
    arguments = card.locator(".code-block").first
    expect(arguments).to_contain_text('"path": "hello.txt"')
    expect(arguments).to_contain_text('"content": "hi from the browser"')
    expect(page.locator("#chat-workspace")).to_have_text("workspace: other")
    shot(page, "approval", "requested")
    target = server.workspaces["other"] / "hello.txt"
    assert not target.exists()

    gemini.script(Reply.text("Created hello.txt for you."))
    card.locator("button.approve").click()
    expect(card).to_have_attribute("data-state", "output-available")
    expect(card.locator(".tool-summary")).to_contain_text("hello.txt")
    expect(page.locator(assistant(page))).to_contain_text("Created hello.txt for you.")
    shot(page, "approval", "done")
    assert target.read_text() == "hi from the browser"
    assert not (server.workspaces["main"] / "hello.txt").exists()
    answered = [r["name"] for r in gemini.requests[-1].function_responses]
    assert answered == ["list_files", "create_file"]


def test_deny_a_write_after_a_reload(page: Page, server: Served, gemini: FakeGemini) -> None:
    register(page, server, email())
    gemini.script(Reply.calls(("create_file", {"path": "denied.txt", "content": "no"})))
    ask(page, "Create denied.txt")
    card = page.locator(".tool-card[data-tool='create_file']")
    expect(card).to_have_attribute("data-state", "approval-requested")
    page.reload()  # the pending write comes back from the server, with its arguments
    ready(page)
    expect(card).to_have_attribute("data-state", "approval-requested")
    expect(card.locator(".code-block").first).to_contain_text('"path": "denied.txt"')
    gemini.script(Reply.text("Understood, I did not write it."))
    card.locator("button.deny").click()
    expect(card).to_have_attribute("data-state", "output-denied")
    expect(page.locator(assistant(page))).to_contain_text("I did not write it.")
    assert not (server.workspaces["main"] / "denied.txt").exists()


def test_stop_a_long_answer_then_reload_and_find_the_conversation(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    words = " ".join(f"word{i}" for i in range(300))
    gemini.script(Reply.text(words, chunks=150, delay=0.1))
    ask(page, "Tell me a long story")
    answer = page.locator(assistant(page))
    expect(answer).to_contain_text("word5")
    page.click("#stop")
    expect(answer.locator(".note.stopped")).to_be_visible()
    expect(page.locator("#stop")).to_be_hidden()
    shot(page, "stop", "stopped")
    said = answer.locator(".text").inner_text()
    assert "word299" not in said

    conversation_id = current_id(page)
    status = ""
    for _ in range(100):
        status = str(conversation(server, page, conversation_id)["status"])
        if status != "running":
            break
        page.wait_for_timeout(100)
    assert status == "cancelled"

    # another conversation, then a reload: both are listed, and the stopped one reopens
    gemini.script(Reply.text("Short answer."))
    page.click("#new-chat")
    ask(page, "A short question")
    expect(page.locator(assistant(page))).to_contain_text("Short answer.")
    page.reload()
    ready(page)
    items = page.locator("#conversations li")
    expect(items).to_have_count(2)
    expect(page.locator("#chat-title")).to_have_text("A short question")
    items.filter(has_text="Tell me a long story").locator("button.title").click()
    expect(page.locator("#chat-title")).to_have_text("Tell me a long story")
    reopened = page.locator(assistant(page))
    expect(reopened).to_contain_text("word0")
    expect(reopened.locator(".note.stopped")).to_be_visible()
    shot(page, "stop", "reloaded")


def test_rename_in_place_and_delete_with_undo(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    gemini.script(Reply.text("First."))
    ask(page, "first question")
    expect(page.locator(assistant(page))).to_contain_text("First.")
    conversation_id = current_id(page)

    # rename in place: Escape cancels, Enter saves
    current = page.locator("#conversations li.current")
    current.locator("button.rename").click()
    field = current.locator("input.rename-input")
    expect(field).to_be_focused()
    field.fill("not this")
    field.press("Escape")
    expect(current.locator("button.title")).to_have_text("first question")
    current.locator("button.rename").click()
    current.locator("input.rename-input").fill("My renamed chat")
    current.locator("input.rename-input").press("Enter")
    expect(current.locator("button.title")).to_have_text("My renamed chat")
    expect(page.locator("#chat-title")).to_have_text("My renamed chat")
    page.reload()
    ready(page)
    expect(page.locator("#conversations li button.title")).to_have_text("My renamed chat")
    expect(page.locator("#conversations .group-label")).to_have_text(["Today"])

    # delete: hidden at once with an Undo; undone, nothing is deleted on the server
    page.locator("#conversations li.current button.delete").click()
    expect(page.locator("#conversations li")).to_have_count(0)
    page.click("#undo-delete")
    expect(page.locator("#conversations li button.title")).to_have_text("My renamed chat")
    assert conversation(server, page, conversation_id)["title"] == "My renamed chat"

    # deleted for real once the undo time is over
    page.locator("#conversations li button.delete").click()
    expect(page.locator("#undo-delete")).to_be_visible()
    expect(page.locator("#undo-delete")).to_be_hidden(timeout=15_000)
    expect(page.locator("#conversations .empty")).to_be_visible()
    expect(page.locator("#chat-title")).to_have_text("New chat")
    gone = httpx.get(
        f"{server.url}/api/v1/conversations/{conversation_id}",
        headers={"Authorization": f"Bearer {token_of(page)}"},
        timeout=10,
    )
    assert gone.status_code == 404


def test_search_the_conversation_list(page: Page, server: Served, gemini: FakeGemini) -> None:
    register(page, server, email())
    for question in ("Fix the flaky test", "Plan the release"):
        gemini.script(Reply.text("Done."))
        page.click("#new-chat")
        ask(page, question)
        expect(page.locator(assistant(page))).to_contain_text("Done.")
    titles = page.locator("#conversations li button.title")
    expect(titles).to_have_count(2)
    page.fill("#conversation-search", "FLAKY")
    expect(titles).to_have_text(["Fix the flaky test"])
    page.fill("#conversation-search", "nothing matches this")
    expect(page.locator("#conversations .empty")).to_have_text("No conversation matches.")
    page.fill("#conversation-search", "")
    expect(titles).to_have_count(2)


def test_an_answer_that_ends_after_the_user_moved_on_still_joins_the_list(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    """The page reads a finished conversation back (GET /conversations/{id}) to list it; when
    that read comes back after the user has already opened a new chat, the conversation must
    still join the list (it used to be dropped until a reload). The reads are held by the test,
    so the order is certain, not a timing chance."""
    register(page, server, email())
    held: list[Route] = []
    holding = [True]

    def hold(route: Route) -> None:
        if holding[0] and route.request.method == "GET":
            held.append(route)
        else:
            route.fallback()

    conversation_read = re.compile(r".*/api/v1/conversations/[0-9a-f-]{36}$")
    page.route(conversation_read, hold)
    gemini.script(Reply.text("Done."))
    ask(page, "Fix the flaky test")
    expect(page.locator(assistant(page))).to_contain_text("Done.")
    for _ in range(100):  # the reads are sent as the answer streams and ends
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never read the conversation back"
    page.click("#new-chat")
    holding[0] = False
    for route in held:
        route.continue_()
    expect(page.locator("#conversations li button.title")).to_have_text(["Fix the flaky test"])


def test_model_output_that_looks_like_html_is_shown_as_text(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    hostile = (
        'Look: <img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script>\n\n'
        "[click me](javascript:window.__xss=3) **<b>bold?</b>**\n\n"
        '```html\n<iframe src="javascript:window.__xss=4"></iframe>\n```'
    )
    gemini.script(
        Reply.calls(("read_file", {"path": "README.md"})),
        Reply.text(hostile),
    )
    (server.workspaces["main"] / "README.md").write_text(
        '# main workspace\n<img src=x onerror="window.__xss=5">\n'
    )
    ask(page, "Show me something dangerous")
    answer = page.locator(assistant(page))
    expect(answer).to_contain_text("<script>window.__xss=2</script>")
    expect(answer).to_contain_text('<img src=x onerror="window.__xss=1">')
    card = page.locator(".tool-card[data-tool='read_file']")
    expect(card).to_have_attribute("data-state", "output-available")
    card.locator("summary").click()
    expect(card).to_contain_text("onerror")
    shot(page, "xss", "rendered")
    messages = page.locator("#messages")
    for tag in ("img", "script", "iframe", "b"):
        expect(messages.locator(tag)).to_have_count(0)
    expect(messages.locator("a")).to_have_count(0)  # the javascript: link stays text
    expect(answer).to_contain_text("[click me](javascript:window.__xss=3)")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None


def test_upstream_failures_are_readable(page: Page, server: Served, gemini: FakeGemini) -> None:
    register(page, server, email())
    gemini.script(
        Reply.error(429, "Resource has been exhausted (e.g. check quota).", retry_after=7)
    )
    ask(page, "hello")
    error = page.locator(CHAT_ERROR)
    expect(error).to_contain_text("rate-limited")
    expect(error).to_contain_text("check quota")
    expect(page.locator("#chat-status")).to_have_text("")
    shot(page, "errors", "quota")

    # Retry sends the same question again; this time the model answers
    gemini.script(Reply.text("Hello after all."))
    page.click("#retry")
    expect(page.locator(assistant(page))).to_contain_text("Hello after all.")
    expect(page.locator(CHAT_ERROR)).to_have_count(0)

    gemini.script(Reply.error(500, "backend exploded"))
    ask(page, "again")
    error = page.locator(CHAT_ERROR)
    expect(error).to_contain_text("HTTP 500")
    expect(error).not_to_contain_text("pyd_ai")
    expect(page.locator("#send")).to_be_enabled()


def test_without_a_model_key_the_page_says_what_is_missing(
    page: Page, keyless_server: Served
) -> None:
    register(page, keyless_server, email())
    ask(page, "hello")
    error = page.locator("#chat-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("GEMINI_API_KEY")
    shot(page, "errors", "no-key")


@pytest.fixture
def keyless_server(tmp_path: Path, chromium_path: str) -> Iterator[Served]:
    """A second server, started with no model key."""
    served = start_server(tmp_path, gemini=None)
    try:
        yield served
    finally:
        served.stop()


HOSTILE_MARKDOWN = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    "[a](javascript:window.__xss=3) [b]( JAVASCRIPT:alert(1) ) [c](data:text/html,<b>x</b>)",
    "**<svg onload=window.__xss=4>** _<a href=javascript:x>y</a>_ `<b>code</b>`",
    "> <iframe src=javascript:window.__xss=5>\n> quoted",
    "- <style>body{display:none}</style>\n- item ![img](x onerror=alert(1))",
    "```\n</code></pre><script>window.__xss=6</script>\n```",
    "# <h1 onclick=x>title</h1>\n\n1. one\n2. <form action=//evil><input></form>",
    "https://example.org/<script>window.__xss=7</script>",
    "&lt;script&gt; &amp; &#60;img src=x onerror=alert(1)&#62;",
]
ALLOWED_TAGS = {
    "P", "BR", "STRONG", "EM", "DEL", "CODE", "PRE", "DIV", "SPAN", "A", "UL", "OL", "LI",
    "BLOCKQUOTE", "HR", "H1", "H2", "H3", "H4", "H5", "H6", "TABLE", "THEAD", "TBODY", "TR",
    "TH", "TD", "INPUT", "BUTTON",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "href", "target", "rel", "start", "class", "data-language", "type", "checked", "disabled",
    "aria-label", "align", "tabindex",
}  # fmt: skip


def test_the_markdown_renderer_builds_only_whitelisted_elements(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    """Hostile Markdown as a real answer: only whitelisted elements and attributes are built, links
    keep safe targets, and markup in the source is shown as the characters it is."""
    register(page, server, email())
    gemini.script(Reply.text("\n\n".join(HOSTILE_MARKDOWN)))
    ask(page, "Say something hostile")
    answer = page.locator(assistant(page)).locator(".markdown")
    expect(answer).to_contain_text("window.__xss=7")
    expect(page.locator(assistant(page)).locator(".text.streaming")).to_have_count(0)
    found = answer.evaluate(
        """(box) => {
            const elements = [...box.querySelectorAll("*")];
            return {
                tags: elements.map((e) => e.tagName),
                attributes: elements.flatMap((e) => e.getAttributeNames()),
                hrefs: elements.filter((e) => e.href).map((e) => e.href),
                inputs: [...box.querySelectorAll("input")].map((e) => e.type),
                text: box.textContent,
            };
        }"""
    )
    assert set(found["tags"]) <= ALLOWED_TAGS, found
    assert set(found["attributes"]) <= ALLOWED_ATTRIBUTES, found
    assert all(h.startswith(("http://", "https://", "mailto:")) for h in found["hrefs"]), found
    assert set(found["inputs"]) <= {"checkbox"}, found
    for shown in (
        '<img src=x onerror="window.__xss=1">',
        "<script>window.__xss=2</script>",
        "</code></pre><script>window.__xss=6</script>",
        "<form action=//evil><input></form>",
    ):
        assert shown in found["text"], (shown, found["text"])
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None


def test_the_servers_rate_limit_is_readable(
    page: Page, limited_server: Served, gemini: FakeGemini
) -> None:
    """A real 429 from the per-user rate limit (one message a minute on this server): the page
    says so with the server's message and its Retry-After, and the model is not asked."""
    register(page, limited_server, email())
    gemini.script(Reply.text("The one answer this minute."))
    ask(page, "hello")
    expect(page.locator(assistant(page))).to_contain_text("The one answer this minute.")
    expect(page.locator("#send")).to_be_enabled()
    asked = len(gemini.requests)

    with page.expect_response(lambda r: "/api/v1/chat" in r.url) as answered:
        ask(page, "and again")
    response = answered.value
    assert response.status == 429
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    error = page.locator("#chat-error")
    expect(error).to_have_text(
        "Limit reached: too many chat messages and runs: the limit is 1 per minute. "
        f"Try again in {retry_after} s."
    )
    expect(page.locator("#send")).to_be_enabled()
    assert len(gemini.requests) == asked
    shot(page, "errors", "limit")


@pytest.fixture
def limited_server(tmp_path: Path, fake_gemini: FakeGemini, chromium_path: str) -> Iterator[Served]:
    """A second server, whose users may send one chat message (or run) a minute."""
    served = start_server(
        tmp_path, gemini=fake_gemini, settings={"FAST_GENAI_RATE_LIMIT": "1/minute"}
    )
    try:
        yield served
    finally:
        served.stop()


def test_leaving_a_streaming_conversation_keeps_its_answer_out_of_the_next(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    gemini.script(Reply.text(" ".join(f"part{i}" for i in range(200)), chunks=100, delay=0.1))
    ask(page, "A long answer please")
    expect(page.locator(assistant(page))).to_contain_text("part3")
    page.click("#new-chat")
    expect(page.locator("#chat-title")).to_have_text("New chat")
    page.wait_for_timeout(800)  # chunks still in flight must not land in the new chat
    expect(page.locator("#messages .message-item")).to_have_count(0)
    expect(page.locator("#send")).to_be_enabled()
    expect(page.locator("#stop")).to_be_hidden()
    # leaving closed the stream, not the run (a durable turn goes on; #10): it is all kept
    page.locator("#conversations li button.title", has_text="A long answer please").click()
    expect(page.locator(assistant(page))).to_contain_text("part0")
    expect(page.locator(assistant(page)).locator(".note.stopped")).to_have_count(0)


def test_two_writes_in_one_answer_are_decided_together(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    gemini.script(
        Reply.calls(
            ("create_file", {"path": "yes.txt", "content": "approved"}),
            ("create_file", {"path": "no.txt", "content": "denied"}),
        )
    )
    ask(page, "Create yes.txt and no.txt")
    cards = page.locator(".tool-card[data-tool='create_file']")
    expect(cards).to_have_count(2)
    yes = cards.filter(has_text="yes.txt")
    no = cards.filter(has_text="no.txt")
    expect(yes).to_have_attribute("data-state", "approval-requested")
    expect(no).to_have_attribute("data-state", "approval-requested")
    chat_posts: list[str] = []
    page.on("request", lambda r: chat_posts.append(r.url) if "/api/v1/chat" in r.url else None)
    yes.locator("button.approve").click()
    expect(yes).to_have_attribute("data-state", "approval-responded")
    page.wait_for_timeout(300)
    assert chat_posts == []  # nothing is sent until both are decided

    gemini.script(Reply.text("Wrote yes.txt; skipped no.txt."))
    no.locator("button.deny").click()
    expect(yes).to_have_attribute("data-state", "output-available")
    expect(no).to_have_attribute("data-state", "output-denied")
    expect(page.locator(assistant(page))).to_contain_text("skipped no.txt")
    assert len(chat_posts) == 1  # one request carried both decisions
    shot(page, "approval", "two")
    main = server.workspaces["main"]
    assert (main / "yes.txt").read_text() == "approved"
    assert not (main / "no.txt").exists()
