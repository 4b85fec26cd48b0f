"""Logging in and out, and who am I: JSON for the volunteer page's script, a form for the HTML pages.

Both set the same signed, http-only session cookie (``api.deps``); the admin API takes the token as a
bearer token instead and needs none of this.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import (
    CurrentUser,
    SameOrigin,
    SessionDep,
    clear_session_cookie,
    end_browser_session,
    set_session_cookie,
    unauthorized,
)
from api.pages.layout import page_language, safe_next
from api.pages.login import login_page
from api.schemas.users import TokenLogin, UserPublic
from hubdesk.i18n import translator
from hubdesk.users import user_for_token

router = APIRouter(tags=["auth"])


@router.post("/api/v1/login/cookie", response_model=UserPublic, dependencies=[SameOrigin])
def login_cookie(body: TokenLogin, request: Request, response: Response, session: SessionDep) -> UserPublic:
    """Exchange an access token for a session cookie (the volunteer page's log-in)."""
    user = user_for_token(session=session, token=body.token.strip())
    if user is None:
        raise unauthorized("the access token is unknown or has been revoked")
    set_session_cookie(response, request, user)
    return UserPublic.of(user)


@router.post("/api/v1/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[SameOrigin])
def logout_api(request: Request, response: Response, session: SessionDep) -> None:
    end_browser_session(session, request)
    clear_session_cookie(response)


@router.get("/api/v1/users/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.of(user)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return HTMLResponse(login_page(lang=page_language(request), next_url=safe_next(next, "/coordinator")))


@router.post("/login", include_in_schema=False, dependencies=[SameOrigin])  # no login CSRF
def login_submit(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    lang: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    lang = lang if lang in ("uk", "nl", "en") else page_language(request)
    target = safe_next(next, "/coordinator")
    user = user_for_token(session=session, token=token.strip())
    if user is None:
        error = translator(lang).gettext("That token was not accepted. Check it, or ask your coordinator.")
        html = login_page(lang=lang, next_url=target, error=error)
        return HTMLResponse(html, status_code=status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, request, user)
    return response


@router.post("/logout", include_in_schema=False, dependencies=[SameOrigin])
def logout_page(request: Request, session: SessionDep) -> Response:
    end_browser_session(session, request)
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response
