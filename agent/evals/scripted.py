"""A model that plays a case's reference script: the harness tested without a model key.

Each model request of the agent gets the script's next step (tool calls, or the final text); a
request without tools (the ``summarize`` tool's own model call) gets a fixed short summary; a
script that runs out answers with an empty text (and so fails its answer checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from agent.evals.cases import Step

SUMMARY = "A short summary of the requested files."


def scripted_model(script: Sequence[Step]) -> FunctionModel:
    steps = list(script)
    counter = iter(range(1_000_000))

    def play(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        if not info.function_tools:  # a tool's own model request (summarize)
            if info.output_tools:  # structured output: the minimal valid arguments
                tool = info.output_tools[0]
                args = minimal(tool.parameters_json_schema)
                return ModelResponse(parts=[ToolCallPart(tool.name, args)])
            return ModelResponse(parts=[TextPart(SUMMARY)])
        if not steps:
            return ModelResponse(parts=[TextPart("")])
        step = steps.pop(0)
        if step.calls:
            return ModelResponse(
                parts=[
                    ToolCallPart(name, dict(args), tool_call_id=f"call-{next(counter)}")
                    for name, args in step.calls
                ]
            )
        return ModelResponse(parts=[TextPart(step.text or "")])

    return FunctionModel(play, model_name="scripted")


def minimal(schema: dict[str, Any]) -> Any:
    """The smallest value of a (flat) JSON schema: SUMMARY for strings, empty lists..."""
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: minimal(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return SUMMARY
