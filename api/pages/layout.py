"""The page shell shared by the server-rendered pages: one stylesheet (phone first, printable) and one small
script, both served from this origin (``/pages/pages.css``, ``/pages/pages.js``): the Content-Security-Policy
allows no inline script or style."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from fastapi import Request, Response

from hubdesk.i18n import LANGUAGES

CSS = """
:root { --ink:#1d2733; --muted:#5b6775; --line:#d8dee6; --accent:#0057b7; --accent2:#ffd700; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink);
       background:var(--bg); }
header { background:var(--accent); color:#fff; padding:.6rem 1rem; display:flex; flex-wrap:wrap; gap:.5rem;
         align-items:center; justify-content:space-between; border-bottom:4px solid var(--accent2); }
header a, header button { color:#fff; }
header h1 { font-size:1.1rem; margin:0; }
.langs { font-size:.9rem; } .langs a { color:#fff; }
main { max-width:60rem; margin:0 auto; padding:1rem; }
section { background:#fff; border:1px solid var(--line); border-radius:.5rem; padding:1rem; margin:0 0 1rem; }
h2 { font-size:1.05rem; margin:0 0 .6rem; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:.25rem .4rem; border-bottom:1px solid var(--line); }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(9rem, 1fr)); gap:.6rem; }
.card { border:1px solid var(--line); border-radius:.4rem; padding:.5rem .7rem; }
.card b { display:block; font-size:1.5rem; }
.muted { color:var(--muted); font-size:.9rem; }
.error { background:#fde8e8; border-color:#e0a0a0; }
form.inline { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; }
form.logout { display:inline; }
label { display:flex; flex-direction:column; font-size:.9rem; gap:.2rem; }
input, select, button { font:inherit; padding:.35rem .5rem; }
button.link { background:none; border:none; text-decoration:underline; cursor:pointer; padding:0; }
svg { width:100%; max-width:40rem; height:auto; display:block; margin:0 0 .8rem; }
svg text { font:12px system-ui, sans-serif; fill:var(--ink); }
.bar { fill:var(--accent); } .bar.hidden { fill:#fff; stroke:var(--accent); stroke-dasharray:3 2; }
.line { fill:none; stroke:var(--accent); stroke-width:2.5; } .dot { fill:var(--accent); }
.axis { stroke:var(--line); }
@media print {
  body { background:#fff; font-size:11pt; }
  header { background:none; color:var(--ink); border-bottom:2px solid var(--ink); }
  header a, header button, .noprint, form.inline { display:none !important; }
  main { max-width:none; padding:0; }
  section { border:none; padding:0; margin:0 0 1rem; break-inside:avoid; }
  .bar { fill:#555; } .line { stroke:#000; } .dot { fill:#000; }
}
"""


LANG_COOKIE = "hubdesk_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def page_language(request: Request) -> str:
    """``?lang=`` if given, else the language chosen before (a cookie), else the browser's first language we
    have, else Ukrainian."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return "uk"


def remember_language(response: Response, request: Request, lang: str) -> Response:
    """Keep the page language a person chose (``?lang=`` or the login form) for their next visit."""
    if lang in LANGUAGES and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, httponly=True, samesite="lax", path="/",
            secure=request.url.scheme == "https",
        )
    return response


def language_switch(lang: str, path: str, params: dict[str, str] | None = None) -> str:
    """Links to the same page in the other languages, each named in itself."""
    from hubdesk.api.pages.names import SELF_NAMES

    links = []
    for code in LANGUAGES:
        if code == lang:
            links.append(f'<b lang="{code}" aria-current="true">{e(SELF_NAMES[code])}</b>')
        else:
            query = urlencode({**(params or {}), "lang": code})
            links.append(f'<a lang="{code}" hreflang="{code}" href="{e(path)}?{e(query)}">{e(SELF_NAMES[code])}</a>')
    return f'<nav class="langs noprint" aria-label="Мова · Taal · Language">{" · ".join(links)}</nav>'


def page(*, title: str, lang: str, body: str, header_extra: str = "") -> str:
    """A whole HTML document; ``body`` and ``header_extra`` are trusted HTML built with ``e()``."""
    return (
        f'<!doctype html><html lang="{e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{e(title)}</title><link rel="stylesheet" href="/pages/pages.css">'
        '<script src="/pages/pages.js" defer></script></head><body>'
        f"<header><h1>{e(title)}</h1>{header_extra}</header><main>{body}</main></body></html>"
    )


# What the pages' buttons do without inline handlers: a button with ``data-print`` prints the page.
SCRIPT = """document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
"""


def e(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape(str(value), quote=True)


def safe_next(target: str | None, default: str) -> str:
    """Only local paths after log-in, so the login form cannot bounce a volunteer to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
