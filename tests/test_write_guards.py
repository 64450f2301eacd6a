"""create_file never writes under .git/ (unless the operator allows it) and never leaves an
executable bit; the secret deny-list covers submodule configs and other credential files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.tree import write_tree
from tools.context import ToolContext
from tools.errors import PathOutsideWorkspace, SecretFileRefused
from tools.files.create_file import create_file
from tools.files.list_files import list_files
from tools.files.read_file import read_file
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "path", [".git/hooks/pre-commit", ".GIT/hooks/post-merge", "sub/.git/hooks/x"]
)
async def test_nothing_under_git_is_written(workspace: Path, ctx: ToolContext, path: str) -> None:
    hook = workspace / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(parents=True)
    hook.write_text("#!/bin/sh\necho original\n")
    hook.chmod(0o755)
    with pytest.raises(PathOutsideWorkspace, match=r"inside a \.git directory"):
        await create_file(ctx, path, "#!/bin/sh\necho pwned\n", overwrite=True)
    assert hook.read_text() == "#!/bin/sh\necho original\n"
    assert not (workspace / "sub").exists()


async def test_the_operator_may_allow_git_writes_but_never_an_executable_bit(
    workspace: Path,
) -> None:
    hook = workspace / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(parents=True)
    hook.write_text("old\n")
    hook.chmod(0o755)
    ctx = ToolContext.local(str(workspace), settings=ToolSettings(allow_git_writes=True))
    await create_file(ctx, ".git/hooks/pre-commit", "new\n", overwrite=True)
    assert hook.read_text() == "new\n"
    assert stat.S_IMODE(hook.stat().st_mode) & 0o111 == 0


async def test_a_new_file_is_never_executable(workspace: Path, ctx: ToolContext) -> None:
    await create_file(ctx, "bin/run.sh", "#!/bin/sh\n")
    assert stat.S_IMODE((workspace / "bin" / "run.sh").stat().st_mode) & 0o111 == 0


SECRETS = [
    ".git/modules/lib/config",
    "vendor/.git/modules/a/b/config",
    "vault.KDBX",
    ".kube/config",
    ".aws/config",
    ".config/gcloud/application_default_credentials.json",
    ".s3cfg",
]


@pytest.mark.parametrize("path", SECRETS)
async def test_credential_files_are_not_read(workspace: Path, ctx: ToolContext, path: str) -> None:
    write_tree(workspace, {path: "token=abc\n", "plain.txt": "x\n"})
    with pytest.raises(SecretFileRefused):
        await read_file(ctx, path)


async def test_credential_files_are_not_listed(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {**dict.fromkeys(SECRETS, "token=abc\n"), "plain.txt": "x\n"})
    listed = await list_files(ctx, include_hidden=True, glob="*")
    assert [entry.path for entry in listed.entries] == ["plain.txt"]
