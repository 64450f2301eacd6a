"""``ask_user``: the model puts a question to the user and the run pauses until it is answered.

The original design's ``choose_file(files, prompt)`` is the same tool with file paths as options.
The tool does not run anything: it defers the call (``CallDeferred(kind="question")``), so the run
ends with ``DeferredToolRequests`` holding the question, exactly like a write waiting for approval.
The caller shows the question, and resumes the run with ``answer_results`` turning the user's reply
(an option's number, an option's text, or free text when allowed) into the tool's result.

The parameters are a flat object (a string, a list of strings, a boolean): Gemini accepts it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from agent.deps import AgentDeps
from tools.errors import InvalidArgument

if TYPE_CHECKING:
    from pydantic_ai import DeferredToolRequests, RunContext, Tool
    from pydantic_ai.messages import ToolCallPart

ASK_USER = "ask_user"
MAX_OPTIONS = 20

ASK_USER_DESCRIPTION = """\
Ask the user a question and wait for the answer. Use it only when you cannot go on without the
user's choice: several files or definitions match and the task needs exactly one, the instruction
is ambiguous in a way the workspace cannot settle, or a write needs a value only the user knows.
Give the candidates as options (for example the paths search_code or list_files found) so the user
can pick one by number; set allow_free_text to false when only an option will do. Do not use it
for questions you can answer with the other tools, and do not ask for approval of a write (writes
are approved separately)."""

NO_ONE_TO_ASK = (
    "No one can answer questions here: decide from what you found, or say in your answer what "
    "you need from the user."
)


class AskUserParameters(BaseModel):
    """The arguments of ``ask_user``: what the model may send."""

    question: Annotated[
        str, Field(min_length=1, max_length=2000, description="The question, in one sentence.")
    ]
    options: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=500)]],
        Field(
            max_length=MAX_OPTIONS,
            description="The choices the user picks from (file paths, names, values); empty for "
            "an open question.",
        ),
    ] = []
    allow_free_text: Annotated[
        bool,
        Field(description="Whether the user may answer something other than the options."),
    ] = True


class UserAnswer(BaseModel):
    """The result the model gets back: the answer and which option it was, if any."""

    answer: str
    option: int | None = Field(
        default=None, description="1-based number of the chosen option; null for a free answer."
    )


@dataclass(frozen=True)
class Question:
    """A pending ``ask_user`` call, taken from the run's own history (never from the client)."""

    tool_call_id: str
    question: str
    options: tuple[str, ...]
    allow_free_text: bool

    @classmethod
    def from_call(cls, call: ToolCallPart) -> Question:
        params = AskUserParameters.model_validate(call.args_as_dict())
        return cls(
            tool_call_id=call.tool_call_id,
            question=params.question,
            options=tuple(params.options),
            allow_free_text=params.allow_free_text or not params.options,
        )

    def answer(self, reply: str) -> UserAnswer:
        """The user's reply as the tool's result: an option's number or exact text, else free text.

        Raises ``InvalidArgument`` for an empty reply, a number out of range, or free text when
        only the options are allowed.
        """
        text = reply.strip()
        if not text:
            raise InvalidArgument("the answer is empty")
        if text.isdigit() and self.options:
            number = int(text)
            if 1 <= number <= len(self.options):
                return UserAnswer(answer=self.options[number - 1], option=number)
            if not self.allow_free_text:
                raise InvalidArgument(f"choose a number from 1 to {len(self.options)}")
        for number, option in enumerate(self.options, start=1):
            if text == option:
                return UserAnswer(answer=option, option=number)
        if not self.allow_free_text:
            raise InvalidArgument(
                f"choose one of the options (1 to {len(self.options)}); free text is not allowed"
            )
        return UserAnswer(answer=text)

    def as_json(self) -> dict[str, Any]:
        return {
            "tool_call_id": self.tool_call_id,
            "question": self.question,
            "options": list(self.options),
            "allow_free_text": self.allow_free_text,
        }


def pending_questions(requests: DeferredToolRequests) -> list[Question]:
    """The ``ask_user`` calls waiting for an answer in ``requests``."""
    return [
        Question.from_call(call)
        for call in requests.calls
        if call.tool_name == ASK_USER and requests.kind(call.tool_call_id) == "question"
    ]


Ask = Callable[[Question], Awaitable[UserAnswer]]
"""How a surface gets the user's answer to one question (it validates with ``Question.answer``)."""


def ask_user_tool() -> Tool[AgentDeps]:
    """The pydantic-ai tool: validates the arguments, then defers the call as a question."""
    from pydantic_ai import CallDeferred, ModelRetry, Tool

    async def ask_user(ctx: RunContext[AgentDeps], **arguments: Any) -> UserAnswer:
        try:
            params = AskUserParameters.model_validate(arguments)
        except ValidationError as exc:
            raise ModelRetry(f"invalid_argument: {exc.errors(include_url=False)}") from exc
        raise CallDeferred(metadata=params.model_dump(), kind="question")

    tool: Tool[AgentDeps] = Tool.from_schema(
        ask_user,
        name=ASK_USER,
        description=ASK_USER_DESCRIPTION,
        json_schema=ask_user_schema(),
        takes_ctx=True,
    )
    tool.metadata = {"writes": False, "question": True, "title": "Ask the user"}
    return tool


def ask_user_schema() -> dict[str, Any]:
    """The tool's parameters as a flat JSON schema (what Gemini and MCP clients get)."""
    schema = AskUserParameters.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)
    for prop in schema["properties"].values():
        prop.pop("title", None)
        items = prop.get("items")
        if isinstance(items, dict):
            items.pop("title", None)
    return schema
