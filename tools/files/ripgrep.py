"""Where the ripgrep binary is, and the flags that make it filter files like ``list_files``.

The ``ripgrep`` PyPI wheel (a dependency) installs ``rg`` next to the Python interpreter of the
virtual environment; a system ``rg`` on ``PATH`` is the fallback.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from functools import cache
from pathlib import Path

from tools.errors import Unsupported
from tools.workspace import SECRET_PATH_GLOBS, SECRET_PATHS, SECRET_PATTERNS

_EXE = "rg.exe" if sys.platform == "win32" else "rg"

FILTER_FLAGS: tuple[str, ...] = (
    "--no-config",
    "--no-require-git",
    "--no-ignore-parent",
    "--no-ignore-global",
)
"""ripgrep's walk made to match ``tools.files.gitignore``: no user config file, ``.gitignore`` files
count outside git repositories too, and ignore files above the workspace root (or the user's
global excludes file) do not. Hidden files are skipped and symlinks are not followed (ripgrep's
defaults)."""


def secret_exclude_flags() -> list[str]:
    """``--iglob`` flags that keep secret-looking files out of a walk (after any caller's globs,
    so these win)."""
    flags = [f"--iglob=!{pattern}" for pattern in SECRET_PATTERNS]
    flags.extend(f"--iglob=!**/{secret}" for secret in SECRET_PATHS)
    flags.extend(f"--iglob=!**/{secret}" for secret in SECRET_PATH_GLOBS)
    return flags


@cache
def _located() -> str | None:
    candidates = [Path(sys.executable).parent / _EXE]
    scripts = sysconfig.get_path("scripts")
    if scripts:
        candidates.append(Path(scripts) / _EXE)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    return shutil.which("rg")


def rg_binary_or_none() -> str | None:
    """The path of the ``rg`` executable, or ``None`` when it is not installed."""
    found = _located()
    if found is None:
        _located.cache_clear()  # it may be installed later in this process
    return found


def rg_binary() -> str:
    """The path of the ``rg`` executable, or ``Unsupported`` saying how to install it."""
    found = rg_binary_or_none()
    if found is None:
        raise Unsupported(
            "ripgrep (rg) is not installed, so code search is unavailable",
            hint="install the ripgrep==14.1.0 package into this environment, or put rg on PATH",
        )
    return found
