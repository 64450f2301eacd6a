"""The ``ToolContext`` of a request: the user's workspace, credentials and the write record."""

from __future__ import annotations

from tools.context import Credentials, ToolContext
from web.models import User
from web.state import WebState
from web.write_log import DatabaseWriteLog


def tool_context(state: WebState, user: User, workspace: str | None) -> ToolContext:
    """A context acting for ``user`` in the named workspace (the default when ``None``)."""
    credentials = (
        Credentials.from_settings(state.tool_settings)
        if state.settings.shared_credentials
        else Credentials()
    )
    return ToolContext(
        workspace=state.workspaces.get(workspace, user),
        settings=state.tool_settings,
        credentials=credentials,
        actor=str(user.id),
        write_log=DatabaseWriteLog(state.db),
    )
