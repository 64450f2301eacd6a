"""The chat app's features at desktop width and at 390 px (a phone), in headless Chromium against
``fast-genai serve`` and the fake Gemini: layout with no horizontal scroll and every control
reachable, the collapsible sidebar, light/dark, GFM tables and lists, highlighted code with a copy
button, search hits that open the file at their line, the keyboard, the empty state, and
axe-core's accessibility rules."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ARTIFACTS, TIMEOUT_MS, Served, shot
from tests.browser.test_chat_page import ask, assistant, email, register
from tests.conftest import require_program
from tests.fakes.gemini import FakeGemini, Reply

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "web/frontend/node_modules/axe-core/axe.min.js"
SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}

CODE_LINE = "result = compute_something(" + ", ".join(f"argument_{i}" for i in range(30)) + ")"
RICH_ANSWER = (
    "| tool | kind |\n|---|---|\n| read_file | read |\n| create_file | write |\n\n"
    "- outer\n  - inner one\n  - inner two\n- second\n\n"
    "- [x] done\n- [ ] to do\n\n"
    f"```python\ndef main():\n    {CODE_LINE}\n    return result\n```\n"
)


class Problems(list[str]):
    """Script errors seen by a page."""


def _watch(page: Page, problems: Problems) -> None:
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """``open_page(size, **context options)``: a fresh page of that size; no script errors."""
    expect.set_options(timeout=TIMEOUT_MS)
    opened: list[tuple[BrowserContext, Problems]] = []

    def make(size: str, **options: object) -> Page:
        context = browser.new_context(viewport=SIZES[size], **options)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        problems = Problems()
        page = context.new_page()
        _watch(page, problems)
        opened.append((context, problems))
        return page

    yield make
    try:
        for _, problems in opened:
            assert not problems, problems
    finally:
        for context, _ in opened:
            context.close()


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide in a {widths[1]} px viewport"


def reachable(page: Page, selector: str) -> None:
    """The control is visible, and once scrolled into view lies inside the viewport."""
    control = page.locator(selector)
    expect(control).to_be_visible()
    control.scroll_into_view_if_needed()
    box = control.bounding_box()
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)


@pytest.mark.parametrize("size", SIZES)
def test_a_search_hit_opens_the_file_at_its_line(
    open_page: OpenPage, server: Served, gemini: FakeGemini, size: str
) -> None:
    """A search_code hit is a path:line link; it opens the file, read through the server in the
    conversation's workspace, as numbered highlighted lines scrolled to the hit's line, marked."""
    name = f"found_{size}.py"
    body = "".join(f"value_{i} = {i}\n" for i in range(1, 300))
    (server.workspaces["main"] / name).write_text(body + "def needle_here():\n    return 1\n")
    page: Page = open_page(size)
    register(page, server, email())
    gemini.script(
        Reply.calls(("search_code", {"query": "needle_here", "glob": [name]})),
        Reply.text("It is defined once."),
    )
    ask(page, "Where is needle_here?")
    expect(page.locator(assistant(page))).to_contain_text("It is defined once.")
    page.locator(".tool-card[data-tool='search_code'] summary").click()
    link = page.locator(".tool-card .hit-link")
    expect(link).to_have_text(f"{name}:300")
    link.click()

    view = page.locator("dialog.file-view")
    expect(view).to_be_visible()
    expect(view.locator("h2")).to_have_text(f"{name}:300")
    target = view.locator(".line.target")
    expect(target).to_have_attribute("data-line", "300")
    expect(target).to_contain_text("def needle_here():")
    expect(target.locator(".hljs-keyword")).to_have_text("def")  # highlighted as Python
    expect(target).to_be_in_viewport()  # scrolled to the line
    expect(view.locator(".line[data-line='100']")).to_contain_text("value_100 = 100")
    box = view.bounding_box()
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    no_horizontal_scroll(page)
    shot(page, f"file-view-{size}", "open")

    page.keyboard.press("Escape")
    expect(view).to_be_hidden()


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_layout_fits_with_every_control_reachable(
    open_page: OpenPage, server: Served, gemini: FakeGemini, size: str
) -> None:
    page: Page = open_page(size)
    register(page, server, email())
    no_horizontal_scroll(page)
    gemini.script(Reply.calls(("create_file", {"path": "wide.txt", "content": "x " * 400})))
    ask(page, "Create wide.txt " + "with a very long question " * 10)
    card = page.locator(".tool-card[data-tool='create_file']")
    expect(card).to_have_attribute("data-state", "approval-requested")
    no_horizontal_scroll(page)
    for selector in ("#prompt", "#send", "button.approve", "button.deny", "#toggle-sidebar"):
        reachable(page, selector)

    sidebar = page.locator("#sidebar")
    if size == "phone":  # a drawer over the chat: closed, then opened with every control in it
        expect(sidebar).to_be_hidden()
        page.click("#toggle-sidebar")
        for selector in ("#new-chat", "#workspace", "#conversation-search", "#logout"):
            reachable(page, selector)
        page.click("button.close-sidebar")
        expect(sidebar).to_be_hidden()
    else:  # beside the chat: collapsed and shown again, remembered across a reload
        expect(sidebar).to_be_visible()
        page.click("#toggle-sidebar")
        expect(sidebar).to_be_hidden()
        page.reload()
        expect(page.locator("body[data-ready='true']")).to_have_count(1)
        expect(sidebar).to_be_hidden()
        page.click("#toggle-sidebar")
        expect(sidebar).to_be_visible()
    gemini.script(Reply.text("Not written."))
    page.locator("button.deny").click()
    expect(page.locator(assistant(page))).to_contain_text("Not written.")
    no_horizontal_scroll(page)


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_tables_lists_and_highlighted_code_with_copy(
    open_page: OpenPage, server: Served, gemini: FakeGemini, size: str
) -> None:
    page: Page = open_page(size)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    register(page, server, email())
    gemini.script(Reply.text(RICH_ANSWER))
    ask(page, "Show me everything")
    answer = page.locator(assistant(page))
    expect(answer.locator(".text.streaming")).to_have_count(0)
    expect(answer.locator("table th")).to_have_text(["tool", "kind"])
    expect(answer.locator("table td")).to_have_text(["read_file", "read", "create_file", "write"])
    expect(answer.locator("ul > li > ul > li")).to_have_text(["inner one", "inner two"])
    checks = answer.locator("input[type='checkbox']")
    expect(checks).to_have_count(2)
    assert [checks.nth(i).is_checked() for i in range(2)] == [True, False]

    block = answer.locator(".code-block")
    expect(block.locator(".code-lang")).to_have_text("python")
    expect(block.locator("code.hljs .hljs-keyword").first).to_have_text("def")  # highlighted
    # the label sits above the code: it never overlaps the (long, scrolling) first line
    label, code = block.locator(".code-lang").bounding_box(), block.locator("pre").bounding_box()
    assert label and code and label["y"] + label["height"] <= code["y"] + 0.5, (label, code)
    no_horizontal_scroll(page)  # the long line scrolls inside the block, not the page

    block.locator("button.copy").click()
    expect(block.locator("button.copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"def main():\n    {CODE_LINE}\n    return result"


@pytest.mark.slow
def test_dark_mode_follows_the_system_and_the_toggle(open_page: OpenPage, server: Served) -> None:
    page: Page = open_page("desktop", color_scheme="dark")
    register(page, server, email())

    def background() -> str:
        return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))

    dark = background()
    assert dark == "rgb(20, 20, 23)", dark
    page.select_option("#theme", "light")
    expect(page.locator("html[data-theme='light']")).to_have_count(1)
    assert background() == "rgb(247, 247, 248)"
    page.reload()  # the choice is remembered
    expect(page.locator("body[data-ready='true']")).to_have_count(1)
    assert background() == "rgb(247, 247, 248)"
    page.select_option("#theme", "system")
    assert background() == dark

    light_system: Page = open_page("desktop", color_scheme="light")
    light_system.goto(server.url + "/")
    expect(light_system.locator("#auth")).to_be_visible()
    bg = light_system.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(247, 247, 248)"


@pytest.mark.slow
def test_keyboard_enter_shift_enter_slash_and_escape(
    open_page: OpenPage, server: Served, gemini: FakeGemini
) -> None:
    page: Page = open_page("desktop")
    register(page, server, email())
    page.locator("#chat-title").click()  # focus away from the prompt
    page.keyboard.press("/")
    expect(page.locator("#prompt")).to_be_focused()
    expect(page.locator("#prompt")).to_have_value("")  # "/" focused, it was not typed
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    expect(page.locator("#prompt")).to_have_value("first line\nsecond line")

    gemini.script(Reply.text(" ".join(f"word{i}" for i in range(300)), chunks=150, delay=0.1))
    page.keyboard.press("Enter")
    sent = page.locator(".message-item.user .plain")
    expect(sent).to_be_visible()
    assert sent.inner_text() == "first line\nsecond line"
    answer = page.locator(assistant(page))
    expect(answer).to_contain_text("word3")
    page.keyboard.press("Escape")
    expect(answer.locator(".note.stopped")).to_be_visible()
    expect(page.locator("#send")).to_be_visible()
    assert "word299" not in answer.inner_text()
    expect(page.locator("#chat-status")).to_have_text("Stopped.")


@pytest.mark.slow
def test_empty_state_offers_suggested_prompts(
    open_page: OpenPage, server: Served, gemini: FakeGemini
) -> None:
    page: Page = open_page("phone")
    register(page, server, email())
    suggestions = page.locator(".empty-state button.suggestion")
    expect(suggestions.first).to_have_text("Summarize this repository")
    no_horizontal_scroll(page)
    gemini.script(Reply.text("It is a small repository."))
    suggestions.first.click()
    expect(page.locator(".message-item.user")).to_contain_text("Summarize this repository")
    expect(page.locator(assistant(page))).to_contain_text("It is a small repository.")
    assert gemini.requests[-1].user_text.endswith("Summarize this repository")


def pathlib_text(path: str) -> str:
    return Path(path).read_text()


def run_axe(page: Page) -> list[dict[str, object]]:
    """axe-core (from npm, evaluated over the DevTools protocol, which the page's CSP does not
    govern): the serious and critical violations of the page as it is."""
    # axe-core is a devDependency of the page (npm ci --prefix web/frontend, as CI does)
    page.evaluate(pathlib_text(require_program("axe-core", str(AXE))) + "\n;0")
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target)}))"
    )
    return [v for v in results if v["impact"] in ("serious", "critical")]


def axe_ok(page: Page) -> None:
    found = run_axe(page)
    assert not found, [(v["id"], v["nodes"]) for v in found]


@pytest.mark.slow
@pytest.mark.parametrize(("size", "scheme"), [("desktop", "light"), ("phone", "dark")])
def test_accessibility_no_serious_axe_violations(
    open_page: OpenPage, server: Served, gemini: FakeGemini, size: str, scheme: str
) -> None:
    page: Page = open_page(size, color_scheme=scheme)
    page.goto(server.url + "/")
    expect(page.locator("#auth")).to_be_visible()
    axe_ok(page)  # the log-in form

    register(page, server, email())
    gemini.script(
        Reply.calls(("read_file", {"path": "README.md"})),
        Reply.text(RICH_ANSWER),
    )
    ask(page, "Read the README")
    expect(page.locator(assistant(page)).locator("code.hljs")).to_have_count(1)
    page.locator(".tool-card[data-tool='read_file'] summary").click()
    if size == "phone":
        page.click("#toggle-sidebar")
    axe_ok(page)
    # one polite live region, for status only; the messages are not read out token by token
    live = page.locator("[aria-live], [role='status'], [role='log']")
    expect(live).to_have_count(1)
    expect(live).to_have_attribute("id", "chat-status")
    expect(page.locator("#messages[aria-live]")).to_have_count(0)
    # focus is visible: a focused button draws an outline
    page.locator("#new-chat").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), outline


SHOTS = REPO / "docs/images"


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_for_the_docs(
    open_page: OpenPage, server: Served, gemini: FakeGemini, size: str, scheme: str
) -> None:
    """The pictures in README.md and docs/chat-page.md: written to docs/images/ when
    FAST_GENAI_UPDATE_SCREENSHOTS=1 (test-artifacts/browser/ otherwise)."""
    page: Page = open_page(size, color_scheme=scheme)
    register(page, server, email())
    gemini.script(
        Reply.calls(("search_code", {"query": "workspace"})),
        Reply.text(
            "The workspace README has one heading.\n\n| file | lines |\n|---|---|\n"
            "| README.md | 1 |\n\n```python\nprint('hello from fast-genai')\n```"
        ),
        Reply.calls(("create_file", {"path": "NOTES.md", "content": "# Notes\n\n- first\n"})),
    )
    ask(page, "Where is the workspace mentioned?")
    expect(page.locator(assistant(page)).locator("code.hljs")).to_have_count(1)
    page.locator(".tool-card[data-tool='search_code'] summary").click()
    ask(page, "Write NOTES.md")
    expect(page.locator(".tool-card[data-tool='create_file']")).to_have_attribute(
        "data-state", "approval-requested"
    )
    expect(page.locator("#send")).to_be_visible()  # the answer's stream has ended
    no_horizontal_scroll(page)
    folder = SHOTS if os.environ.get("FAST_GENAI_UPDATE_SCREENSHOTS") == "1" else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"chat-{size}-{scheme}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    gemini.script(Reply.text("Left as it was."))
    page.locator("button.deny").click()
    expect(page.locator(assistant(page))).to_contain_text("Left as it was.")
