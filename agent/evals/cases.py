"""Eval cases: an instruction, what must (and must not) happen, and a reference script."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tools.errors import InvalidArgument

EVALS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "evals"
"""The eval set of a source checkout: ``cases.toml`` and the sample ``workspace/``."""


class Step(BaseModel):
    """One model turn of a reference script: tool calls, or the final text."""

    model_config = ConfigDict(extra="forbid")

    calls: list[tuple[str, dict[str, Any]]] = Field(default_factory=list)
    text: str | None = None


class Case(BaseModel):
    """One instruction over the sample workspace and its checks."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: Literal[
        "find", "read", "summarize", "outline", "link", "create", "integration", "ask", "injection"
    ]
    instruction: str
    expect_tools: list[str] = Field(default_factory=list, description="Each must be called.")
    forbid_tools: list[str] = Field(default_factory=list, description="None may be called.")
    expect_args: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per tool: arguments its first call must include."
    )
    answer_contains: list[str] = Field(default_factory=list, description="Case-insensitive.")
    answer_excludes: list[str] = Field(default_factory=list, description="Case-insensitive.")
    files_created: list[str] = Field(default_factory=list, description="Must exist after.")
    files_absent: list[str] = Field(default_factory=list, description="Must not exist after.")
    user_answer: str | None = Field(default=None, description="The reply to ask_user.")
    tool_errors_ok: bool = Field(
        default=False, description="Whether a failed tool call is part of the right answer."
    )
    script: list[Step] = Field(min_length=1, description="What the scripted model does.")


class CaseFile(BaseModel):
    cases: list[Case] = Field(min_length=1)


def load_cases(path: Path | None = None) -> list[Case]:
    """The cases of ``path`` (the checkout's ``tests/data/evals/cases.toml`` by default)."""
    path = path or EVALS_DIR / "cases.toml"
    if not path.is_file():
        raise InvalidArgument(
            f"no eval cases at {path}",
            hint="the eval set ships with the source checkout (tests/data/evals)",
        )
    try:
        cases = CaseFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8"))).cases
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise InvalidArgument(f"the eval cases in {path} are not valid: {exc}") from None
    names = [case.name for case in cases]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InvalidArgument(f"duplicate eval case names: {', '.join(duplicates)}")
    return cases
