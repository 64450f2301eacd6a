"""The ``ToolContext`` of a request: the user's workspace, credentials and the write record."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tools.context import Credentials, ToolContext
from web.integrations import credentials
from web.models import User
from web.state import WebState
from web.write_log import DatabaseWriteLog


async def user_credentials(
    state: WebState, user: User, session: AsyncSession | None = None
) -> Credentials:
    """The user's stored integration credentials; for a service they have not stored, the
    server's own only when the operator allows it (``FAST_GENAI_SHARED_CREDENTIALS``).

    Pass the request's open ``session``, if any: a second connection per request could exhaust
    the pool under load."""
    box = credentials.secret_box(state)
    if session is None:
        async with state.db.sessions() as own:
            stored = await credentials.load(own, box, user.id)
    else:
        stored = await credentials.load(session, box, user.id)
    shared = (
        Credentials.from_settings(state.tool_settings)
        if state.settings.shared_credentials
        else None
    )
    return credentials.credentials_for(stored, shared)


async def tool_context(
    state: WebState, user: User, workspace: str | None, session: AsyncSession | None = None
) -> ToolContext:
    """A context acting for ``user`` in the named workspace (the default when ``None``)."""
    return ToolContext(
        workspace=state.workspaces.get(workspace, user),
        settings=state.tool_settings,
        credentials=await user_credentials(state, user, session),
        actor=str(user.id),
        write_log=DatabaseWriteLog(state.db),
    )
