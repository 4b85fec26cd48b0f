"""Request dependencies: the database session and who is asking. Roles and hub limits are checked here, once.

Two ways to prove who you are, same token underneath:
- the admin API takes ``Authorization: Bearer <token>``;
- the browser pages log in with the token once and then carry a signed, http-only session cookie that names
  the account (id + a prefix of its token hash, so revoking the token ends the session too) and a random
  session id (logging out ends that session on the server).

A request authenticated by the cookie that changes anything must come from our own pages (``same_origin``):
``optional_user`` checks it for every such request, and the log-in and log-out routes check it themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from hubdesk import metrics
from hubdesk.db import get_session
from hubdesk.models import Role, User
from hubdesk.settings import get_settings
from hubdesk.users import (
    SESSION_MAX_AGE,
    active_user,
    end_session,
    new_session_id,
    session_ended,
    user_for_token,
)

SESSION_COOKIE = "hubdesk_session"
TOKEN_HASH_PREFIX = 16

SessionDep = Annotated[Session, Depends(get_session)]
_bearer = HTTPBearer(auto_error=False, description="An access token from `hubdesk users add`")


def _serializer() -> URLSafeTimedSerializer:
    secret = get_settings().HUBDESK_SECRET_KEY.get_secret_value()
    return URLSafeTimedSerializer(secret, salt="hubdesk.session")


def set_session_cookie(response: Response, request: Request, user: User) -> None:
    """Log the browser in as ``user``, in a session of its own that logging out ends on the server."""
    value = _serializer().dumps({"u": user.id, "t": user.token_hash[:TOKEN_HASH_PREFIX], "s": new_session_id()})
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


def _cookie_data(cookie: str | None) -> dict | None:
    """The signed content of a session cookie, if it is ours, unexpired and complete."""
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=SESSION_MAX_AGE)
    except BadSignature:  # includes an expired signature
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or isinstance(data.get("u"), bool):
        return None
    prefix, session_id = data.get("t"), data.get("s")
    if not isinstance(prefix, str) or len(prefix) != TOKEN_HASH_PREFIX or not isinstance(session_id, str):
        return None
    return data


def _cookie_user(session: Session, cookie: str) -> User | None:
    data = _cookie_data(cookie)
    if data is None or session_ended(session=session, session_id=data["s"]):
        return None
    return active_user(session=session, user_id=data["u"], token_hash_prefix=data["t"])


def end_browser_session(session: Session, request: Request) -> None:
    """Logging out: the cookie's session is ended on the server, so a saved copy of it stops working."""
    data = _cookie_data(request.cookies.get(SESSION_COOKIE))
    if data is not None:
        end_session(session=session, session_id=data["s"])


# ---- cross-site request forgery -------------------------------------------------------------------------
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def same_origin(request: Request) -> bool:
    """Whether a browser sent this request from one of our own pages.

    ``Sec-Fetch-Site`` (every current browser) must be ``same-origin`` (or ``none``: typed, bookmarked); a
    page on another origin of the same site ("same-site") is refused as well, since SameSite=Lax lets its
    forms carry the cookie. Without it, ``Origin`` must name this host. With neither, the request is not from
    a browser page (a browser sends at least one of them on any cross-origin POST), so no cookie was forged.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and bool(host) and urlsplit(origin).netloc.lower() == host.lower()


def forbid_cross_site(request: Request) -> None:
    """Refuse a state change a page of another origin asked the visitor's browser to make (403)."""
    if request.method not in SAFE_METHODS and not same_origin(request):
        metrics.refused("cross_origin")
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="cross-origin request refused")


SameOrigin = Depends(forbid_cross_site)


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
    if not cookie:
        return None
    user = _cookie_user(session, cookie)
    if user is not None:
        forbid_cross_site(request)  # every cookie-authenticated state change, wherever its route is
    return user


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


HubQuery = Annotated[
    str | None,
    Query(description="a hub id; empty or left out: every hub you may see", max_length=64,
          pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$"),  # knowledge_base.schema.ID_PATTERN, or empty
]
"""The ``?hub=`` of every list and report. The pattern is what keeps a NUL or a quote from reaching SQL: an
admin's hub is not checked against a user's limit, and PostgreSQL answers a NUL in a parameter with an error."""


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
