"""``make run`` installs only what serving needs and passes PORT, HOST and WORKSPACE through."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.running.served import REPO, Served, clean_env, free_port, run, uv

DEV_ONLY = ("pytest", "mypy", "ruff", "playwright", "schemathesis", "import-linter")
"""Distributions of the dev group that a runtime environment must not hold."""


def test_the_runtime_set_holds_no_development_tool() -> None:
    argv = [uv(), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"]
    exported = run(argv, cwd=REPO, env=clean_env()).stdout
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
        env=clean_env(UV_PROJECT_ENVIRONMENT=str(venv)),
    )  # fmt: skip
    try:
        served.wait_ready(timeout=420)
        output = served.output()
    finally:
        served.stop()
    assert f"workspaces: default={project}" in output, output
    assert f"http://127.0.0.1:{port}/api/v1" in output
    script = "import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata['Name'])"
    listed = run([str(venv / "bin/python"), "-c", script], cwd=tmp_path, env=clean_env()).stdout
    installed = {name.strip().lower() for name in listed.splitlines()}
    assert {"fastapi", "uvicorn", "fast-genai"} <= installed
    assert not installed & set(DEV_ONLY), f"make run installed {installed & set(DEV_ONLY)}"
