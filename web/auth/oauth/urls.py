"""Where the OAuth endpoints are: the issuer, the resource ``/mcp`` and the metadata URLs.

The issuer is ``FAST_GENAI_PUBLIC_URL`` when set, else the URL a request came in on. OAuth
wants HTTPS (RFC 8414 §2); plain HTTP is accepted for loopback names only, so a server behind
a TLS-terminating proxy must say its public URL. A Host header naming anything else over HTTP
(a DNS-rebinding attempt, a proxy without the setting) makes the endpoints unavailable rather
than advertise an issuer nobody can check.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, ValidationError
from starlette.requests import HTTPConnection

MCP_PATH = "/mcp"
PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource"
AUTHORIZATION_SERVER_PATH = "/.well-known/oauth-authorization-server"
CONSENT_PATH = "/oauth/consent"
LOGIN_PATH = "/oauth/login"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
PUBLIC_URL_SETTING = "FAST_GENAI_PUBLIC_URL"


class OAuthUnavailable(Exception):
    """No issuer can be named for this request (plain HTTP on a name that is not loopback)."""


@dataclass(frozen=True)
class OAuthUrls:
    issuer: str
    """The base URL, no trailing slash: ``https://genai.example.com``."""

    @property
    def resource(self) -> str:
        """The protected resource (RFC 8707 indicator) tokens are bound to."""
        return self.issuer + MCP_PATH

    @property
    def resource_metadata(self) -> str:
        """RFC 9728 §3.1: the well-known path with the resource's path appended."""
        return self.issuer + PROTECTED_RESOURCE_PATH + MCP_PATH

    def at(self, path: str) -> str:
        return self.issuer + path


def _acceptable(issuer: str) -> bool:
    parts = urlsplit(issuer)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK


def urls_for(request: HTTPConnection) -> OAuthUrls:
    """The OAuth URLs for this request; raises ``OAuthUnavailable`` (see the module)."""
    public: str | None = request.app.state.settings.public_url
    issuer = public or f"{request.url.scheme}://{request.url.netloc}"
    if not _acceptable(issuer):
        raise OAuthUnavailable(
            f"OAuth needs an https issuer; this request came in as {issuer}: set "
            f"{PUBLIC_URL_SETTING} to the server's public https URL"
        )
    return OAuthUrls(issuer)


def same_resource(a: str | None, b: str) -> bool:
    """Whether two resource indicators name the same URL (host case, default port and a
    trailing slash aside), as the SDK's own bearer check compares them."""
    try:
        left = str(AnyHttpUrl(a or ""))
        right = str(AnyHttpUrl(b))
    except ValidationError:
        return False
    return left.removesuffix("/") == right.removesuffix("/")
