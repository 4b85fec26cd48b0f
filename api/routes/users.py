"""Account administration for admins: list, create (the token is shown once), revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status

from hubdesk import users
from hubdesk.api.deps import AdminUser, SessionDep, require_role
from hubdesk.api.errors import INT32_MAX
from hubdesk.api.schemas.users import UserCreate, UserCreated, UserPublic, UsersPublic
from hubdesk.hubs import UnknownHubError
from hubdesk.models import Role

router = APIRouter(prefix="/api/v1/users", tags=["users"], dependencies=[Depends(require_role(Role.ADMIN))])


@router.get("", response_model=UsersPublic)
def list_users(session: SessionDep) -> UsersPublic:
    data = [UserPublic.of(user) for user in users.list_users(session=session)]
    return UsersPublic(data=data, count=len(data))


@router.post("", response_model=UserCreated, status_code=status.HTTP_201_CREATED,
             responses={404: {"description": "No such hub"}})
def create_user(body: UserCreate, session: SessionDep, _admin: AdminUser) -> UserCreated:
    try:
        user, token = users.create_user(session=session, name=body.name, role=body.role, hub_id=body.hub_id)
    except UnknownHubError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except users.UserError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    return UserCreated(**UserPublic.of(user).model_dump(), token=token)


@router.post("/{user_id}/revoke", response_model=UserPublic, responses={
    404: {"description": "No such account"}, 409: {"description": "An admin cannot revoke their own account"}})
def revoke_user(user_id: Annotated[int, Path(ge=1, le=INT32_MAX)], session: SessionDep, admin: AdminUser) -> UserPublic:
    if user_id == admin.id:  # nobody locks themselves (perhaps the last admin) out by a slip; the CLI still can
        raise HTTPException(status.HTTP_409_CONFLICT, detail="you cannot revoke your own account here")
    try:
        return UserPublic.of(users.revoke_user(session=session, user_id=user_id))
    except users.UserError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
