"""Who may open an account, and a registration that does not tell whether an address exists.

``FAST_GENAI_REGISTRATION``: ``open`` (anyone; the default, for a single-user machine),
``invite`` (an invite code from ``fast-genai users invite``, used once) or ``closed`` (only
``fast-genai users create``).

fastapi-users' own register route answers ``400 REGISTER_USER_ALREADY_EXISTS`` for a taken
address, which lets anyone test addresses. This route answers a taken address exactly as a new
one: 201 with a user body (a fresh random id that belongs to nobody), after the same password
checks and the same password hashing, so status, body and time match. The owner of the
address keeps their account and password; whoever registered it again cannot log in.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Annotated, ClassVar, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi_users import InvalidPasswordException, exceptions
from pydantic import Field
from sqlalchemy import update
from sqlmodel import col

from tools.errors import ToolError
from web.auth.users import UserCreate, UserManager, UserRead, get_user_manager
from web.db import Database
from web.models import Invite, utcnow
from web.state import StateDep

RegistrationMode = Literal["open", "invite", "closed"]
INVITE_PREFIX = "fgi_"


class RegistrationRefused(ToolError):
    code: ClassVar[str] = "registration_closed"
    status: ClassVar[int] = 403


class InviteRefused(ToolError):
    code: ClassVar[str] = "invalid_invite"
    status: ClassVar[int] = 403


class RegisterRequest(UserCreate):
    invite: str | None = Field(
        default=None, description="An invite code (needed when registration is by invite)."
    )


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def create_invite(db: Database, *, days: float) -> str:
    """A new invite code, valid for ``days``; only its hash is stored."""
    code = INVITE_PREFIX + secrets.token_urlsafe(18)
    async with db.write() as session:
        session.add(Invite(code_hash=_hash(code), expires_at=utcnow() + timedelta(days=days)))
    return code


async def _claim_invite(db: Database, code: str | None) -> None:
    if not code or not code.strip():
        raise InviteRefused(
            "registration on this server needs an invite code",
            hint="ask an administrator for one (fast-genai users invite)",
        )
    now = utcnow()
    claim = (
        update(Invite)
        .where(col(Invite.code_hash) == _hash(code))
        .where(col(Invite.used_at).is_(None))
        .where(col(Invite.expires_at) > now)
        .values(used_at=now)
    )
    async with db.write() as session:
        result = await session.execute(claim)
    if getattr(result, "rowcount", 0) != 1:
        raise InviteRefused("this invite code is unknown, used or expired")


router = APIRouter()


@router.post(
    "/register",
    status_code=201,
    response_model=UserRead,
    name="register:register",
    summary="Register",
    responses={
        400: {"description": "The password does not meet the rules."},
        403: {"description": "Registration is closed, or the invite code is missing or spent."},
    },
)
async def register(
    request: Request,
    body: RegisterRequest,
    state: StateDep,
    manager: Annotated[UserManager, Depends(get_user_manager)],
) -> UserRead:
    """Create an account. A taken address gets the same answer as a new one."""
    mode: RegistrationMode = state.settings.registration
    if mode == "closed":
        raise RegistrationRefused(
            "registration is closed on this server",
            hint="an administrator creates accounts (fast-genai users create)",
        )
    user_create = UserCreate.model_validate(body.model_dump(exclude={"invite"}))
    try:
        await manager.validate_password(user_create.password, user_create)
    except InvalidPasswordException as exc:
        raise HTTPException(
            400, {"code": "REGISTER_INVALID_PASSWORD", "reason": exc.reason}
        ) from None
    if mode == "invite":
        await _claim_invite(state.db, body.invite)
    try:
        user = await manager.create(user_create, safe=True, request=request)
    except exceptions.UserAlreadyExists:
        manager.password_helper.hash(user_create.password)  # the work a new account costs
        return UserRead(
            id=uuid.uuid4(),
            email=user_create.email,
            is_active=True,
            is_superuser=False,
            is_verified=False,
        )
    return UserRead.model_validate(user, from_attributes=True)
