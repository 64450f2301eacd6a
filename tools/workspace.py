"""The workspace sandbox: every path a tool receives is resolved here, or refused.

A path is resolved against the workspace root (relative, or absolute but inside), symlinks
included, and refused when the result leaves the root. Secret-looking files are refused unless
the operator allows them.

That check is by name; the open is not. The workspace holds a descriptor of its root, and every
read and write goes through it (:mod:`tools.beneath`): the resolved path is opened beneath the
root descriptor without following any symlink, and the opened descriptor is checked (a regular
file, or a directory) before anything is read. A directory swapped for a symlink between the
check and the open makes the open fail; it never reaches outside.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import posixpath
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import beneath
from tools.errors import InvalidArgument, NotFound, PathOutsideWorkspace, SecretFileRefused

MAX_PATH_CHARS = 4096
MAX_NAME_BYTES = 255
"""Longest file name component (the usual NAME_MAX); longer ones fail in the OS anyway."""

SECRET_PATTERNS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.keystore",
    "*.jks",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    "credentials.json",
    "*.kdbx",
    ".s3cfg",
    ".boto",
    "application_default_credentials.json",
)
"""File names that look like secrets (matched case-insensitively against the last component)."""

SECRET_PATHS: tuple[str, ...] = (
    ".git/config",
    ".aws/credentials",
    ".aws/config",
    ".docker/config.json",
    ".kube/config",
    ".azure/accesstokens.json",
    ".config/gcloud/credentials.db",
    ".config/gcloud/access_tokens.db",
)
"""Paths inside the workspace that hold credentials."""

SECRET_PATH_GLOBS: tuple[str, ...] = (".git/modules/**/config",)
"""Credential paths with a wildcard part: submodules keep their own git config (remote URLs
with tokens). Matched at any depth, like :data:`SECRET_PATHS`."""

_SECRET_GLOB = re.compile(r"(?:^|/)\.git/modules/.+/config$")


_SECRET_NAME = re.compile("|".join(fnmatch.translate(pattern) for pattern in SECRET_PATTERNS))
_SECRET_PATH_SUFFIXES = tuple("/" + path for path in SECRET_PATHS)


def is_secret_path(relative: str) -> bool:
    """Whether a workspace-relative POSIX path names a secret-looking file.

    Called for every entry of a listing, so it is one regular expression and string tests.
    """
    text = posixpath.normpath(relative.lower())
    name = text.rpartition("/")[2]
    if _SECRET_NAME.match(name):
        return True
    return (
        text in SECRET_PATHS
        or text.endswith(_SECRET_PATH_SUFFIXES)
        or ("modules/" in text and _SECRET_GLOB.search(text) is not None)
    )


_NAME_EXACT = frozenset(pattern for pattern in SECRET_PATTERNS if "*" not in pattern)
_NAME_PREFIXES = tuple(p[:-1] for p in SECRET_PATTERNS if p.find("*") == len(p) - 1)
_NAME_SUFFIXES = tuple(p[1:] for p in SECRET_PATTERNS if p.rfind("*") == 0)
_NAMES_BY_STRING_TESTS = len(_NAME_EXACT) + len(_NAME_PREFIXES) + len(_NAME_SUFFIXES) == len(
    SECRET_PATTERNS
)
"""Every name pattern is a name, ``prefix*`` or ``*suffix``: string tests decide it."""


def without_secret_paths(paths: list[str]) -> list[str]:
    """``[path for path in paths if not is_secret_path(path)]`` for normalized relative paths
    (a listing of every file checks 300,000), by set and tuple string tests on ASCII paths
    instead of a regular expression and a ``normpath`` each (a test compares the two)."""
    if not _NAMES_BY_STRING_TESTS:
        return [path for path in paths if not is_secret_path(path)]
    kept = []
    exact, prefixes, suffixes = _NAME_EXACT, _NAME_PREFIXES, _NAME_SUFFIXES
    for path in paths:
        if not path.isascii():
            if not is_secret_path(path):
                kept.append(path)
            continue
        low = path.lower()
        name = low[low.rfind("/") + 1 :]
        if (
            name in exact
            or name.startswith(prefixes)
            or name.endswith(suffixes)
            or low in SECRET_PATHS
            or low.endswith(_SECRET_PATH_SUFFIXES)
            or ("modules/" in low and _SECRET_GLOB.search(low) is not None)
        ):
            continue
        kept.append(path)
    return kept


_SURROGATE = re.compile("[\udc80-\udcff]")
_ESCAPED = re.compile(r"\\x([89a-fA-F][0-9a-fA-F])")


def shown_name(path: str) -> str:
    """A path as tools show it: a byte that is not UTF-8 (a surrogate from ``os.fsdecode``)
    becomes the four characters ``\\xHH``, so ``caf\\xe9.txt`` names the Latin-1 file name
    ``caf\xe9.txt``. Every other name is shown as it is. :meth:`Workspace.resolve` takes this
    form back."""
    if path.isascii() or not _SURROGATE.search(path):
        return path
    return _SURROGATE.sub(lambda match: f"\\x{ord(match.group()) - 0xDC00:02x}", path)


def _unescaped(path: str) -> str:
    """The real name (surrogates) of a path given in the :func:`shown_name` form."""
    return _ESCAPED.sub(lambda match: chr(0xDC00 + int(match.group(1), 16)), path)


def _exists(resolved: Path, original: str) -> bool:
    try:
        return resolved.exists()
    except OSError as exc:  # permission denied on a parent, and the like
        raise InvalidArgument(f"{original!r} cannot be checked: {exc.strerror}") from exc


@dataclass(frozen=True)
class Workspace:
    """A root directory that file tools may not leave."""

    root: Path
    allow_secrets: bool = False
    name: str = "default"
    allow_hardlinks: bool = False
    """Read regular files that have more than one hard link (refused by default: such a file
    may be the same inode as one outside the root, or as a secret)."""
    fd: int = field(init=False, repr=False, compare=False)
    """A descriptor of the root directory, opened once: every file is opened beneath it."""

    def __post_init__(self) -> None:
        fd = os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
        object.__setattr__(self, "fd", fd)
        weakref.finalize(self, os.close, fd)

    def __reduce__(self) -> tuple[Any, ...]:
        """A copy in another process opens its own root descriptor."""
        return (type(self), (self.root, self.allow_secrets, self.name, self.allow_hardlinks))

    @classmethod
    def open(
        cls,
        root: str | os.PathLike[str],
        *,
        allow_secrets: bool = False,
        name: str = "default",
        allow_hardlinks: bool = False,
    ) -> Workspace:
        path = Path(root).expanduser()
        try:
            resolved = path.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(f"workspace root {str(path)!r} does not exist") from exc
        if not resolved.is_dir():
            raise InvalidArgument(f"workspace root {str(path)!r} is not a directory")
        return cls(
            root=resolved, allow_secrets=allow_secrets, name=name, allow_hardlinks=allow_hardlinks
        )

    def resolve(self, path: str, *, must_exist: bool = True) -> Path:
        """The real absolute path for ``path``, refused if it leaves the root.

        Refuses NUL bytes, ``~`` expansion, over-long paths, ``..`` chains and symlinks that
        lead outside, and (unless allowed) secret-looking files.
        """
        candidate = self._candidate(path)
        resolved = self._resolve_inside(candidate, path)
        if "\\x" in path and not os.path.lexists(resolved):  # an escaped undecodable name
            real = _unescaped(path)
            if real != path:
                escaped = self._resolve_inside(self._candidate(real), path)
                if os.path.lexists(escaped):
                    resolved = escaped
        if must_exist and not _exists(resolved, path):
            raise NotFound(f"{path!r} does not exist in the workspace")
        if (
            not self.allow_secrets
            and resolved != self.root
            and is_secret_path(self.relative(resolved))
        ):
            raise SecretFileRefused(
                f"{path!r} looks like a secret file and is not read",
                hint="the operator can allow it with FAST_GENAI_ALLOW_SECRET_FILES=true",
            )
        return resolved

    def open_file(self, relative: str) -> beneath.Opened:
        """Open a resolved workspace-relative path for reading: a regular file only (FIFOs,
        sockets, devices and directories refused before any read, never blocking). The caller
        closes ``.fd``; :meth:`opened` does it for you. A file with several hard links is
        refused unless ``allow_hardlinks``."""
        return beneath.open_regular(self.fd, relative, max_links=self.max_links)

    @property
    def max_links(self) -> int | None:
        """The most hard links a file read through this workspace may have (``None``: any)."""
        return None if self.allow_hardlinks else 1

    def check_links(self, relative: str, links: int) -> None:
        """Refuse a file with ``links`` hard links unless the workspace allows them."""
        if self.max_links is not None and links > self.max_links:
            raise beneath.hard_link_refused(relative, links)

    @contextlib.contextmanager
    def opened(self, relative: str) -> Iterator[beneath.Opened]:
        handle = self.open_file(relative)
        try:
            yield handle
        finally:
            os.close(handle.fd)

    def read_bytes(self, relative: str, limit: int) -> bytes:
        """Up to ``limit`` bytes of a regular file, opened as :meth:`open_file` does."""
        with self.opened(relative) as handle:
            return handle.read(limit)

    def lstat(self, relative: str) -> os.stat_result | None:
        """What is at ``relative`` (not following a final symlink), or ``None``."""
        return beneath.lstat_beneath(self.fd, relative)

    def write(self, relative: str, data: bytes, *, overwrite: bool) -> bool:
        """Write a file atomically beneath the root descriptor; whether it is new."""
        return beneath.write_beneath(self.fd, relative, data, overwrite=overwrite)

    def relative(self, path: Path) -> str:
        """The workspace-relative POSIX form of an absolute path inside the root."""
        rel = path.relative_to(self.root).as_posix()
        return rel or "."

    def contains(self, path: Path) -> bool:
        """Whether a real (symlink-resolved) absolute path is inside the root."""
        return path == self.root or path.is_relative_to(self.root)

    def _candidate(self, path: str) -> Path:
        if not isinstance(path, str) or not path.strip():
            raise InvalidArgument("a path is required")
        if "\x00" in path:
            raise InvalidArgument("a path may not contain NUL bytes")
        if len(path) > MAX_PATH_CHARS:
            raise InvalidArgument(f"a path may not be longer than {MAX_PATH_CHARS} characters")
        if any(
            len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in path.split("/")
        ):
            raise InvalidArgument(f"a path component may not be longer than {MAX_NAME_BYTES} bytes")
        if path.startswith("~"):
            raise PathOutsideWorkspace(
                f"{path!r}: '~' is not expanded; give a path inside the workspace"
            )
        given = Path(path)
        return given if given.is_absolute() else self.root / given

    def _resolve_inside(self, candidate: Path, original: str) -> Path:
        try:
            resolved = candidate.resolve(strict=False)
        except (OSError, RuntimeError) as exc:  # symlink loops, names too long
            raise InvalidArgument(f"{original!r} cannot be resolved: {exc}") from exc
        if not self.contains(resolved):
            raise PathOutsideWorkspace(
                f"{original!r} is outside the workspace",
                hint="give a path relative to the workspace root",
            )
        return resolved
