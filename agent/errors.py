"""Errors of agent runs, in the tools' error tree so every surface maps them in its one place.

A failed run keeps the conversation so far (``messages``): the caller can show it, store it, and
continue from it once the cause is gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from tools.errors import InvalidArgument, MissingCredential, ToolError

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage

    from agent.questions import Question


class MissingModelKey(MissingCredential):
    """No key is configured for the model; the message names the setting."""

    def __init__(self, setting: str, model: str) -> None:
        super().__init__(
            f"no API key for the model {model!r}: set {setting}",
            hint=f"export {setting}=... or `fast-genai config set gemini_api_key ...`"
            if setting == "GEMINI_API_KEY"
            else f"export {setting}=...",
        )
        self.setting = setting
        self.model = model


class UnknownModel(InvalidArgument):
    """The configured model name is not one pydantic-ai can use."""


class RunFailed(ToolError):
    """A run stopped before it answered; ``messages`` holds the conversation up to that point."""

    code: ClassVar[str] = "run_failed"
    status: ClassVar[int] = 502

    def __init__(
        self,
        message: str,
        *,
        messages: list[ModelMessage] | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.messages: list[ModelMessage] = list(messages or [])
        self.retry_after = retry_after


class ModelUnavailable(RunFailed):
    """The model endpoint failed (rate limit, server error, timeout, bad reply) after retries."""

    code = "model_unavailable"
    status = 503


class UsageLimitReached(RunFailed):
    """The run reached a configured limit (requests, tool calls or tokens)."""

    code = "usage_limit"
    status = 429


class NeedsInput(RunFailed):
    """The run stopped on a question (``ask_user``) that no one here can answer.

    ``questions`` are what it needed; ``messages`` end with the pending call, so a surface that
    later gets an answer can resume the run with it.
    """

    code = "needs_input"
    status = 409

    def __init__(
        self, questions: list[Question], *, messages: list[ModelMessage] | None = None
    ) -> None:
        asked = "; ".join(_question_text(question) for question in questions)
        super().__init__(
            f"the agent needs an answer: {asked}",
            messages=messages,
            hint="run it in a terminal to answer, or put the answer in the instruction",
        )
        self.questions = list(questions)


def _question_text(question: Question) -> str:
    if not question.options:
        return question.question
    options = ", ".join(f"{n}) {option}" for n, option in enumerate(question.options, start=1))
    return f"{question.question} [{options}]"
