"""fastapi-users' routes: register, JWT login/logout, ``/users/me`` and superuser admin."""

from __future__ import annotations

from fastapi import APIRouter

from web.auth.users import UserCreate, UserRead, UserUpdate, fastapi_users, jwt_backend

router = APIRouter()
router.include_router(fastapi_users.get_auth_router(jwt_backend), prefix="/auth/jwt", tags=["auth"])
router.include_router(
    fastapi_users.get_register_router(UserRead, UserCreate), prefix="/auth", tags=["auth"]
)
router.include_router(
    fastapi_users.get_users_router(UserRead, UserUpdate), prefix="/users", tags=["users"]
)
