"""Running eval cases: each in a fresh copy of the sample workspace, then checked.

Writes are decided without asking: ``create_file`` is approved (it writes into the copy), every
other write runs as a dry run, so an eval never reaches GitHub, Notion or Jira. A question
(``ask_user``) gets the case's ``user_answer``, or is refused when the case has none.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.evals.cases import EVALS_DIR, Case
from agent.questions import Question, UserAnswer

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage, ToolCallPart
    from pydantic_ai.models import Model

    from agent.approvals import Decision
    from agent.settings import AgentSettings

ModelFor = Callable[[Case], "Model"]
"""The model a case runs on (the scripted one plays the case's script)."""
MAX_ROUNDS = 6


@dataclass
class CaseResult:
    name: str
    category: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0


@dataclass
class Report:
    results: list[CaseResult]

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.results)

    @property
    def tokens(self) -> int:
        return sum(r.input_tokens + r.output_tokens for r in self.results)

    @property
    def seconds(self) -> float:
        return sum(result.seconds for result in self.results)


async def run_cases(
    cases: Sequence[Case],
    settings: AgentSettings,
    model_for: ModelFor,
    *,
    workspace: Path | None = None,
    on_result: Callable[[CaseResult], Awaitable[None]] | None = None,
) -> Report:
    results = []
    for case in cases:
        result = await run_case(case, settings, model_for(case), workspace=workspace)
        results.append(result)
        if on_result is not None:
            await on_result(result)
    return Report(results)


async def run_case(
    case: Case, settings: AgentSettings, model: Model, *, workspace: Path | None = None
) -> CaseResult:
    from agent.errors import RunFailed

    source = workspace or EVALS_DIR / "workspace"
    started = time.monotonic()
    result = CaseResult(name=case.name, category=case.category, passed=False)
    with tempfile.TemporaryDirectory(prefix="fast-genai-eval-") as tmp:
        root = Path(tmp) / "workspace"
        shutil.copytree(source, root)
        try:
            messages = await _run(case, settings, model, root, result)
        except RunFailed as exc:
            result.failures.append(f"the run failed: {exc}")
            messages = list(exc.messages)
        calls = _calls(messages)
        result.tools = [call.tool_name for call in calls]
        if not result.failures:
            result.failures = check(case, calls, _answer(messages), root)
            if not case.tool_errors_ok:
                result.failures += _tool_errors(messages)
    result.passed = not result.failures
    result.seconds = time.monotonic() - started
    return result


async def _run(
    case: Case, settings: AgentSettings, model: Model, root: Path, result: CaseResult
) -> list[ModelMessage]:
    from pydantic_ai import DeferredToolRequests

    from agent.approvals import decide_all
    from agent.build import build_agent
    from agent.deps import AgentDeps
    from agent.run import run_agent
    from tools.context import ToolContext
    from tools.registry import TOOLS
    from tools.settings import ToolSettings

    ctx = ToolContext.local(str(root), settings=ToolSettings())
    ctx.summary_model = model
    deps = AgentDeps(tools=ctx)

    async def decide(call: ToolCallPart) -> Decision:
        return "approve" if call.tool_name == "create_file" else "dry_run"

    async def answer(question: Question) -> UserAnswer:
        assert case.user_answer is not None
        return question.answer(case.user_answer)

    async with build_agent(settings, model=model, can_ask=True, mcp_servers=[]) as agent:
        run = await run_agent(agent, case.instruction, deps=deps, settings=settings)
        _count(result, run)
        for _ in range(MAX_ROUNDS):
            if not isinstance(run.output, DeferredToolRequests):
                break
            results = await decide_all(
                run.output, decide, TOOLS, ask=answer if case.user_answer is not None else None
            )
            run = await run_agent(
                agent,
                None,
                deps=deps,
                settings=settings,
                message_history=run.all_messages(),
                deferred_tool_results=results,
            )
            _count(result, run)
        return run.all_messages()


def _count(result: CaseResult, run: Any) -> None:
    usage = run.usage
    result.input_tokens += usage.input_tokens
    result.output_tokens += usage.output_tokens


def _calls(messages: Sequence[ModelMessage]) -> list[ToolCallPart]:
    from pydantic_ai.messages import ModelResponse, ToolCallPart

    return [
        part
        for message in messages
        if isinstance(message, ModelResponse)
        for part in message.parts
        if isinstance(part, ToolCallPart)
    ]


def _tool_errors(messages: Sequence[ModelMessage]) -> list[str]:
    """Tool calls that failed (a retry prompt, or a failed result)."""
    from pydantic_ai.messages import ModelRequest, RetryPromptPart, ToolReturnPart

    failed: list[str] = []
    for message in messages:
        if not isinstance(message, ModelRequest):
            continue
        for part in message.parts:
            if isinstance(part, RetryPromptPart) and part.tool_name:
                failed.append(f"{part.tool_name} failed: {part.model_response()[:120]}")
            elif isinstance(part, ToolReturnPart) and part.outcome in ("failed", "retried"):
                failed.append(f"{part.tool_name} failed: {part.model_response_str()[:120]}")
    return failed


def _answer(messages: Sequence[ModelMessage]) -> str:
    from pydantic_ai.messages import ModelResponse, TextPart

    for message in reversed(messages):
        if isinstance(message, ModelResponse):
            text = "".join(p.content for p in message.parts if isinstance(p, TextPart))
            if text:
                return text
    return ""


def check(case: Case, calls: Sequence[ToolCallPart], answer: str, root: Path) -> list[str]:
    """Why the case failed (empty: it passed)."""
    failures: list[str] = []
    names = [call.tool_name for call in calls]
    failures += [f"expected a call to {tool}" for tool in case.expect_tools if tool not in names]
    failures += [f"called the forbidden {tool}" for tool in case.forbid_tools if tool in names]
    for tool, expected in case.expect_args.items():
        first = next((call for call in calls if call.tool_name == tool), None)
        if first is None:
            continue  # reported by expect_tools when it matters
        got = first.args_as_dict()
        wrong = {k: got.get(k) for k, v in expected.items() if got.get(k) != v}
        if wrong:
            failures.append(f"{tool} arguments {wrong} are not {expected}")
    low = answer.lower()
    failures += [f"answer lacks {t!r}" for t in case.answer_contains if t.lower() not in low]
    failures += [f"answer has {t!r}" for t in case.answer_excludes if t.lower() in low]
    failures += [f"{p} was not created" for p in case.files_created if not (root / p).is_file()]
    failures += [f"{p} was written" for p in case.files_absent if (root / p).exists()]
    return failures
