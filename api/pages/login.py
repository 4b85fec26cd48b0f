"""The one log-in page, for volunteers and coordinators: paste the access token once; the browser then keeps a
signed session cookie and goes on to the page it came from (or the one for the account's role)."""

from __future__ import annotations

from hubdesk.api.pages.layout import e, language_switch, page
from hubdesk.i18n import translator


def login_page(*, lang: str, next_url: str, error: str | None = None) -> str:
    t = translator(lang)
    problem = f'<section class="error" role="alert">{e(error)}</section>' if error else ""
    token_label = t.gettext("Access token")
    submit = t.gettext("Log in")
    hint = t.gettext("Your coordinator gives you a token (hubdesk users add).")
    body = (
        f'{problem}<section><form method="post" action="/login">'
        f'<input type="hidden" name="next" value="{e(next_url)}">'
        f'<input type="hidden" name="lang" value="{e(lang)}">'
        f"<label>{e(token_label)}"
        '<input name="token" type="password" autocomplete="current-password" required autofocus></label>'
        f'<p><button type="submit">{e(submit)}</button></p>'
        f'<p class="muted">{e(hint)}</p>'
        "</form></section>"
    )
    switch = language_switch(lang, "/login", {"next": next_url})
    return page(title=t.gettext("HubDesk: log in"), lang=lang, body=body, header_extra=switch)
