"""``make run`` installs only what serving needs and passes PORT, HOST and WORKSPACE through."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.running.served import Served, free_port

REPO = Path(__file__).resolve().parents[2]
DEV_ONLY = ("pytest", "mypy", "ruff", "playwright", "schemathesis", "import-linter")
"""Distributions of the dev group that a runtime environment must not hold."""


def _uv() -> str:
    found = shutil.which("uv") or str(REPO / ".cache/uv-bootstrap/bin/uv")
    if not Path(found).is_file():
        pytest.fail("uv is neither on PATH nor bootstrapped; run `make .venv-ready` first")
    return found


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PORT", "HOST", "WORKSPACE", "UV_PROJECT_ENVIRONMENT")
    }
    return {**env, **extra}


def test_the_runtime_set_holds_no_development_tool() -> None:
    exported = subprocess.run(
        [_uv(), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"],
        cwd=REPO, capture_output=True, text=True, check=True, env=_clean_env(),
    ).stdout  # fmt: skip
    names = {line.split("==")[0].strip().lower() for line in exported.splitlines()}
    names.discard("")
    assert "fastapi" in names and "uvicorn" in names
    assert not names & set(DEV_ONLY), f"runtime dependencies include {names & set(DEV_ONLY)}"


@pytest.mark.slow
def test_make_run_is_slim_and_takes_port_host_and_workspace(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    project = tmp_path / "project"
    project.mkdir()
    port = free_port()
    served = Served(
        ["make", "--no-print-directory", "-C", str(REPO), "run",
         f"PORT={port}", "HOST=127.0.0.1", f"WORKSPACE={project}"],
        port=port, log=tmp_path / "make-run.log", cwd=tmp_path,
        env=_clean_env(UV_PROJECT_ENVIRONMENT=str(venv)),
    )  # fmt: skip
    try:
        served.wait_ready(timeout=420)
        output = served.output()
    finally:
        served.stop()
    assert f"workspaces: default={project}" in output, output
    assert f"http://127.0.0.1:{port}/api/v1" in output
    listed = subprocess.run(
        [str(venv / "bin/python"), "-c",
         "import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata['Name'])"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    installed = {name.strip().lower() for name in listed.splitlines()}
    assert {"fastapi", "uvicorn", "fast-genai"} <= installed
    assert not installed & set(DEV_ONLY), f"make run installed {installed & set(DEV_ONLY)}"
