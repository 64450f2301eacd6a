"""``fast-genai ask --server URL --token TOKEN``: one instruction run by a remote server.

The instruction goes to ``POST /api/v1/run``; when the run pauses on writes the held calls are
shown and decided here as a local ``ask`` would (``--yes`` approves, no terminal means deny),
then sent to ``POST /api/v1/runs/{id}/approvals``. ``--dry-run`` asks the server to run every
write as a dry run. Failures become one clear line on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from cli import exit_codes

if TYPE_CHECKING:
    import httpx

    from cli.agent_session import Approval

CONNECT_TIMEOUT = 10.0
RUN_TIMEOUT = 900.0
"""Long enough for the server's own run time limit (600 s by default) to answer first."""


class RemoteError(Exception):
    """A request to the server failed; ``code`` is the exit code to end with."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class RemoteAsk:
    server: str
    token: str
    approval: Approval = "ask"
    as_json: bool = False
    workspace: str | None = None
    """One of the server's workspace names; ``None`` for the user's default there."""

    async def run(self, prompt: str) -> int:
        import httpx

        from cli import render

        base = self.server.rstrip("/")
        denied: list[str] = []
        try:
            async with httpx.AsyncClient(
                base_url=base,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=httpx.Timeout(RUN_TIMEOUT, connect=CONNECT_TIMEOUT),
            ) as http:
                body = {
                    "instruction": prompt,
                    "workspace": self.workspace,
                    "dry_run": self.approval == "dry_run",
                }
                result = await self._post(http, "/api/v1/run", body)
                while result.get("status") in ("needs_approval", "needs_input"):
                    self._show_calls(result)
                    decisions: list[dict[str, Any]] = []
                    for pending in result.get("pending", []):
                        approved = self._decide(pending)
                        if not approved:
                            denied.append(str(pending.get("tool")))
                        decisions.append({"approval_id": pending["id"], "approved": approved})
                    for question in result.get("questions", []):
                        reply = self._answer(question)
                        if reply is None:
                            return self._needs_input(result)
                        decisions.append({"approval_id": question["id"], "answer": reply})
                    path = f"/api/v1/runs/{result['run_id']}/approvals"
                    result = await self._post(http, path, {"decisions": decisions})
        except RemoteError as exc:
            render.error(str(exc))
            if self.as_json:
                render.print_json({"error": {"code": exc.code, "message": str(exc)}})
            return exc.code
        self._show_calls(result)
        if self.as_json:
            render.print_json({**result, "denied": denied})
        else:
            render.out.print(result.get("output") or "", markup=False, highlight=False)
        return exit_codes.DENIED if denied else exit_codes.OK

    async def _post(self, http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
        import httpx

        url = f"{http.base_url}{path.lstrip('/')}"
        try:
            response = await http.post(path, json=body)
        except httpx.ConnectError as exc:
            raise RemoteError(
                f"cannot connect to {self.server} ({exc}); is `fast-genai serve` running there?",
                exit_codes.TOOL_ERROR,
            ) from None
        except httpx.TimeoutException:
            raise RemoteError(
                f"{self.server} did not answer in time", exit_codes.MODEL_ERROR
            ) from None
        except httpx.HTTPError as exc:
            raise RemoteError(
                f"request to {url} failed: {exc or type(exc).__name__}", exit_codes.TOOL_ERROR
            ) from None
        if response.status_code >= 400:
            raise _failure(response, url)
        try:
            return response.json()
        except ValueError:
            raise RemoteError(
                f"{url} did not answer JSON: is {self.server} a fast-genai server?",
                exit_codes.TOOL_ERROR,
            ) from None

    def _decide(self, pending: dict[str, Any]) -> bool:
        from cli import render

        render.pending_write(str(pending.get("tool")), pending.get("arguments") or {})
        if self.approval == "yes":
            render.err.print("  approved (--yes)", markup=False)
            return True
        if not sys.stdin.isatty():
            render.err.print(
                "  denied: no terminal to ask; pass --yes to approve writes", markup=False
            )
            return False
        return typer.confirm("Run this write?", default=False, err=True)

    def _answer(self, asked: dict[str, Any]) -> str | None:
        """The user's answer to a question the server holds; ``None`` without a terminal."""
        from agent.questions import Question
        from cli import render
        from tools.errors import InvalidArgument

        question = Question(
            tool_call_id=str(asked.get("tool_call_id")),
            question=str(asked.get("question")),
            options=tuple(asked.get("options") or ()),
            allow_free_text=bool(asked.get("allow_free_text", True)),
        )
        lines = [f"? {question.question}"]
        lines += [f"  {n}) {option}" for n, option in enumerate(question.options, 1)]
        render.err.print("\n".join(lines), markup=False)
        if not sys.stdin.isatty():
            return None
        while True:
            try:
                reply = render.err.input("answer> ")
            except EOFError:
                return None
            try:
                question.answer(reply)  # checked here for a quick retry; the server checks again
            except InvalidArgument as exc:
                render.error(str(exc))
                continue
            return reply

    def _needs_input(self, result: dict[str, Any]) -> int:
        from cli import render

        render.error("the agent asked a question and there is no terminal to answer it")
        if self.as_json:
            render.print_json({**result, "needs_input": result.get("questions", [])})
        return exit_codes.NEEDS_INPUT

    def _show_calls(self, result: dict[str, Any]) -> None:
        from cli import render

        if self.as_json:
            return
        for call in result.get("tool_calls", []):
            outcome = call.get("outcome")
            if outcome is None:
                continue  # still held: shown with its approval
            render.err.print(f"  {call.get('tool')} ({outcome})", style="dim", markup=False)


def _failure(response: httpx.Response, url: str) -> RemoteError:
    status = response.status_code
    message = _message(response)
    if status == 401:
        return RemoteError(
            f"the server refused the token (401: {message}); create one in the web app or "
            "with POST /api/v1/tokens, and pass it as --token or FAST_GENAI_TOKEN",
            exit_codes.BAD_INPUT,
        )
    if status == 404:
        return RemoteError(f"not found (404) at {url}: {message}", exit_codes.BAD_INPUT)
    if status == 429:
        retry = response.headers.get("retry-after")
        after = f"; retry after {retry} s" if retry else ""
        return RemoteError(f"limit reached (429): {message}{after}", exit_codes.MODEL_ERROR)
    if status in (400, 403, 409, 413, 422):
        return RemoteError(f"{message} ({status})", exit_codes.BAD_INPUT)
    if status == 424:  # a setting missing on the server: its model key, an integration token
        return RemoteError(f"the server is missing a setting: {message}", exit_codes.BAD_INPUT)
    if status in (502, 503, 504):
        return RemoteError(f"{message} ({status})", exit_codes.MODEL_ERROR)
    return RemoteError(f"the server answered {status}: {message}", exit_codes.TOOL_ERROR)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        hint = f" ({error['hint']})" if error.get("hint") else ""
        return f"{error['message']}{hint}"
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])
    return response.reason_phrase
