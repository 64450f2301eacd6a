"""fastapi-users' routes: JWT login/logout (logout revokes), ``/users/me`` and superuser admin;
registration is ours (``web.auth.registration``: modes, no address enumeration)."""

from __future__ import annotations

from fastapi import APIRouter

from web.auth import registration
from web.auth.users import UserRead, UserUpdate, fastapi_users, jwt_backend

router = APIRouter()
router.include_router(fastapi_users.get_auth_router(jwt_backend), prefix="/auth/jwt", tags=["auth"])
router.include_router(registration.router, prefix="/auth", tags=["auth"])
router.include_router(
    fastapi_users.get_users_router(UserRead, UserUpdate), prefix="/users", tags=["users"]
)
