"""Which paths a walk skips: ``.gitignore``, ``.ignore`` and ``.git/info/exclude``, like ripgrep.

Rules stack up as a walk descends. Patterns of an ignore file apply to paths relative to the
directory that holds it; a deeper file wins over a shallower one, ``.ignore`` wins over
``.gitignore`` in the same directory, ``.git/info/exclude`` has the lowest precedence, and the
last matching pattern of a file decides (so ``!pattern`` re-includes). As in git, nothing inside
an ignored directory can be re-included, because the walk never enters it.

Unlike ripgrep, ``.gitignore`` files count even outside a git repository, and ignore files
above the workspace root are not read (the walk never looks outside its root).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tools.beneath import read_real_path
from tools.errors import ToolError

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

IGNORE_FILES: tuple[str, ...] = (".gitignore", ".ignore")
"""Per-directory ignore files, lowest precedence first."""

MAX_IGNORE_FILE_BYTES = 1_000_000
"""Ignore files larger than this are skipped (nobody writes one; it guards the walk)."""


@dataclass(frozen=True)
class _Layer:
    base: str
    """Workspace-relative POSIX directory the patterns are relative to; ``""`` is the root."""
    spec: GitIgnoreSpec


@dataclass(frozen=True)
class IgnoreRules:
    """The ignore patterns in force in one directory of a walk."""

    layers: tuple[_Layer, ...] = ()

    @classmethod
    def for_root(cls, root: Path) -> IgnoreRules:
        """The rules at the workspace root: ``.git/info/exclude``, then the root's own files."""
        rules = cls()
        exclude = _read_ignore_file(root / ".git" / "info" / "exclude")
        if exclude is not None:
            rules = rules._with("", exclude)
        return rules.descend(root, "")

    @classmethod
    def for_directory(cls, root: Path, relative: str) -> IgnoreRules:
        """The rules in force in ``relative`` (a directory under ``root``), ancestors included."""
        rules = cls.for_root(root)
        if relative in ("", "."):
            return rules
        current = ""
        for part in relative.split("/"):
            current = f"{current}/{part}" if current else part
            rules = rules.descend(root / current, current)
        return rules

    def descend(
        self, directory: str | Path, relative: str, names: Container[str] | None = None
    ) -> IgnoreRules:
        """The rules inside ``directory`` (workspace-relative ``relative``), its own files added.

        ``names``, when the caller already listed the directory, spares looking for absent files.
        """
        rules = self
        for name in IGNORE_FILES:
            if names is not None and name not in names:
                continue
            spec = _read_ignore_file(Path(directory, name))
            if spec is not None:
                rules = rules._with("" if relative == "." else relative, spec)
        return rules

    def is_ignored(self, relative: str, *, is_dir: bool) -> bool:
        """Whether a workspace-relative POSIX path is ignored (the last deciding layer wins)."""
        for layer in reversed(self.layers):
            if layer.base:
                if not relative.startswith(layer.base + "/"):
                    continue
                subject = relative[len(layer.base) + 1 :]
            else:
                subject = relative
            result = layer.spec.check_file(subject + "/" if is_dir else subject)
            if result.include is not None:
                return result.include
        return False

    def _with(self, base: str, spec: GitIgnoreSpec) -> IgnoreRules:
        return IgnoreRules((*self.layers, _Layer(base, spec)))


def ancestor_patterns(root: Path, relative: str) -> list[str]:
    """The ignore patterns of the directories above ``relative`` (a directory under ``root``,
    from the root down, ``.git/info/exclude`` first), rewritten relative to the root.

    For ripgrep walking a subdirectory (``--no-ignore-parent``, so it reads nothing above the
    directory it walks): given as one ``--ignore-file`` with the workspace root as the current
    directory, they keep their precedence (below every ignore file inside the walk; deeper and
    later lines win) and their anchoring (a pattern of ``a/.gitignore`` only matches below
    ``a/``).
    """
    lines = _read_ignore_lines(root / ".git" / "info" / "exclude") or []
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    for depth in range(len(parts)):
        base = "/".join(parts[:depth])
        for name in IGNORE_FILES:
            for line in _read_ignore_lines(root.joinpath(*parts[:depth], name)) or []:
                lines.append(_rebased(line, base))
    return lines


def _rebased(line: str, base: str) -> str:
    """A gitignore line of the directory ``base`` as a line of the root's ignore file."""
    text = line.rstrip("\r")
    if not base or not text.strip() or text.startswith("#"):
        return text
    negation = "!" if text.startswith("!") else ""
    pattern = text[len(negation) :]
    if "/" in pattern.rstrip("/"):  # anchored to its directory
        return f"{negation}{base}/{pattern.lstrip('/')}"
    return f"{negation}{base}/**/{pattern}"


def _read_ignore_lines(path: Path) -> list[str] | None:
    """The lines of a regular ignore file; symlinks, huge or unreadable files count as absent."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_IGNORE_FILE_BYTES:
        return None
    try:  # no symlink followed, never blocking: a FIFO swapped in meanwhile is refused
        text = read_real_path(str(path), MAX_IGNORE_FILE_BYTES).decode("utf-8", errors="replace")
    except (OSError, ToolError):
        return None
    return text.splitlines()


def _read_ignore_file(path: Path) -> GitIgnoreSpec | None:
    """The patterns of a regular ignore file, or ``None`` (see :func:`_read_ignore_lines`)."""
    lines = _read_ignore_lines(path)
    if lines is None:
        return None
    from pathspec import GitIgnoreSpec  # loaded with the first ignore file, not at start

    spec = GitIgnoreSpec.from_lines(lines)
    return spec if len(spec) else None
