"""The OAuth endpoints on the web app, built from the ``mcp`` SDK's handlers.

- ``/.well-known/oauth-protected-resource/mcp`` (and without ``/mcp``): RFC 9728 metadata of
  the resource ``/mcp``, naming this server as its authorization server;
- ``/.well-known/oauth-authorization-server``: RFC 8414 metadata (PKCE ``S256`` only,
  registration, revocation, RFC 9207 ``iss`` in authorization responses);
- ``/authorize``, ``/token``, ``/register`` (RFC 7591), ``/revoke`` (RFC 7009): the SDK's
  handlers over a provider made for each request (the issuer may be the request's own URL).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from mcp.server.auth.handlers.authorize import AuthorizationHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.revoke import RevocationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.json_response import PydanticJSONResponse
from mcp.server.auth.middleware.client_auth import ClientAuthenticator
from mcp.server.auth.routes import build_metadata, cors_middleware
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import ProtectedResourceMetadata
from pydantic import AnyHttpUrl, ConfigDict, TypeAdapter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web.auth.oauth import pages
from web.auth.oauth.provider import SCOPES, OAuthProvider
from web.auth.oauth.urls import (
    AUTHORIZATION_SERVER_PATH,
    MCP_PATH,
    PROTECTED_RESOURCE_PATH,
    OAuthUnavailable,
    OAuthUrls,
    urls_for,
)
from web.state import WebState

REGISTRATION = ClientRegistrationOptions(enabled=True, valid_scopes=SCOPES, default_scopes=SCOPES)
REVOCATION = RevocationOptions(enabled=True)
METADATA_CACHE = {"Cache-Control": "public, max-age=3600"}

Handler = Callable[[Request], Awaitable[Response]]
URL = TypeAdapter(AnyHttpUrl, config=ConfigDict(url_preserve_empty_path=True))
"""A base URL stays without a trailing slash: issuers compare as strings (RFC 8414 §3.3)."""


def _unavailable(exc: OAuthUnavailable) -> Response:
    body = {"error": "temporarily_unavailable", "error_description": str(exc)}
    return JSONResponse(body, status_code=503, headers={"Cache-Control": "no-store"})


def _with_urls(handle: Callable[[Request, OAuthUrls], Awaitable[Response]]) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            urls = urls_for(request)
        except OAuthUnavailable as exc:
            return _unavailable(exc)
        return await handle(request, urls)

    return endpoint


def _with_provider(make: Callable[[OAuthProvider], Handler]) -> Handler:
    async def handle(request: Request, urls: OAuthUrls) -> Response:
        state: WebState = request.app.state.web
        return await make(OAuthProvider(state, urls))(request)

    return _with_urls(handle)


async def resource_metadata(request: Request, urls: OAuthUrls) -> Response:
    metadata = ProtectedResourceMetadata(
        resource=URL.validate_python(urls.resource),
        authorization_servers=[URL.validate_python(urls.issuer)],
        scopes_supported=SCOPES,
        resource_name="fast-genai MCP server",
    )
    return PydanticJSONResponse(content=metadata, headers=METADATA_CACHE)


async def server_metadata(request: Request, urls: OAuthUrls) -> Response:
    metadata = build_metadata(URL.validate_python(urls.issuer), None, REGISTRATION, REVOCATION)
    metadata.authorization_response_iss_parameter_supported = True
    return PydanticJSONResponse(content=metadata, headers=METADATA_CACHE)


def _token(provider: OAuthProvider) -> Handler:
    handler = TokenHandler(provider, ClientAuthenticator(provider))
    return handler.handle


def _register(provider: OAuthProvider) -> Handler:
    return RegistrationHandler(provider, options=REGISTRATION).handle


def _revoke(provider: OAuthProvider) -> Handler:
    return RevocationHandler(provider, ClientAuthenticator(provider)).handle


def _authorize(provider: OAuthProvider) -> Handler:
    return AuthorizationHandler(provider).handle


def install_oauth(app: FastAPI) -> None:
    """Add the OAuth endpoints and the login and consent pages to ``app``."""
    read = ["GET", "OPTIONS"]
    post = ["POST", "OPTIONS"]
    routes: list[Any] = [
        Route(
            PROTECTED_RESOURCE_PATH + MCP_PATH,
            cors_middleware(_with_urls(resource_metadata), read),
            methods=read,
        ),
        Route(
            PROTECTED_RESOURCE_PATH,
            cors_middleware(_with_urls(resource_metadata), read),
            methods=read,
        ),
        Route(
            AUTHORIZATION_SERVER_PATH,
            cors_middleware(_with_urls(server_metadata), read),
            methods=read,
        ),
        # no CORS on /authorize: browsers are sent there, scripts have no business with it
        Route("/authorize", _with_provider(_authorize), methods=["GET", "POST"]),
        Route("/token", cors_middleware(_with_provider(_token), post), methods=post),
        Route("/register", cors_middleware(_with_provider(_register), post), methods=post),
        Route("/revoke", cors_middleware(_with_provider(_revoke), post), methods=post),
    ]
    app.router.routes.extend(routes)
    app.include_router(pages.router)
