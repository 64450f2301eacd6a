"""The one error tree every tool raises.

Surfaces map these in one place each: the agent turns them into ``ModelRetry``, the web API into
JSON errors with a status code, the MCP server into ``isError`` results, the CLI into exit code 1.
"""

from __future__ import annotations

from typing import ClassVar


class ToolError(Exception):
    """A tool failed in a way the caller can understand and act on."""

    code: ClassVar[str] = "tool_error"
    status: ClassVar[int] = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class PathOutsideWorkspace(ToolError):
    code = "outside_workspace"
    status = 403


class HardLinkRefused(ToolError):
    """A regular file with more than one hard link (``FAST_GENAI_ALLOW_HARDLINKED_FILES``)."""

    code = "hard_linked"
    status = 403


class SecretFileRefused(ToolError):
    code = "secret_file"
    status = 403


class NotFound(ToolError):
    code = "not_found"
    status = 404


class AlreadyExists(ToolError):
    code = "already_exists"
    status = 409


class Conflict(ToolError):
    code = "conflict"
    status = 409


class WriteInterrupted(ToolError):
    """An identical write started earlier and was interrupted before its result was recorded:
    it may or may not have reached the service, so it is not sent again."""

    code = "write_interrupted"
    status = 409


class TooLarge(ToolError):
    code = "too_large"
    status = 413


class BinaryFile(ToolError):
    code = "binary_file"
    status = 415


class InvalidArgument(ToolError):
    code = "invalid_argument"
    status = 422


class Unsupported(ToolError):
    code = "unsupported"
    status = 422


class AddressNotAllowed(ToolError):
    """An outbound request to an internal address (loopback, private, link-local, ...) that the
    operator has not listed in ``FAST_GENAI_ALLOWED_INTERNAL_HOSTS``; nothing was sent."""

    code = "address_not_allowed"
    status = 400


class MissingCredential(ToolError):
    """A tool needs a credential that is not configured; the message names the setting."""

    code = "missing_credential"
    status = 424


class UpstreamError(ToolError):
    """A remote service (GitHub, Notion, Jira, the model) failed or refused."""

    code = "upstream_error"
    status = 502

    def __init__(
        self,
        message: str,
        *,
        service: str,
        upstream_status: int | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.service = service
        self.upstream_status = upstream_status
        self.retry_after = retry_after
