"""`fast-genai tools call summarize` uses the configured model, or says it used none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.fakes.gemini import FakeGemini, RecordedRequest, Reply

SUMMARY = {
    "purpose": "Adds numbers for the calculator.",
    "key_parts": [{"name": "add", "location": "calc.py:1", "role": "adds two numbers"}],
    "risks": ["no overflow handling"],
}


def answer(request: RecordedRequest) -> Reply:
    if "final_result" in request.tool_names:
        return Reply.calls(("final_result", SUMMARY))
    return Reply.text("notes")


@pytest.fixture
def calc(workspace: Path) -> Path:
    (workspace / "calc.py").write_text('def add(a, b):\n    """Add."""\n    return a + b\n')
    return workspace


def test_summarize_uses_the_configured_model(
    calc: Path, gemini: FakeGemini, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    gemini.responder = answer
    result = CliRunner().invoke(
        app, ["tools", "call", "summarize", "path=calc.py", "-w", str(calc), "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["model_used"] is True
    assert body["purpose"] == SUMMARY["purpose"]
    assert gemini.requests, "the fake Gemini saw no request"
    assert "def add" in json.dumps(gemini.requests[-1].body)


def test_summarize_without_a_key_is_structural(calc: Path) -> None:
    result = CliRunner().invoke(
        app, ["tools", "call", "summarize", "path=calc.py", "-w", str(calc), "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["model_used"] is False
    assert "GEMINI_API_KEY" in body["note"]
