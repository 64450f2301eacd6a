"""Shared fixtures. Tests needing an external program use ``require_program``.

When ``FAST_GENAI_REQUIRE_EXTERNAL=1`` (set by ``.ci/run``), a missing program fails the test
instead of skipping it, so CI cannot go green while needed tests did not run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.gemini import gemini  # noqa: F401 (the fake Gemini server fixture, for every test)
from tests.fakes.github import FakeGitHub
from tools.context import ToolContext
from tools.settings import ToolSettings

CREDENTIAL_VARS = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GITHUB_TOKEN",
    "NOTION_TOKEN",
    "JIRA_URL",
    "JIRA_USERNAME",
    "JIRA_API_TOKEN",
    "JIRA_PERSONAL_TOKEN",
    "DATABASE_URL",
)
"""Settings from the developer's environment that no test may inherit."""


INSTALL_HINTS = {
    "prism": "npm ci --prefix tests/contract",
    "mcp-inspector-cli": "npm ci --prefix .",
    "node": "apt-get install nodejs npm (Node 20+), then npm ci --prefix .",
    "chromium": "apt-get install chromium",
    "docker-compose": "apt-get install docker-compose",
    "rg": "make .venv-ready (the ripgrep wheel ships rg)",
}
"""How to get each external program, named in the skip message (`make test` prints it)."""


def require_program(name: str, *candidates: str) -> str:
    """The path of an external program; skip (or fail in CI) when it is missing."""
    for candidate in (name, *candidates):
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found:
            return found
    message = f"{name} is not installed"
    if name in INSTALL_HINTS:
        message += f"; install it with: {INSTALL_HINTS[name]}"
    if os.environ.get("FAST_GENAI_REQUIRE_EXTERNAL") == "1":
        pytest.fail(f"{message}, and CI requires every external-program test to run")
    pytest.skip(message)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every test must run: a skipped test turns a green run red."""
    if os.environ.get("FAST_GENAI_REQUIRE_EXTERNAL") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(
                f"FAILED: {len(skipped)} test(s) skipped; CI requires every test to run", red=True
            )


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 with its smallest cost for accounts made in the test process: the real algorithm
    and code paths, without the ~0.1 s per hash (x3 per registered user) that the defaults cost,
    which is deliberate in production and only slows tests. ``serve`` processes keep the
    defaults."""
    import functools

    import fastapi_users.password
    from pwdlib.hashers.argon2 import Argon2Hasher

    cheap = functools.partial(Argon2Hasher, time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastapi_users.password, "Argon2Hasher", cheap)
        yield


@pytest.fixture(autouse=True)
def _isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Keep tests away from the user's config, data, cache and credentials."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("FAST_GENAI_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for var in CREDENTIAL_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(home)
    yield


@pytest.fixture(autouse=True)
def _no_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test calls a real model. The fake Gemini fixture (tests/fakes/gemini.py) re-allows
    requests while it runs, since they go to its loopback port."""
    import pydantic_ai.models

    monkeypatch.setattr(pydantic_ai.models, "ALLOW_MODEL_REQUESTS", False)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace root (a real temporary directory)."""
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest.fixture
def ctx(workspace: Path) -> ToolContext:
    """A tool context on the ``workspace`` fixture with default settings."""
    return ToolContext.local(str(workspace), settings=ToolSettings())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def github_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """A running GitHub fake with ``octo/hello``; GITHUB_TOKEN and GITHUB_API_URL point at it."""
    fake = FakeGitHub()
    fake.add_repo("octo/hello")
    with fake.running():
        monkeypatch.setenv("GITHUB_TOKEN", fake.token)
        monkeypatch.setenv("GITHUB_API_URL", fake.base_url)
        yield fake
