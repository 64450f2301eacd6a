"""Stoplight Prism mocks of the official API descriptions in ``../shared/specs``.

One Prism per description per session (it takes seconds to start). Prism is installed from
``tests/contract/package.json`` (``npm ci --prefix tests/contract``); a missing Prism or a missing
specs folder skips these tests locally and fails them in CI (``FAST_GENAI_REQUIRE_EXTERNAL=1``).

GitHub's and Jira's examples carry absolute URLs rebased to 127.0.0.1:4010 and :4012 (PyGithub
refuses to follow URLs on another host), so those two run on these ports; Notion's on a free one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_program

HERE = Path(__file__).resolve().parent
SPECS = Path(os.environ.get("FAST_GENAI_SPECS_DIR") or HERE.parents[1].parent / "shared" / "specs")
"""The official descriptions: ``../shared/specs`` beside the clone, or FAST_GENAI_SPECS_DIR."""
PRISM = HERE / "node_modules" / ".bin" / "prism"


def specs_dir() -> Path:
    if not (SPECS / "README.md").is_file():
        message = f"the official API descriptions are missing (expected in {SPECS})"
        if os.environ.get("FAST_GENAI_REQUIRE_EXTERNAL") == "1":
            pytest.fail(f"{message}, and CI requires the contract tests to run")
        pytest.skip(message)
    return SPECS


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prism(spec: str, port: int, logs: Path) -> Iterator[str]:
    prism = require_program("prism", str(PRISM))
    path = specs_dir() / spec
    if _listening(port):
        pytest.fail(f"port {port} is already in use; Prism for {spec} needs it")
    log = logs / f"prism-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [prism, "mock", str(path), "-p", str(port), "-h", "127.0.0.1"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                pytest.fail(f"Prism did not start on {spec}:\n{tail}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="session")
def prism_github(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _prism("github-cut.json", 4010, tmp_path_factory.mktemp("prism"))


@pytest.fixture(scope="session")
def prism_notion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _prism("notion-patched.json", _free_port(), tmp_path_factory.mktemp("prism"))


@pytest.fixture(scope="session")
def prism_jira(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _prism("jira-cut.json", 4012, tmp_path_factory.mktemp("prism"))


ADF_SCHEMA = HERE / "node_modules" / "@atlaskit" / "adf-schema" / "json-schema" / "v1" / "full.json"
VALIDATE_JSON = HERE / "validate_json.mjs"


class SchemaCheck:
    """Documents checked against a draft-04 JSON schema by Ajv in one Node process.

    Ajv rather than the Python ``jsonschema`` package for speed: ADF's schema is a deep web of
    ``anyOf``s and ``jsonschema`` took 65 ms a document here (30 s for the corpus), Ajv compiles
    it once and checks the whole corpus in about a second.
    """

    def __init__(self, node: str, schema: Path, workdir: Path) -> None:
        self.node, self.schema, self.workdir = node, schema, workdir

    def errors(self, documents: list[Any]) -> list[list[str]]:
        import json

        batch = self.workdir / "documents.json"
        batch.write_text(json.dumps(documents))
        done = subprocess.run(
            [self.node, str(VALIDATE_JSON), str(self.schema), str(batch)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"the schema check failed to run:\n{done.stderr[-2000:]}")
        results: list[list[str]] = json.loads(done.stdout)
        return results


@pytest.fixture(scope="session")
def adf_schema(tmp_path_factory: pytest.TempPathFactory) -> SchemaCheck:
    """Atlassian's own ADF schema: npm ``@atlaskit/adf-schema``, ``json-schema/v1/full.json``."""
    node = require_program("node")
    schema = Path(require_program("@atlaskit/adf-schema", str(ADF_SCHEMA)))
    require_program("ajv-draft-04", str(HERE / "node_modules" / "ajv-draft-04" / "package.json"))
    return SchemaCheck(node, schema, tmp_path_factory.mktemp("adf"))


class TypeCheck:
    """TypeScript declarations checked by ``tsc --strict`` against the packages installed here
    (``@notionhq/client``'s request types): each value is an object literal annotated with a
    type, so a missing field, a wrong type or an unknown property is a compile error."""

    def __init__(self, tsc: str, workdir: Path) -> None:
        self.tsc, self.workdir = tsc, workdir

    def errors(self, imports: str, declarations: list[tuple[str, Any]]) -> list[str]:
        import json

        lines = [imports]
        for index, (type_name, value) in enumerate(declarations):
            lines.append(f"export const body{index}: {type_name} = {json.dumps(value)};")
        (self.workdir / "bodies.ts").write_text("\n".join(lines) + "\n")
        config = {
            "compilerOptions": {
                "strict": True,
                "noEmit": True,
                "target": "es2022",
                "module": "nodenext",
                "moduleResolution": "nodenext",
                "skipLibCheck": True,
                "typeRoots": [],
                "types": [],
                "baseUrl": ".",
                "paths": {
                    "@notionhq/client": [str(HERE / "node_modules" / "@notionhq" / "client")]
                },
            },
            "files": ["bodies.ts"],
        }
        (self.workdir / "tsconfig.json").write_text(json.dumps(config))
        done = subprocess.run(
            [self.tsc, "-p", str(self.workdir / "tsconfig.json")],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = (done.stdout + done.stderr).strip()
        if done.returncode != 0 and "error TS" not in output:
            pytest.fail(f"tsc failed to run:\n{output[-2000:]}")
        return [line for line in output.splitlines() if "error TS" in line]


@pytest.fixture
def notion_types(tmp_path: Path) -> TypeCheck:
    """``tsc`` (npm typescript, pinned here) over ``@notionhq/client`` (pinned here)."""
    tsc = require_program("tsc", str(HERE / "node_modules" / ".bin" / "tsc"))
    require_program(
        "@notionhq/client", str(HERE / "node_modules" / "@notionhq" / "client" / "package.json")
    )
    return TypeCheck(tsc, tmp_path)
