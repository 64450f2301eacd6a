"""The workspace sandbox against a corpus of hostile paths, through every local file tool.

Each probe must be refused by read_file, list_files and create_file with a ToolError, no probe's
result or message may carry the content of the secret planted outside the root, and nothing
outside the root may change. Allowed paths keep working.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel

from tools.context import ToolContext
from tools.errors import (
    InvalidArgument,
    NotFound,
    PathOutsideWorkspace,
    SecretFileRefused,
    ToolError,
)
from tools.files.create_file import create_file
from tools.files.list_files import list_files
from tools.files.read_file import read_file
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio

SECRET = f"OUTSIDE-SECRET-{uuid.uuid4().hex}"
ENV_SECRET = f"ENV-SECRET-{uuid.uuid4().hex}"

OUT = (PathOutsideWorkspace,)
SECRET_FILE = (SecretFileRefused,)
BAD = (InvalidArgument,)
# a secret name that does not exist: reading says "not found", writing refuses the name
SECRET_OR_MISSING = (SecretFileRefused, NotFound)
# encoded-looking names: nothing by that name exists; create_file refuses the spelling
ENCODED = (NotFound, InvalidArgument)


@dataclass(frozen=True)
class Probe:
    path: str
    """A template: {root} is the workspace, {parent} its parent, {outside} the outside dir."""
    refused_with: tuple[type[ToolError], ...]


PROBES: dict[str, Probe] = {
    # `..` chains
    "dotdot": Probe("..", OUT),
    "dotdot-slash": Probe("../", OUT),
    "dotdot-secret": Probe("../outside/secret.txt", OUT),
    "dotdot-deep-etc": Probe("../../../../../../../../etc/passwd", OUT),
    "dotdot-after-sub": Probe("sub/../../outside/secret.txt", OUT),
    "dot-dotdot": Probe("./../outside/secret.txt", OUT),
    "deeper-climb": Probe("sub/deeper/../../../outside/secret.txt", OUT),
    "missing-dirs-climb": Probe("a/b/c/../../../../outside/secret.txt", OUT),
    "dot-dotdot-mix": Probe(".././.././../etc/shadow", OUT),
    "double-slashes": Probe("sub//..//..//outside/secret.txt", OUT),
    "many-dotdots": Probe("../" * 50 + "etc/passwd", OUT),
    "trailing-dot": Probe("../outside/.", OUT),
    # sibling-prefix tricks: /x/ws vs /x/ws2 and /x/wsevil
    "sibling-ws2": Probe("../ws2/secret.txt", OUT),
    "sibling-wsevil": Probe("../wsevil/secret.txt", OUT),
    "abs-sibling-ws2": Probe("{root}2/secret.txt", OUT),
    "abs-sibling-wsevil": Probe("{root}evil/secret.txt", OUT),
    "back-in-then-sibling": Probe("../ws/../ws2/secret.txt", OUT),
    # absolute paths outside
    "abs-etc-passwd": Probe("/etc/passwd", OUT),
    "abs-outside-secret": Probe("{outside}/secret.txt", OUT),
    "abs-filesystem-root": Probe("/", OUT),
    "abs-double-slash": Probe("//etc/passwd", OUT),
    "abs-root-then-up": Probe("{root}/../outside/secret.txt", OUT),
    "abs-proc-environ": Probe("/proc/self/environ", OUT),
    "abs-parent": Probe("{parent}", OUT),
    # home directories
    "tilde": Probe("~", OUT),
    "tilde-ssh": Probe("~/.ssh/id_rsa", OUT),
    "tilde-root": Probe("~root", OUT),
    "tilde-root-file": Probe("~root/.bashrc", OUT),
    # encoded-looking variants: never decoded, so they name nothing outside
    "percent-dots": Probe("%2e%2e/%2e%2e/outside/secret.txt", ENCODED),
    "percent-slashes": Probe("..%2f..%2foutside%2fsecret.txt", ENCODED),
    "double-encoded": Probe("%252e%252e/%252e%252e/outside/secret.txt", ENCODED),
    "overlong-utf8": Probe("..%c0%af..%c0%afoutside/secret.txt", ENCODED),
    "backslashes": Probe("..\\..\\outside\\secret.txt", ENCODED),
    # NUL bytes and empty paths
    "nul-suffix": Probe("secret.txt\x00.png", BAD),
    "nul-after-outside": Probe("../outside/secret.txt\x00", BAD),
    "nul-only": Probe("\x00", BAD),
    "empty": Probe("", BAD),
    "blank": Probe("   ", BAD),
    # very long paths
    "too-long": Probe("a" * 5000, BAD),
    "too-many-parts": Probe("a/" * 2100 + "b", BAD),
    "component-too-long": Probe("x" * 300, BAD),
    "long-component-in-dir": Probe("sub/" + "y" * 300 + "/f.txt", BAD),
    # symlinks pointing out
    "symlink-file-out": Probe("link_out_file", OUT),
    "symlink-dir-out": Probe("link_out_dir", OUT),
    "symlink-dir-out-file": Probe("link_out_dir/secret.txt", OUT),
    "symlink-dir-out-new": Probe("link_out_dir/new_file.txt", OUT),
    "symlink-dir-out-dot": Probe("link_out_dir/.", OUT),
    "symlink-dir-out-dot-file": Probe("link_out_dir/./secret.txt", OUT),
    "symlink-dir-out-up": Probe("link_out_dir/../ws2/secret.txt", OUT),
    "symlink-up-chain": Probe("sub/deeper/link_up", OUT),
    "symlink-up-chain-file": Probe("sub/deeper/link_up/outside/secret.txt", OUT),
    "symlink-to-fs-root": Probe("link_fs_root/etc/passwd", OUT),
    "symlink-to-sibling": Probe("link_sibling/secret.txt", OUT),
    "symlink-dangling-out": Probe("dangling_out", OUT),
    "symlink-relative-out": Probe("sub/rel_out", OUT),
    # symlink loops
    "loop-a": Probe("loop_a", BAD),
    "loop-self": Probe("self_loop", BAD),
    "loop-below": Probe("loop_a/x", BAD),
    # secret-looking files inside
    "env": Probe(".env", SECRET_FILE),
    "env-local": Probe(".env.local", SECRET_FILE),
    "env-nested": Probe("config/.env.production", SECRET_FILE),
    "env-dot-slash": Probe("./.env", SECRET_FILE),
    "env-via-sub": Probe("sub/../.env", SECRET_FILE),
    "env-upper": Probe(".ENV", SECRET_OR_MISSING),
    "env-trailing-slash": Probe(".env/", (SecretFileRefused, InvalidArgument)),
    "id-rsa": Probe("secrets/id_rsa", SECRET_FILE),
    "id-ed25519-pub": Probe("secrets/id_ed25519.pub", SECRET_FILE),
    "pem": Probe("server.pem", SECRET_FILE),
    "key": Probe("x.key", SECRET_FILE),
    "git-config": Probe(".git/config", SECRET_FILE),
    "netrc": Probe(".netrc", SECRET_FILE),
    "credentials-json": Probe("config/credentials.json", SECRET_FILE),
    "symlink-to-env": Probe("link_to_env", SECRET_FILE),
    "abs-env": Probe("{root}/.env", SECRET_FILE),
}


@dataclass(frozen=True)
class Tree:
    root: Path
    parent: Path
    outside: Path

    def path(self, probe: Probe) -> str:
        return probe.path.format(root=self.root, parent=self.parent, outside=self.outside)


@pytest.fixture
def tree(workspace: Path) -> Tree:
    parent = workspace.parent
    outside = parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    for sibling in ("ws2", "wsevil"):
        (parent / sibling).mkdir()
        (parent / sibling / "secret.txt").write_text(SECRET)

    (workspace / "README.md").write_text("# hello\n")
    (workspace / "sub" / "deeper").mkdir(parents=True)
    (workspace / "sub" / "notes.txt").write_text("inside notes\n")
    (workspace / "secrets").mkdir()
    (workspace / "config").mkdir()
    (workspace / ".git").mkdir()
    (workspace / ".env").write_text(f"TOKEN={ENV_SECRET}\n")
    for name in (".env.local", "config/.env.production", "secrets/id_rsa",
                 "secrets/id_ed25519.pub", "server.pem", "x.key", ".git/config", ".netrc",
                 "config/credentials.json"):  # fmt: skip
        (workspace / name).write_text(f"{ENV_SECRET}\n")

    links = {
        "link_out_file": outside / "secret.txt",
        "link_out_dir": outside,
        "sub/deeper/link_up": Path("../../.."),
        "link_fs_root": Path("/"),
        "link_sibling": parent / "ws2",
        "dangling_out": outside / "does-not-exist.txt",
        "sub/rel_out": Path("../../outside/secret.txt"),
        "loop_a": Path("loop_b"),
        "loop_b": Path("loop_a"),
        "self_loop": Path("self_loop"),
        "link_to_env": Path(".env"),
        "link_in_file": Path("sub/notes.txt"),
        "link_in_dir": Path("sub"),
    }
    for name, target in links.items():
        os.symlink(target, workspace / name)
    return Tree(root=workspace, parent=parent, outside=outside)


def _outside_snapshot(tree: Tree) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in tree.parent.rglob("*"):
        if path.is_relative_to(tree.root) or path.is_symlink() or not path.is_file():
            continue
        files[str(path)] = path.read_bytes()
    return files


TOOL_CALLS: dict[str, Callable[[ToolContext, str], Awaitable[BaseModel]]] = {
    "read_file": lambda ctx, path: read_file(ctx, path),
    "list_files": lambda ctx, path: list_files(ctx, path),
    "create_file": lambda ctx, path: create_file(ctx, path, "pwned\n", overwrite=True),
}


@pytest.mark.parametrize("tool", sorted(TOOL_CALLS))
@pytest.mark.parametrize("name", sorted(PROBES))
async def test_probe_is_refused(tree: Tree, ctx: ToolContext, tool: str, name: str) -> None:
    probe = PROBES[name]
    before = _outside_snapshot(tree)
    with pytest.raises(ToolError) as caught:
        result = await TOOL_CALLS[tool](ctx, tree.path(probe))
        pytest.fail(f"{tool}({name}) was not refused: {result!r}")
    assert isinstance(caught.value, probe.refused_with), (
        f"{tool}({name}) raised {type(caught.value).__name__}: {caught.value}"
    )
    message = str(caught.value)
    assert SECRET not in message
    assert ENV_SECRET not in message
    assert _outside_snapshot(tree) == before


def test_corpus_is_large_enough() -> None:
    assert len(PROBES) >= 40


async def test_listing_never_shows_outside_content_or_secrets(tree: Tree, ctx: ToolContext) -> None:
    listing = await list_files(ctx, include_hidden=True)
    dumped = listing.model_dump_json()
    assert SECRET not in dumped
    assert ENV_SECRET not in dumped
    by_path = {entry.path: entry for entry in listing.entries}
    # links out are shown as bare symlinks: no target, no size, never descended into
    for name in ("link_out_file", "link_out_dir", "link_sibling", "link_fs_root", "dangling_out"):
        assert by_path[name].kind == "symlink"
        assert by_path[name].target is None
        assert by_path[name].size is None
    assert not any(path.startswith(("link_out_dir/", "link_fs_root/")) for path in by_path)
    # secret-looking files and symlinks to them are left out, .git is never listed
    for hidden in (".env", ".env.local", "server.pem", "x.key", ".netrc", "link_to_env", ".git"):
        assert hidden not in by_path
    assert not any(path.startswith(".git/") for path in by_path)


async def test_allowed_paths_work(tree: Tree, ctx: ToolContext) -> None:
    assert "inside notes" in (await read_file(ctx, "sub/notes.txt")).content
    assert "inside notes" in (await read_file(ctx, str(tree.root / "sub/notes.txt"))).content
    assert "inside notes" in (await read_file(ctx, "sub/deeper/../notes.txt")).content
    # symlinks inside -> inside
    via_link = await read_file(ctx, "link_in_file")
    assert via_link.path == "sub/notes.txt"
    assert "inside notes" in via_link.content
    listed = await list_files(ctx, "link_in_dir")
    assert "sub/notes.txt" in {entry.path for entry in listed.entries}
    entries = {entry.path: entry for entry in (await list_files(ctx, max_depth=1)).entries}
    assert entries["link_in_file"].target == "sub/notes.txt"
    created = await create_file(ctx, "link_in_dir/new.txt", "ok\n")
    assert created.path == "sub/new.txt"
    assert (tree.root / "sub" / "new.txt").read_text() == "ok\n"


async def test_allow_secrets_lets_env_be_read(tree: Tree) -> None:
    ctx = ToolContext.local(str(tree.root), settings=ToolSettings(allow_secret_files=True))
    assert ENV_SECRET in (await read_file(ctx, ".env")).content
    listed = {entry.path for entry in (await list_files(ctx, include_hidden=True)).entries}
    assert ".env" in listed
    # allowing secrets never opens a way out of the root
    with pytest.raises(PathOutsideWorkspace):
        await read_file(ctx, "../outside/secret.txt")
