"""Named workspace roots configured by the operator, and who may use each.

A request names a workspace (default: the first configured). By default every active user may
use every workspace; ``FAST_GENAI_WORKSPACE_READERS=name=a@x.org|b@x.org`` limits one to the
listed e-mails (superusers always may). An unknown name and a forbidden one both answer 404.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tools.errors import NotFound, ToolError
from tools.workspace import Workspace
from web.models import User

log = logging.getLogger("fast_genai.web")


@dataclass(frozen=True)
class Workspaces:
    roots: dict[str, Workspace]
    readers: dict[str, frozenset[str]]
    problems: tuple[str, ...] = ()

    @classmethod
    def open(
        cls,
        configured: dict[str, str],
        readers: dict[str, str],
        *,
        allow_secrets: bool = False,
        allow_hardlinks: bool = False,
    ) -> Workspaces:
        roots: dict[str, Workspace] = {}
        problems: list[str] = []
        for name, path in configured.items():
            try:
                roots[name] = Workspace.open(
                    path, allow_secrets=allow_secrets, name=name, allow_hardlinks=allow_hardlinks
                )
            except ToolError as exc:
                problems.append(f"workspace {name!r}: {exc}")
        allowed = {
            name: frozenset(e.strip().lower() for e in emails.split("|") if e.strip())
            for name, emails in readers.items()
        }
        return cls(roots, allowed, tuple(problems))

    @property
    def default(self) -> str | None:
        return next(iter(self.roots), None)

    def names_for(self, user: User) -> list[str]:
        return [name for name in self.roots if self._may_use(name, user)]

    def get(self, name: str | None, user: User) -> Workspace:
        """The workspace ``name`` (the default when ``None``) if ``user`` may use it."""
        chosen = name or self.default
        if chosen is None:
            raise NotFound(
                "no workspace is configured on this server",
                hint="the operator sets FAST_GENAI_WORKSPACES=name=/path",
            )
        if chosen not in self.roots or not self._may_use(chosen, user):
            known = ", ".join(self.names_for(user)) or "none"
            raise NotFound(f"no workspace named {chosen!r}; yours: {known}")
        return self.roots[chosen]

    def _may_use(self, name: str, user: User) -> bool:
        listed = self.readers.get(name)
        return listed is None or user.is_superuser or user.email.lower() in listed
