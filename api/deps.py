"""Request dependencies: the database session and who is asking. Roles and hub limits are checked here, once.

Two ways to prove who you are, same token underneath:
- the admin API takes ``Authorization: Bearer <token>``;
- the browser pages log in with the token once and then carry a signed, http-only session cookie that names
  the account (id + a prefix of its token hash, so revoking the token ends the session too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from hubdesk.db import get_session
from hubdesk.models import Role, User
from hubdesk.settings import get_settings
from hubdesk.users import active_user, user_for_token

SESSION_COOKIE = "hubdesk_session"
SESSION_MAX_AGE = 14 * 24 * 3600  # two weeks: volunteers on a phone should not log in every shift
TOKEN_HASH_PREFIX = 16

SessionDep = Annotated[Session, Depends(get_session)]
_bearer = HTTPBearer(auto_error=False, description="An access token from `hubdesk users add`")


def _serializer() -> URLSafeTimedSerializer:
    secret = get_settings().HUBDESK_SECRET_KEY.get_secret_value()
    return URLSafeTimedSerializer(secret, salt="hubdesk.session")


def set_session_cookie(response: Response, request: Request, user: User) -> None:
    """Log the browser in as ``user``."""
    value = _serializer().dumps({"u": user.id, "t": user.token_hash[:TOKEN_HASH_PREFIX]})
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",  # with http-only this keeps other sites from posting as the volunteer
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _cookie_user(session: Session, cookie: str) -> User | None:
    try:
        data = _serializer().loads(cookie, max_age=SESSION_MAX_AGE)
    except BadSignature:  # includes an expired signature
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    prefix = data.get("t")
    if not isinstance(prefix, str) or len(prefix) != TOKEN_HASH_PREFIX:
        return None
    return active_user(session=session, user_id=data["u"], token_hash_prefix=prefix)


def optional_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User | None:
    """The account behind the bearer token or the session cookie; None when neither is given.

    A bearer token that is given but unknown or revoked is an error, not an anonymous request.
    """
    if credentials is not None:
        user = user_for_token(session=session, token=credentials.credentials)
        if user is None:
            raise unauthorized("the access token is unknown or has been revoked")
        return user
    cookie = request.cookies.get(SESSION_COOKIE)
    return _cookie_user(session, cookie) if cookie else None


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise unauthorized("log in, or send an access token as 'Authorization: Bearer <token>'")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role | str) -> Callable[[User], User]:
    """A dependency admitting the given roles (an admin is always admitted)."""
    allowed = {Role(role).value for role in roles} | {Role.ADMIN.value}

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"this needs the role {' or '.join(sorted(allowed))}"
            )
        return user

    return check


def allowed_hub(user: User, requested: str | None) -> str | None:
    """The hub ``user`` may see for a request about ``requested`` (None = every hub).

    A volunteer or coordinator bound to a hub sees only that hub: asking for no hub means theirs, asking for
    another is refused.
    """
    if user.role == Role.ADMIN or user.hub_id is None:
        return requested
    if requested is not None and requested != user.hub_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"your account is limited to hub {user.hub_id!r}")
    return user.hub_id


CoordinatorUser = Annotated[User, Depends(require_role(Role.COORDINATOR))]
VolunteerUser = Annotated[User, Depends(require_role(Role.VOLUNTEER, Role.COORDINATOR))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]
