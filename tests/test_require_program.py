"""A test skipped for a missing program says how to install it (and fails in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_program


def test_a_missing_npm_tool_names_the_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FAST_GENAI_REQUIRE_EXTERNAL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing is found on it
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_program("prism", "/nonexistent/node_modules/.bin/prism")
    assert str(skipped.value) == (
        "prism is not installed; install it with: npm ci --prefix tests/contract"
    )
    with pytest.raises(pytest.skip.Exception, match=r"npm ci --prefix \.$"):
        require_program("mcp-inspector-cli")


def test_in_ci_a_missing_program_fails_with_the_same_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAST_GENAI_REQUIRE_EXTERNAL", "1")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        require_program("chromium", "/nonexistent/chromium")
