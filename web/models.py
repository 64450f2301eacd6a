"""Every table, on one metadata (``SQLModel.metadata``).

fastapi-users has no SQLModel adapter, so the ``user`` table is a SQLAlchemy declarative class
whose base shares ``SQLModel.metadata``; one ``create_all`` or one Alembic migration creates it
with the SQLModel tables, and their foreign keys point at it. User ids use fastapi-users' ``GUID``
type everywhere so both sides store them the same way (CHAR(36) on SQLite, UUID on PostgreSQL).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTableUUID
from fastapi_users_db_sqlalchemy.generics import GUID
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase
from sqlmodel import Field, SQLModel

metadata: MetaData = SQLModel.metadata

ConversationKind = Literal["chat", "run"]
RunStatus = Literal["idle", "running", "needs_approval", "needs_input", "failed", "cancelled"]
MessageStatus = Literal["complete", "cancelled", "failed"]
ApprovalStatus = Literal["pending", "approved", "denied", "expired"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def _user_fk(*, index: bool = True) -> Any:
    return Field(
        sa_column=Column(
            GUID, ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=index
        )
    )


class Base(DeclarativeBase):
    """Declarative base for fastapi-users' table, on the SQLModel metadata."""

    metadata = SQLModel.metadata


class User(SQLAlchemyBaseUserTableUUID, Base):
    """A person using the server (fastapi-users' table: email, password hash, flags)."""


class AccessToken(SQLModel, table=True):
    """A long-lived token for CLI and MCP clients; only its hash is stored."""

    __tablename__: ClassVar[str] = "access_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True, sa_type=GUID)
    user_id: uuid.UUID = _user_fk()
    name: str = Field(max_length=200)
    token_hash: str = Field(max_length=128, unique=True, index=True)
    created_at: datetime = _when()
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Conversation(SQLModel, table=True):
    """A chat, or a one-shot run (``kind="run"``): the messages live in ``message``."""

    __tablename__: ClassVar[str] = "conversation"
    __table_args__ = (Index("ix_conversation_user_kind_updated", "user_id", "kind", "updated_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True, sa_type=GUID)
    user_id: uuid.UUID = _user_fk(index=False)
    kind: str = Field(default="chat", max_length=16)
    title: str = Field(default="New conversation", max_length=200)
    workspace: str = Field(max_length=100)
    status: str = Field(default="idle", max_length=20)
    """How the last turn ended (idle, needs_approval, needs_input, failed, cancelled); a turn in
    progress is ``active_run``, whose status the run engine keeps."""
    active_run: str | None = Field(default=None, max_length=100)
    """The id of the durable workflow running this conversation's turn, while one runs."""
    error: str | None = Field(default=None, sa_type=Text)
    options: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    """A run's options (auto_approve, dry_run), kept for its continuation."""
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Message(SQLModel, table=True):
    """One pydantic-ai model message (request or response), as its JSON."""

    __tablename__: ClassVar[str] = "message"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: uuid.UUID = Field(
        sa_column=Column(
            GUID, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    seq: int
    kind: str = Field(max_length=16)
    status: str = Field(default="complete", max_length=16)
    data: str = Field(sa_type=Text)
    created_at: datetime = _when()


class PendingApproval(SQLModel, table=True):
    """A write the server holds until its user approves or denies it.

    ``conversation_id`` is set for chats and one-shot runs, unset for direct tool calls. The
    arguments executed are these (or explicitly edited ones, validated again), never ones the
    client sends back with the approval.
    """

    __tablename__: ClassVar[str] = "pending_approval"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True, sa_type=GUID)
    user_id: uuid.UUID = _user_fk()
    conversation_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            GUID, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    tool_call_id: str = Field(max_length=200)
    tool: str = Field(max_length=100)
    args: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    workspace: str = Field(max_length=100)
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = _when()
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ExecutedWrite(SQLModel, table=True):
    """One executed write (who, what, result), so a retried call is not executed twice; a row
    with ``completed`` False is a write started and never finished (outcome unknown)."""

    __tablename__: ClassVar[str] = "executed_write"
    __table_args__ = (Index("ix_executed_write_tool_key", "tool", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    tool: str = Field(max_length=100)
    key: str = Field(max_length=128)
    actor: str | None = Field(default=None, max_length=100)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _when()
    completed: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )


class Usage(SQLModel, table=True):
    """Model usage of one agent run, per user (for quotas and reports)."""

    __tablename__: ClassVar[str] = "usage"
    __table_args__ = (Index("ix_usage_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: uuid.UUID = _user_fk(index=False)
    conversation_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(GUID, ForeignKey("conversation.id", ondelete="SET NULL"), nullable=True),
    )
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    created_at: datetime = _when()


class IntegrationCredential(SQLModel, table=True):
    """A user's credentials for one service (github, notion, jira), encrypted at rest.

    ``secret`` is a Fernet token of the JSON fields (see ``web.integrations.secret_box``);
    nothing of the value is stored in clear."""

    __tablename__: ClassVar[str] = "integration_credential"
    __table_args__ = (
        UniqueConstraint("user_id", "service", name="uq_integration_credential_user_service"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: uuid.UUID = _user_fk(index=False)
    service: str = Field(max_length=16)
    secret: str = Field(sa_type=Text)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class OAuthClient(SQLModel, table=True):
    """An OAuth client registered dynamically (RFC 7591) by an MCP client.

    ``info`` is the registration as the SDK models it (``OAuthClientInformationFull``) without
    the secret; ``secret`` is the client secret encrypted like integration credentials (the SDK
    compares it in clear at the token endpoint), ``None`` for public clients."""

    __tablename__: ClassVar[str] = "oauth_client"

    client_id: str = Field(primary_key=True, max_length=100)
    info: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    secret: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _when()


class OAuthAuthorization(SQLModel, table=True):
    """One authorization request: pending while the user logs in and consents, then the
    authorization code (its hash), used once.

    ``request`` holds the validated ``/authorize`` parameters (redirect URI, PKCE challenge,
    state, scopes, resource); ``csrf`` the token of the consent form last shown to ``user_id``.
    """

    __tablename__: ClassVar[str] = "oauth_authorization"

    id: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(
        sa_column=Column(
            String(100), ForeignKey("oauth_client.client_id", ondelete="CASCADE"), nullable=False
        )
    )
    request: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    user_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(GUID, ForeignKey("user.id", ondelete="CASCADE"), nullable=True),
    )
    csrf: str | None = Field(default=None, max_length=64)
    code_hash: str | None = Field(default=None, max_length=128, unique=True, index=True)
    workspaces: list[str] = Field(default_factory=list, sa_type=JSON)
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    grant_id: uuid.UUID | None = Field(default=None, sa_type=GUID)
    created_at: datetime = _when()


class OAuthGrant(SQLModel, table=True):
    """What a user consented to for one client: the workspaces, whether writes are allowed
    (scope ``mcp:write``), the resource the tokens are bound to (RFC 8707), and the current
    access and refresh tokens (hashes; both rotate on refresh). Deleting it revokes both."""

    __tablename__: ClassVar[str] = "oauth_grant"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True, sa_type=GUID)
    user_id: uuid.UUID = _user_fk()
    client_id: str = Field(
        sa_column=Column(
            String(100), ForeignKey("oauth_client.client_id", ondelete="CASCADE"), nullable=False
        )
    )
    client_name: str = Field(max_length=200)
    workspaces: list[str] = Field(default_factory=list, sa_type=JSON)
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    resource: str = Field(sa_type=Text)
    access_hash: str = Field(max_length=128, unique=True, index=True)
    access_expires_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    refresh_hash: str = Field(max_length=128, unique=True, index=True)
    previous_refresh_hash: str | None = Field(default=None, max_length=128, index=True)
    refresh_expires_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    created_at: datetime = _when()
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class RevokedToken(SQLModel, table=True):
    """A login JWT ended by logout before it expired: a deny-list by the token's SHA-256.

    Rows are useless once ``expires_at`` passes (the JWT is refused as expired) and are deleted
    by the next logout."""

    __tablename__: ClassVar[str] = "revoked_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False, index=True)


class Invite(SQLModel, table=True):
    """An invite code (registration mode ``invite``), stored as its SHA-256; used once."""

    __tablename__: ClassVar[str] = "invite"

    code_hash: str = Field(primary_key=True, max_length=64)
    created_at: datetime = _when()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
