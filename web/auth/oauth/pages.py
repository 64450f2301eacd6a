"""The authorization page: the web app's own login, then a consent screen.

``/authorize`` (the SDK's handler) keeps the request and sends the browser here. The login form
checks the e-mail and password with fastapi-users and keeps the session in an HttpOnly cookie
(a fastapi-users JWT for this page's audience only, path ``/oauth``). The consent screen names
the client (as it registered itself), where the browser returns, the workspaces the client
may use (the user picks among theirs) and whether writes are allowed (only if the client asked
for ``mcp:write``; off unless ticked). Its form carries a random token bound to the request and
the user, and the cookie is ``SameSite=Lax``, so another site cannot consent for the user.
"""

from __future__ import annotations

import secrets
import uuid
from html import escape
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users.authentication import JWTStrategy
from mcp.server.auth.provider import construct_redirect_uri
from sqlalchemy import delete, update
from sqlmodel import col

from web.auth.access_tokens import token_hash
from web.auth.oauth.provider import (
    CODE_LIFETIME,
    READ_SCOPE,
    WRITE_SCOPE,
    affected,
    pending_expired,
)
from web.auth.oauth.urls import CONSENT_PATH, LOGIN_PATH, OAuthUnavailable, urls_for
from web.auth.users import UserManager, get_user_manager
from web.models import OAuthAuthorization, OAuthClient, User, utcnow
from web.state import StateDep, WebState

router = APIRouter(include_in_schema=False)

COOKIE = "fast_genai_oauth"
COOKIE_PATH = "/oauth"
AUDIENCE = ["fast-genai:oauth-consent"]
LOGIN_LIFETIME_SECONDS = 3600
Manager = Annotated[UserManager, Depends(get_user_manager)]


def _strategy(request: Request) -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(
        secret=request.app.state.secret,
        lifetime_seconds=LOGIN_LIFETIME_SECONDS,
        token_audience=AUDIENCE,
    )


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def _page(title: str, body: str, status: int = 200, form_targets: str = "") -> HTMLResponse:
    csp = (
        "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'; "
        f"form-action 'self' {form_targets}".strip()
    )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · fast-genai</title>"
        '<link rel="stylesheet" href="/static/oauth.css">'
        f"</head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    headers = {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    return HTMLResponse(html, status_code=status, headers=headers)


def _problem(message: str, status: int = 400) -> HTMLResponse:
    return _page("Cannot authorize", f'<p class="error">{escape(message)}</p>', status)


async def _pending(
    state: WebState, request_id: str
) -> tuple[OAuthAuthorization, OAuthClient] | None:
    async with state.db.sessions() as session:
        row = await session.get(OAuthAuthorization, request_id[:64])
        client = None if row is None else await session.get(OAuthClient, row.client_id)
    if row is None or client is None or row.code_hash is not None or pending_expired(row):
        return None
    return row, client


async def _logged_in(request: Request, manager: UserManager) -> User | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    user = await _strategy(request).read_token(token, manager)
    return user if user is not None and user.is_active else None


GONE = "This authorization request is unknown, used or expired: start again from your MCP client."


def _login_form(request_id: str, client_name: str, error: str = "") -> HTMLResponse:
    failed = f'<p class="error">{escape(error)}</p>' if error else ""
    body = (
        f"<p>Sign in to let <strong>{escape(client_name)}</strong> use fast-genai.</p>{failed}"
        f'<form method="post" action="{LOGIN_PATH}">'
        f'<input type="hidden" name="request" value="{escape(request_id)}">'
        '<label>E-mail <input name="username" type="email" autocomplete="username" required>'
        '</label><label>Password <input name="password" type="password" '
        'autocomplete="current-password" required></label>'
        '<button type="submit">Sign in</button></form>'
    )
    return _page("Sign in", body, 400 if error else 200)


async def _consent_form(
    state: WebState, row: OAuthAuthorization, client: OAuthClient, user: User, error: str = ""
) -> HTMLResponse:
    names = state.workspaces.names_for(user)
    if not names:
        return _problem("You may use no workspace on this server; ask its operator.", 403)
    csrf = secrets.token_urlsafe(32)
    async with state.db.write() as session:
        await session.execute(
            update(OAuthAuthorization)
            .where(col(OAuthAuthorization.id) == row.id)
            .values(user_id=user.id, csrf=csrf)
        )
    info = client.info
    name = str(info.get("client_name") or client.client_id)
    redirect = str(row.request["redirect_uri"])
    homepage = info.get("client_uri")
    site = f' (<span class="uri">{escape(str(homepage))}</span>)' if homepage else ""
    boxes = "".join(
        f'<label><input type="checkbox" name="workspace" value="{escape(n)}" checked> '
        f"{escape(n)}</label>"
        for n in names
    )
    writers = sorted(spec.name for spec in state.tools.values() if spec.writes)
    if WRITE_SCOPE in row.request["scopes"]:
        writes = (
            '<label><input type="checkbox" name="writes" value="on"> Allow writes: '
            f"{escape(', '.join(writers))}</label>"
        )
    else:
        writes = "<p>Read-only: this client did not ask to write.</p>"
    failed = f'<p class="error">{escape(error)}</p>' if error else ""
    body = (
        f"<p><strong>{escape(name)}</strong>{site} asks to use fast-genai's tools as "
        f"<strong>{escape(user.email)}</strong>. The name is the one the client gave itself.</p>"
        f'<p>After you decide, your browser returns to <span class="uri">{escape(redirect)}</span>.'
        f"</p>{failed}"
        f'<form method="post" action="{CONSENT_PATH}">'
        f'<input type="hidden" name="request" value="{escape(row.id)}">'
        f'<input type="hidden" name="csrf" value="{csrf}">'
        f"<fieldset><legend>Workspaces it may use</legend>{boxes}</fieldset>"
        f"<fieldset><legend>Writes</legend>{writes}</fieldset>"
        '<button type="submit" name="decision" value="allow">Allow</button> '
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
        f'<p><a href="{CONSENT_PATH}?request={escape(row.id)}&amp;switch=1">Not you?</a></p>'
    )
    return _page("Authorize " + name, body, 400 if error else 200, _origin(redirect))


@router.get(CONSENT_PATH)
async def consent_page(
    request: Request,
    state: StateDep,
    manager: Manager,
    request_id: Annotated[str, Query(alias="request")],
    switch: bool = False,
) -> Response:
    pending = await _pending(state, request_id)
    if pending is None:
        return _problem(GONE)
    row, client = pending
    user = None if switch else await _logged_in(request, manager)
    if user is None:
        response: Response = _login_form(row.id, str(client.info.get("client_name") or "a client"))
        if switch:
            response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response
    return await _consent_form(state, row, client, user)


@router.post(LOGIN_PATH)
async def login(
    request: Request,
    state: StateDep,
    manager: Manager,
    request_id: Annotated[str, Form(alias="request")],
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    pending = await _pending(state, request_id)
    if pending is None:
        return _problem(GONE)
    row, client = pending
    credentials = OAuth2PasswordRequestForm(username=username, password=password)
    user = await manager.authenticate(credentials)
    if user is None or not user.is_active:
        name = str(client.info.get("client_name") or "a client")
        return _login_form(row.id, name, "Wrong e-mail or password.")
    response = RedirectResponse(f"{CONSENT_PATH}?request={row.id}", status_code=303)
    response.set_cookie(
        COOKIE,
        await _strategy(request).write_token(user),
        max_age=LOGIN_LIFETIME_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post(CONSENT_PATH)
async def consent(
    request: Request,
    state: StateDep,
    manager: Manager,
    request_id: Annotated[str, Form(alias="request")],
    csrf: Annotated[str, Form()],
    decision: Annotated[str, Form()],
    workspace: Annotated[list[str] | None, Form()] = None,
    writes: Annotated[str | None, Form()] = None,
) -> Response:
    pending = await _pending(state, request_id)
    if pending is None:
        return _problem(GONE)
    row, client = pending
    user = await _logged_in(request, manager)
    if (
        user is None
        or row.user_id != user.id
        or row.csrf is None
        or not secrets.compare_digest(row.csrf.encode(), csrf.encode())
    ):
        return _problem("This consent form is stale or not yours: reload the page.", 403)
    try:
        issuer = urls_for(request).issuer
    except OAuthUnavailable as exc:
        return _problem(str(exc), 503)
    answer = {"state": row.request["state"], "iss": issuer}
    if decision != "allow":
        await _finish(state, row, code_hash=None)
        target = construct_redirect_uri(
            row.request["redirect_uri"],
            error="access_denied",
            error_description="the user denied the request",
            **answer,
        )
        return RedirectResponse(target, status_code=303)
    mine = state.workspaces.names_for(user)
    chosen = [name for name in mine if name in (workspace or [])]
    if not chosen:
        return await _consent_form(state, row, client, user, "Pick at least one workspace.")
    scopes = [READ_SCOPE]
    if writes == "on" and WRITE_SCOPE in row.request["scopes"]:
        scopes.append(WRITE_SCOPE)
    code = secrets.token_urlsafe(32)
    if not await _finish(state, row, code_hash=token_hash(code), workspaces=chosen, scopes=scopes):
        return _problem(GONE)
    target = construct_redirect_uri(row.request["redirect_uri"], code=code, **answer)
    return RedirectResponse(target, status_code=303)


async def _finish(
    state: WebState,
    row: OAuthAuthorization,
    *,
    code_hash: str | None,
    workspaces: list[str] | None = None,
    scopes: list[str] | None = None,
) -> bool:
    """Turn the pending request into a code (or, denied, end it); ``False`` if it was already."""
    async with state.db.write() as session:
        if code_hash is None:
            await session.execute(
                delete(OAuthAuthorization).where(col(OAuthAuthorization.id) == row.id)
            )
            return True
        result = await session.execute(
            update(OAuthAuthorization)
            .where(col(OAuthAuthorization.id) == row.id)
            .where(col(OAuthAuthorization.code_hash).is_(None))
            .values(
                code_hash=code_hash,
                csrf=None,
                workspaces=workspaces or [],
                scopes=scopes or [READ_SCOPE],
                expires_at=utcnow() + CODE_LIFETIME,
            )
        )
        return affected(result) == 1
