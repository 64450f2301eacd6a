"""``ask_user`` over MCP: the server asks the client's user through elicitation.

The tool is the agent's (``agent.questions``: same name, description and flat schema). A call
sends ``elicitation/create`` (form mode) with one ``answer`` property: an enum of the options, or
free text for an open question; when the options allow free text too, an optional ``other``
string property beside it. The result is ``{"answer", "option"}`` as structured content, like
the agent's own tool result.

It is listed only to clients that declared the form elicitation capability (a client that cannot
ask its user gets no tool that always fails); a call from any other client, or on a connection
with no back-channel (stateless HTTP), is an ``isError`` result telling the model to ask in its
answer text. A declined or dismissed form is an ``isError`` result saying so.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError

from agent.questions import (
    ASK_USER,
    ASK_USER_DESCRIPTION,
    AskUserParameters,
    Question,
    UserAnswer,
    ask_user_schema,
)
from mcp_server import adapter
from tools.errors import InvalidArgument

RequestContext = ServerRequestContext[Any, Any]

ASK_IN_TEXT = (
    "ask_user is not available: this MCP client cannot ask its user (it did not declare the "
    "elicitation capability). Ask the question in your answer text instead, listing the options."
)
OTHER_FIELD = "other"
INPUT_KEY = "ask_user"
"""The key of the elicitation in a 2026-07-28 ``InputRequiredResult``."""


def tool() -> types.Tool:
    return types.Tool(
        name=ASK_USER,
        title="Ask the user",
        description=ASK_USER_DESCRIPTION,
        input_schema=ask_user_schema(),
        annotations=types.ToolAnnotations(
            title="Ask the user", read_only_hint=True, open_world_hint=False
        ),
    )


def can_elicit(rctx: RequestContext) -> bool:
    """Whether the client declared form elicitation (an empty ``elicitation`` means form)."""
    capabilities = rctx.session.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    if elicitation is None:
        return False
    return elicitation.form is not None or elicitation.url is None


def requested_schema(question: Question) -> dict[str, Any]:
    """The form: ``answer`` (an enum of the options, or free text), plus ``other`` when the
    options allow a free answer too."""
    if not question.options:
        answer: dict[str, Any] = {"type": "string", "title": "Answer", "minLength": 1}
        return {"type": "object", "properties": {"answer": answer}, "required": ["answer"]}
    choice = {"type": "string", "title": "Choose one", "enum": list(question.options)}
    if not question.allow_free_text:
        return {"type": "object", "properties": {"answer": choice}, "required": ["answer"]}
    other = {
        "type": "string",
        "title": "Or your own answer",
        "description": "Used instead of the choice when filled in.",
    }
    return {"type": "object", "properties": {"answer": choice, OTHER_FIELD: other}}


async def ask(
    rctx: RequestContext, call: types.CallToolRequestParams
) -> types.CallToolResult | types.InputRequiredResult:
    """Put the question to the client's user and return the answer (or why there is none).

    On a handshake protocol the server sends ``elicitation/create`` on the session; on
    2026-07-28 it answers ``InputRequiredResult`` with the elicitation, and the client retries
    the call carrying the user's response (the multi-round-trip flow)."""
    try:
        params = AskUserParameters.model_validate(call.arguments or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        return adapter.failure(f"ask_user failed: {problems}", code="invalid_argument")
    if not can_elicit(rctx):
        return adapter.failure(ASK_IN_TEXT, code="elicitation_unsupported")
    question = Question(
        tool_call_id=str(rctx.request_id),
        question=params.question,
        options=tuple(params.options),
        allow_free_text=params.allow_free_text or not params.options,
    )
    form = types.ElicitRequestFormParams(
        message=question.question, requested_schema=requested_schema(question)
    )
    if rctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        response = (call.input_responses or {}).get(INPUT_KEY)
        if response is None:
            request = types.ElicitRequest(params=form)
            return types.InputRequiredResult(input_requests={INPUT_KEY: request})
        if not isinstance(response, types.ElicitResult):
            return adapter.failure("ask_user got a response that is not an elicitation result")
        result = response
    else:
        try:
            result = await rctx.session.elicit_form(
                form.message, form.requested_schema, related_request_id=rctx.request_id
            )
        except MCPError as exc:  # NoBackChannelError included: nowhere to send the question
            return adapter.failure(f"{ASK_IN_TEXT} ({exc})", code="elicitation_unsupported")
    if result.action != "accept":
        return adapter.failure(
            f"The user {'declined' if result.action == 'decline' else 'dismissed'} the question"
            " without answering: decide without it, or say in your answer what you need.",
            code="not_answered",
        )
    reply = _reply(result.content or {})
    try:
        if reply in question.options:  # an enum choice is the option's text, even "2"
            answer = UserAnswer(answer=reply, option=question.options.index(reply) + 1)
        else:
            answer = question.answer(reply)
    except InvalidArgument as exc:
        return adapter.failure(f"ask_user failed: {exc}", code=exc.code)
    return adapter.success(answer)


def _reply(content: dict[str, Any]) -> str:
    other = content.get(OTHER_FIELD)
    if isinstance(other, str) and other.strip():
        return other
    answer = content.get("answer")
    return answer if isinstance(answer, str) else ""
