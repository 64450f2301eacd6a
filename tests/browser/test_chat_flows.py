"""The chat page and the server's side of the protocol together, in headless Chromium: the
agent's question answered on a choice card, regenerate and edit replacing the answer on the
server too, the approval card's diff, a voided approval that cannot be clicked, one message per
answer after a reload, and the model and token usage under an answer."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Served, shot
from tests.browser.test_chat_page import ask, assistant, email, ready, register, token_of
from tests.fakes.gemini import FakeGemini, Reply


def stored(server: Served, page: Page) -> dict[str, object]:
    """The open conversation as the server holds it (``GET /conversations/{id}``)."""
    conversation_id = page.evaluate("decodeURIComponent(location.hash.replace('#c=', ''))")
    response = httpx.get(
        f"{server.url}/api/v1/conversations/{conversation_id}",
        headers={"Authorization": f"Bearer {token_of(page)}"},
    )
    response.raise_for_status()
    body: dict[str, object] = response.json()
    return body


def texts(conversation: dict[str, object], role: str) -> list[str]:
    messages = conversation["messages"]
    assert isinstance(messages, list)
    return [
        "".join(p.get("text", "") for p in m["parts"] if p.get("type") == "text")
        for m in messages
        if m["role"] == role
    ]


def test_the_agents_question_is_answered_on_a_choice_card(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    question = {"question": "Which file should I read?", "options": ["notes.md", "README.md"]}
    gemini.script(Reply.calls(("ask_user", question)))
    ask(page, "Read the right file")
    card = page.locator(".ask-card")
    expect(card).to_have_attribute("data-state", "input-available")
    expect(card.locator(".question")).to_have_text("Which file should I read?")
    shot(page, "ask-user", "asked")

    gemini.script(Reply.text("You picked the notes."))
    card.locator("button.choice", has_text="notes.md").click()
    expect(page.locator(assistant(page))).to_contain_text("You picked the notes.")
    expect(card).to_contain_text("You answered: notes.md")
    answered = gemini.requests[-1].function_responses
    assert [r["name"] for r in answered] == ["ask_user"]
    assert "notes.md" in str(answered[0]["response"])

    page.reload()  # the question, its answer and the reply are one answer
    ready(page)
    expect(page.locator(".message-item.assistant")).to_have_count(1)
    expect(page.locator(".ask-card")).to_contain_text("You answered: notes.md")
    expect(page.locator(".ask-card button.choice")).to_have_count(0)


def test_regenerate_replaces_the_answer_on_the_server_too(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    gemini.script(Reply.text("The first answer."))
    ask(page, "hello")
    expect(page.locator(assistant(page))).to_contain_text("The first answer.")
    expect(page.locator(assistant(page)).locator(".facts")).to_contain_text("gemini")

    gemini.script(Reply.text("A better answer."))
    page.locator(assistant(page)).locator("button.regenerate").click()
    expect(page.locator(assistant(page))).to_contain_text("A better answer.")
    expect(page.locator(".message-item.assistant")).to_have_count(1)
    expect(page.locator("#messages")).not_to_contain_text("The first answer.")
    assert texts(stored(server, page), "assistant") == ["A better answer."]

    page.reload()
    ready(page)
    expect(page.locator(".message-item.assistant")).to_have_count(1)
    expect(page.locator(assistant(page))).to_contain_text("A better answer.")


def test_edit_and_resend_replaces_the_message_and_what_followed(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    gemini.script(Reply.text("Answer to the typo."))
    ask(page, "helo")
    expect(page.locator(assistant(page))).to_contain_text("Answer to the typo.")

    mine = page.locator(".message-item.user").first
    mine.locator("button.edit-message").click()
    mine.locator("textarea").fill("hello")
    gemini.script(Reply.text("Answer to the fixed question."))
    mine.locator("button.save-edit").click()
    expect(page.locator(assistant(page))).to_contain_text("Answer to the fixed question.")
    expect(page.locator(".message-item.user")).to_have_count(1)
    expect(page.locator("#messages")).not_to_contain_text("Answer to the typo.")
    conversation = stored(server, page)
    assert texts(conversation, "user") == ["hello"]
    assert texts(conversation, "assistant") == ["Answer to the fixed question."]


def test_an_overwrite_shows_the_diff_and_is_one_answer_after_a_reload(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    target = server.workspaces["main"] / "README.md"
    before = target.read_text()
    new = before + "one more line\n"
    gemini.script(
        Reply.calls(("create_file", {"path": "README.md", "content": new, "overwrite": True}))
    )
    ask(page, "Add a line to README.md")
    card = page.locator(".tool-card[data-tool='create_file']")
    expect(card).to_have_attribute("data-state", "approval-requested")
    diff = card.locator("pre.diff")
    expect(diff).to_contain_text("+one more line")
    shot(page, "approval", "diff")

    gemini.script(Reply.text("Added the line."))
    card.locator("button.approve").click()
    expect(page.locator(assistant(page))).to_contain_text("Added the line.")
    assert target.read_text() == new

    page.reload()  # the call, its approval and the continuation are one assistant message
    ready(page)
    expect(page.locator(".message-item.assistant")).to_have_count(1)
    expect(page.locator(assistant(page))).to_contain_text("Added the line.")


def test_a_write_voided_by_a_new_message_cannot_be_approved(
    page: Page, server: Served, gemini: FakeGemini
) -> None:
    register(page, server, email())
    gemini.script(Reply.calls(("create_file", {"path": "void.txt", "content": "never"})))
    ask(page, "Create void.txt")
    card = page.locator(".tool-card[data-tool='create_file']")
    expect(card).to_have_attribute("data-state", "approval-requested")

    gemini.script(Reply.text("Fine, something else then."))
    ask(page, "Never mind, do something else")
    expect(page.locator(assistant(page))).to_contain_text("something else then")
    page.reload()
    ready(page)
    voided = page.locator(".tool-card[data-tool='create_file']")
    expect(voided).to_have_count(1)
    expect(voided).not_to_have_attribute("data-state", "approval-requested")
    expect(voided.locator("button.approve")).to_have_count(0)
    expect(page.locator("#messages")).not_to_contain_text("pyd_ai")
    assert not (server.workspaces["main"] / "void.txt").exists()
