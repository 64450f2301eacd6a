"""The built package runs outside the checkout: ``uv build`` makes a wheel and an sdist holding
every file the packages need at run time (the page's static files, the migrations), and the
wheel, installed into a fresh virtual environment, serves (``/readyz``, the page), speaks MCP over
stdio and calls a tool.

The environment gets the locked runtime dependencies from uv's cache (no network: ``--offline``)
and the wheel with ``--no-deps``; ``uv pip check`` then proves the wheel's own requirements are
met by that set."""

from __future__ import annotations

import os
import re
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters

from tests.mcp_client import text_of
from tests.running.served import REPO, Served, clean_env, free_port, run, uv

pytestmark = pytest.mark.slow

PACKAGES = ("tools", "agent", "mcp_server", "web", "cli")


@dataclass(frozen=True)
class Built:
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class Installed:
    bin: Path
    outside: Path
    """A directory outside the checkout: the commands' working directory and workspace."""

    def env(self) -> dict[str, str]:
        env = clean_env()
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    run([uv(), "build", "--offline", "--out-dir", str(out), str(REPO)], cwd=out, env=clean_env())
    (wheel,) = out.glob("fast_genai-*.whl")
    (sdist,) = out.glob("fast_genai-*.tar.gz")
    return Built(wheel, sdist)


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("installed")
    venv = base / "venv"
    env = clean_env(UV_PROJECT_ENVIRONMENT=str(venv))
    run([uv(), "sync", "--frozen", "--offline", "--no-dev", "--no-install-project", "-q"],
         cwd=REPO, env=env)  # fmt: skip
    python = str(venv / "bin/python")
    run([uv(), "pip", "install", "--offline", "--no-deps", "-q", "--python", python,
          str(built.wheel)], cwd=base, env=clean_env())  # fmt: skip
    run([uv(), "pip", "check", "--python", python], cwd=base, env=clean_env())
    outside = base / "project"
    outside.mkdir()
    (outside / "hello.txt").write_text("hello from outside\nsecond line\n")
    yield Installed(venv / "bin", outside)


def _tracked_runtime_files() -> set[str]:
    listed = run(["git", "ls-files", "--", *PACKAGES], cwd=REPO, env=clean_env()).stdout.split()
    return {name for name in listed if (REPO / name).is_file()}


def test_wheel_and_sdist_hold_every_runtime_file(built: Built) -> None:
    tracked = _tracked_runtime_files()
    assert "web/static/index.html" in tracked and "web/migrations/env.py" in tracked
    in_wheel = set(zipfile.ZipFile(built.wheel).namelist())
    assert not tracked - in_wheel, f"missing from the wheel: {sorted(tracked - in_wheel)[:10]}"
    assert not any(name.startswith("tests/") for name in in_wheel)
    with tarfile.open(built.sdist) as sdist:
        prefix = sdist.getnames()[0].split("/")[0]
        in_sdist = {name.removeprefix(prefix + "/") for name in sdist.getnames()}
    needed = tracked | {"pyproject.toml", "README.md"}
    assert not needed - in_sdist, f"missing from the sdist: {sorted(needed - in_sdist)[:10]}"


def test_the_installed_code_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    where = run([str(installed.bin / "python"), "-c", "import web, cli; print(web.__file__)"],
                 cwd=installed.outside, env=installed.env()).stdout  # fmt: skip
    assert where.startswith(str(installed.bin.parent)), where
    assert not where.startswith(str(REPO))


def test_tools_call_read_file_from_the_wheel(installed: Installed) -> None:
    done = run([str(installed.bin / "fast-genai"), "tools", "call", "read_file", "path=hello.txt",
                 "--json"], cwd=installed.outside, env=installed.env())  # fmt: skip
    assert "hello from outside" in done.stdout


def test_serve_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    port = free_port()
    served = Served(
        [str(installed.bin / "fast-genai"), "serve", "--port", str(port),
         "--workspace", str(installed.outside)],
        port=port, log=tmp_path / "serve.log", env=installed.env(), cwd=installed.outside,
    )  # fmt: skip
    try:
        served.wait_ready(timeout=120)  # readyz: migrations shipped in the wheel ran
        page = httpx.get(f"{served.url}/", timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()
        script = re.search(r'src="(/static/assets/[^"]+\.js)"', page.text)
        assert script, page.text
        code = httpx.get(f"{served.url}{script[1]}", timeout=10)
        assert code.status_code == 200 and len(code.content) > 1000
    finally:
        served.stop()


@pytest.mark.anyio
async def test_mcp_stdio_from_the_wheel(installed: Installed) -> None:
    params = StdioServerParameters(
        command=str(installed.bin / "fast-genai"),
        args=["mcp", "--workspace", str(installed.outside)],
        env=installed.env(),
        cwd=str(installed.outside),
    )
    with anyio.fail_after(120):
        async with Client(params) as client:  # initialize
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert "read_file" in names
            result = await client.call_tool("read_file", {"path": "hello.txt"})
    assert isinstance(result, types.CallToolResult) and not result.is_error
    assert "hello from outside" in text_of(result)
