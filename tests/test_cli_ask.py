"""``fast-genai ask`` and ``chat`` end to end, talking to the fake Gemini server through
GOOGLE_GEMINI_BASE_URL with a dummy GEMINI_API_KEY: a few tests run the real command in a
subprocess (no terminal), the others invoke it in-process with typer's runner (faster; stdin is
not a terminal there either)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.fakes.gemini import FakeGemini, Reply

COMMAND = str(Path(sys.executable).parent / "fast-genai")


def run(
    *args: str, workspace: Path, stdin: str = "", key: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment.update(
        FAST_GENAI_RETRY_INITIAL_DELAY="0.01", FAST_GENAI_RETRY_MAX_DELAY="0.02", **env
    )
    if key:
        environment["GEMINI_API_KEY"] = "dummy-key"
    return subprocess.run(
        [COMMAND, *args],
        cwd=workspace,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def invoke(
    *args: str, workspace: Path, stdin: str = "", monkeypatch: pytest.MonkeyPatch, **env: str
) -> subprocess.CompletedProcess[str]:
    """The command in-process, in ``workspace``, with the same environment as ``run``."""
    monkeypatch.chdir(workspace)
    environment = {
        "FAST_GENAI_RETRY_INITIAL_DELAY": "0.01",
        "FAST_GENAI_RETRY_MAX_DELAY": "0.02",
        "GEMINI_API_KEY": "dummy-key",
        **env,
    }
    result = CliRunner().invoke(app, list(args), input=stdin, env=environment)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def project(workspace: Path) -> Path:
    (workspace / "calc.py").write_text('def add(a, b):\n    """Add."""\n    return a + b\n')
    return workspace


def test_ask_streams_the_answer_and_shows_tool_calls(gemini: FakeGemini, project: Path) -> None:
    gemini.script(
        Reply.calls(("read_file", {"path": "calc.py"})),
        Reply.text("calc.py:1 defines add(a, b), returning their sum.", chunks=5),
    )
    done = run("ask", "What does calc.py do?", workspace=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "calc.py:1 defines add(a, b), returning their sum.\n"
    assert "→ read_file path='calc.py'" in done.stderr
    assert "← read_file:" in done.stderr and "chars" in done.stderr
    assert "(2 model requests," in done.stderr and "1 tool call)" in done.stderr
    assert "What does calc.py do?" in gemini.requests[0].user_text
    assert gemini.requests[0].stream, "ask streams"
    assert "return a + b" in str(gemini.requests[1].function_responses)


def test_ask_without_a_key_names_the_setting(project: Path) -> None:
    done = run("ask", "hi", workspace=project, key=False)
    assert done.returncode == 2
    assert "GEMINI_API_KEY" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def write_script(gemini: FakeGemini) -> None:
    gemini.script(
        Reply.calls(("create_file", {"path": "NOTES.md", "content": "# Notes\n"})),
        Reply.text("Handled."),
    )


def test_ask_without_terminal_or_yes_denies_writes(gemini: FakeGemini, project: Path) -> None:
    write_script(gemini)
    done = run("ask", "Create NOTES.md", workspace=project)
    assert done.returncode == 3, done.stderr
    assert not (project / "NOTES.md").exists()
    assert "create_file wants to write" in done.stderr
    assert '"path": "NOTES.md"' in done.stderr and '"content": "# Notes\\n"' in done.stderr
    assert "no terminal" in done.stderr
    assert "declined" in str(gemini.requests[1].function_responses)
    assert done.stdout == "Handled.\n"


def test_ask_yes_approves_the_write(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_script(gemini)
    done = invoke("ask", "--yes", "Create NOTES.md", workspace=project, monkeypatch=monkeypatch)
    assert done.returncode == 0, done.stderr
    assert (project / "NOTES.md").read_text() == "# Notes\n"
    assert "approved (--yes)" in done.stderr
    assert "← create_file:" in done.stderr


def test_ask_dry_run_shows_without_writing(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_script(gemini)
    done = invoke("ask", "--dry-run", "Create NOTES.md", workspace=project, monkeypatch=monkeypatch)
    assert done.returncode == 0, done.stderr
    assert not (project / "NOTES.md").exists()
    [response] = gemini.requests[1].function_responses
    assert '"dry_run": true' in json.dumps(response).lower()


def test_ask_json_reports_answer_calls_and_usage(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gemini.script(Reply.calls(("read_file", {"path": "calc.py"})), Reply.text("It adds."))
    done = invoke("ask", "--json", "Explain calc.py", workspace=project, monkeypatch=monkeypatch)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["output"] == "It adds."
    assert data["tool_calls"][0]["tool"] == "read_file"
    assert data["tool_calls"][0]["outcome"] == "success"
    assert data["usage"]["requests"] == 2 and data["usage"]["input_tokens"] > 0
    assert data["denied"] == []


def test_ask_preset_builds_the_prompt(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gemini.script(Reply.text("Looks fine."))
    done = invoke(
        "ask",
        "--preset",
        "review",
        "--path",
        "calc.py",
        "mind overflow",
        workspace=project,
        monkeypatch=monkeypatch,
    )
    assert done.returncode == 0, done.stderr
    sent = gemini.requests[0].user_text
    assert "Review this code" in sent and "'calc.py'" in sent and "mind overflow" in sent


def test_ask_preset_errors_are_bad_input(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    done = invoke(
        "ask", "--preset", "poem", "--path", "calc.py", workspace=project, monkeypatch=monkeypatch
    )
    assert done.returncode == 2 and "unknown preset" in done.stderr


def test_ask_model_failure_is_one_message_and_exit_4(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gemini.script(*[Reply.error(503, "The model is overloaded.") for _ in range(2)])
    done = invoke(
        "ask", "hi", workspace=project, monkeypatch=monkeypatch, FAST_GENAI_MAX_RETRIES="1"
    )
    assert done.returncode == 4, done.stderr
    assert "HTTP 503 after 1 retries" in done.stderr and "overloaded" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(gemini.requests) == 2


def test_chat_keeps_the_conversation_across_turns(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gemini.script(Reply.text("Hello! How can I help?"), Reply.text("calc.py adds numbers."))
    done = invoke(
        "chat",
        workspace=project,
        monkeypatch=monkeypatch,
        stdin="hello\nwhat is in calc.py?\n/exit\n",
    )
    assert done.returncode == 0, done.stderr
    assert "Hello! How can I help?" in done.stdout and "calc.py adds numbers." in done.stdout
    second = gemini.requests[1].user_text
    assert "hello" in second and "Hello! How can I help?" in second
    assert "what is in calc.py?" in second


def test_chat_resumes_after_a_model_failure(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gemini.script(Reply.error(500, "boom"), Reply.text("Back again."))
    done = invoke(
        "chat",
        workspace=project,
        monkeypatch=monkeypatch,
        stdin="hello\n/retry\n",
        FAST_GENAI_MAX_RETRIES="0",
    )
    assert done.returncode == 0, done.stderr
    assert "HTTP 500" in done.stderr and "/retry" in done.stderr
    assert "Back again." in done.stdout
    assert "hello" in gemini.requests[1].user_text, "the kept conversation is resent"


def question_script(gemini: FakeGemini, *, final: str = "Opened.") -> None:
    gemini.script(
        Reply.calls(
            (
                "ask_user",
                {"question": "Which calc?", "options": ["calc.py", "old/calc.py"]},
            )
        ),
        Reply.text(final),
    )


def test_ask_without_terminal_ends_saying_what_it_needed(gemini: FakeGemini, project: Path) -> None:
    question_script(gemini)
    done = run("ask", "open calc", workspace=project)
    assert done.returncode == 6, done.stderr
    assert "needs an answer: Which calc? [1) calc.py, 2) old/calc.py]" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(gemini.requests) == 1, "the run stops at the question"


def test_ask_json_reports_the_pending_question(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    question_script(gemini)
    done = invoke("ask", "--json", "open calc", workspace=project, monkeypatch=monkeypatch)
    assert done.returncode == 6, done.stderr
    report = json.loads(done.stdout)
    assert report["error"]["code"] == "needs_input"
    [asked] = report["needs_input"]
    assert asked["question"] == "Which calc?"
    assert asked["options"] == ["calc.py", "old/calc.py"] and asked["allow_free_text"] is True


def test_ask_in_a_terminal_prompts_with_numbers_and_resumes(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cli.agent_session.stdin_is_terminal", lambda: True)
    gemini.script(
        Reply.calls(
            (
                "ask_user",
                {
                    "question": "Which calc?",
                    "options": ["calc.py", "old/calc.py"],
                    "allow_free_text": False,
                },
            )
        ),
        Reply.text("You chose old/calc.py."),
    )
    # "9" is out of range and free text is refused: asked again, then "2" is taken.
    done = invoke("ask", "open calc", workspace=project, monkeypatch=monkeypatch, stdin="9\n2\n")
    assert done.returncode == 0, done.stderr
    assert "Which calc?" in done.stderr
    assert "1) calc.py" in done.stderr and "2) old/calc.py" in done.stderr
    assert "choose a number from 1 to 2" in done.stderr
    assert done.stdout.endswith("You chose old/calc.py.\n")
    [response] = gemini.requests[1].function_responses
    assert response["name"] == "ask_user" and "old/calc.py" in str(response["response"])


def test_chat_takes_a_free_text_answer(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cli.agent_session.stdin_is_terminal", lambda: True)
    question_script(gemini, final="Using the one in lib/.")
    done = invoke(
        "chat", workspace=project, monkeypatch=monkeypatch, stdin="open calc\nlib/calc.py\n/exit\n"
    )
    assert done.returncode == 0, done.stderr
    assert "Using the one in lib/." in done.stdout
    [response] = gemini.requests[1].function_responses
    assert "lib/calc.py" in str(response["response"]) and "'option': None" in str(response)


def test_chat_without_terminal_stops_at_a_question(
    gemini: FakeGemini, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    question_script(gemini)
    done = invoke("chat", workspace=project, monkeypatch=monkeypatch, stdin="open calc\n/exit\n")
    assert done.returncode == 6, done.stderr
    assert "needs an answer: Which calc?" in done.stderr
