"""The coordinator's announcements page: write (uk, nl, en), preview as Telegram and WhatsApp show it, send.

Plain server-rendered HTML forms (no script): the form posts, the preview page shows every reader language
exactly as the platforms get it, flags missing translations, and has the one "Send now" button.
"""

from __future__ import annotations

import re
from typing import Any

from hubdesk.announcements import service
from hubdesk.announcements.subscriptions import CATEGORY_IDS
from hubdesk.api.pages.layout import e, language_switch, page
from hubdesk.api.pages.names import name_of, names
from hubdesk.hubs import known_hub_ids
from hubdesk.i18n import LANGUAGES, Translator, _, translator
from hubdesk.models import Announcement, Role, User

CSS = """
.bubble { background:#fff; border:1px solid var(--line); border-radius:.8rem; padding:.6rem .8rem; max-width:26rem;
          white-space:pre-wrap; }
.tg { background:#eef6ff; } .wa { background:#e7fbe3; }
.kbd { display:flex; flex-wrap:wrap; gap:.3rem; margin:.3rem 0 0; max-width:26rem; }
.kbd span { flex:1 1 auto; text-align:center; border:1px solid var(--line); border-radius:.4rem; padding:.25rem;
            background:#fff; font-size:.9rem; }
.previews { display:grid; grid-template-columns:repeat(auto-fit, minmax(16rem, 1fr)); gap:1rem; }
textarea { font:inherit; width:100%; min-height:6rem; }
.flag { background:#fff7d6; border:1px solid #e8c84a; padding:.4rem .6rem; border-radius:.4rem; }
fieldset { border:1px solid var(--line); border-radius:.4rem; }
fieldset label { display:inline-flex; flex-direction:row; gap:.3rem; margin:0 .8rem .2rem 0; }
"""
# The extractor does not read inside f-strings: the labels used there are marked here.
MARKED = (
    _("Text in {language}"),
    _("Write an announcement"),
    _("Topics (none ticked: every subscriber of the hub)"),
    _("Article to link (optional)"),
    _("Send at (Amsterdam time; empty: send when you press Send now)"),
    _("Preview"),
    _("No subscribers yet."),
    _("Subscribers"),
    _("Total"),
    _("No announcements yet."),
    _("Announcements"),
    _("Send now"),
    _("Announcement #{id}"),
    _("All announcements"),
)
TELEGRAM_TAGS = re.compile(r"</?(b|i|u|s|code|pre|a)(\s+href=\"https?://[^\"<>]*\")?>")
LANGUAGE_LABELS = {"uk": "Українська", "nl": "Nederlands", "en": "English"}


def _telegram_html(html: str) -> str:
    """Telegram's HTML as our page shows it: only the tags Telegram itself allows, everything else as text."""
    if TELEGRAM_TAGS.sub("", html).count("<"):  # something else: show it escaped rather than trust it
        return e(html)
    return html


def _header(t: Translator, user: User, lang: str, path: str) -> str:
    log_out = t.gettext("Log out")
    report = t.gettext("Monthly report")
    return (f'{language_switch(lang, path)}<span class="noprint"><a href="/coordinator?lang={e(lang)}">{e(report)}</a>'
            f' · {e(user.name)} · <form method="post" action="/logout" style="display:inline">'
            f'<button class="link" type="submit">{e(log_out)}</button></form></span>')


def _page(t: Translator, lang: str, user: User, path: str, body: str) -> str:
    title = t.gettext("HubDesk: announcements")
    return page(title=title, lang=lang, body=f"<style>{CSS}</style>{body}", header_extra=_header(t, user, lang, path))


def _hubs_for(user: User) -> list[str]:
    if user.role == Role.ADMIN or user.hub_id is None:
        return sorted(known_hub_ids())
    return [user.hub_id]


def _status(t: Translator, status: str) -> str:
    return {"draft": t.gettext("draft"), "scheduled": t.gettext("scheduled"), "sending": t.gettext("sending"),
            "sent": t.gettext("sent")}.get(status, status)


def _form(t: Translator, lang: str, user: User, error: str | None, values: dict[str, Any]) -> str:
    from hubdesk.kb import knowledge_base

    kb = knowledge_base()
    hub_names = names(lang)["hubs"]
    hubs = "".join(f'<option value="{e(h)}"{" selected" if h == values.get("hub") else ""}>'
                   f"{e(name_of(hub_names, h))}</option>" for h in _hubs_for(user))
    chosen = set(values.get("topics") or [])
    topics = "".join(
        f'<label><input type="checkbox" name="topics" value="{e(c)}"{" checked" if c in chosen else ""}>'
        f"{e(kb.categories[c].name.get(lang) if c in kb.categories else c)}</label>" for c in CATEGORY_IDS)
    texts = "".join(
        f'<label>{e(t.gettext("Text in {language}").format(language=names(lang)["languages"][code]))}'
        f'<textarea name="text_{code}" lang="{code}" maxlength="{service.MAX_TEXT}">'
        f'{e(values.get("text_" + code, ""))}</textarea></label>' for code in LANGUAGES)
    articles = "".join(f'<option value="{e(a.id)}"{" selected" if a.id == values.get("article") else ""}>'
                       f"{e(a.title.get(lang))}</option>" for a in sorted(kb.articles.values(), key=lambda a: a.id))
    problem = f'<p class="error" role="alert">{e(error)}</p>' if error else ""
    return (
        f'<section><h2>{e(t.gettext("Write an announcement"))}</h2>{problem}'
        '<form method="post" action="/coordinator/announcements">'
        f'<input type="hidden" name="lang" value="{e(lang)}">'
        f'<label>{e(t.gettext("Hub"))}<select name="hub">{hubs}</select></label>'
        f'<fieldset><legend>{e(t.gettext("Topics (none ticked: every subscriber of the hub)"))}</legend>'
        f"{topics}</fieldset>"
        f"{texts}"
        f'<label>{e(t.gettext("Article to link (optional)"))}<select name="article"><option value="">—</option>'
        f"{articles}</select></label>"
        f'<label>{e(t.gettext("Send at (Amsterdam time; empty: send when you press Send now)"))}'
        f'<input type="datetime-local" name="send_at" value="{e(values.get("send_at", ""))}"></label>'
        f'<p><button type="submit">{e(t.gettext("Preview"))}</button></p></form></section>'
    )


def _subscribers(t: Translator, report: dict[str, Any], lang: str) -> str:
    hub_names = names(lang)["hubs"]
    rows = "".join(
        f'<tr><td>{e(name_of(hub_names, hub))}</td><td class="n">{e(data["total"])}</td>'
        + "".join(f'<td class="n">{e(data["languages"].get(code, 0))}</td>' for code in LANGUAGES) + "</tr>"
        for hub, data in report["hubs"].items())
    empty = f'<tr><td colspan="5" class="muted">{e(t.gettext("No subscribers yet."))}</td></tr>'
    head = "".join(f'<th class="n">{e(LANGUAGE_LABELS[code])}</th>' for code in LANGUAGES)
    return (f'<section><h2>{e(t.gettext("Subscribers"))}</h2><table><tr><th>{e(t.gettext("Hub"))}</th>'
            f'<th class="n">{e(t.gettext("Total"))}</th>{head}</tr>{rows or empty}</table></section>')


def _counts_row(t: Translator, counts: dict[str, int]) -> str:
    labels = [("recipients", t.gettext("recipients")), ("sent", t.gettext("sent")), ("failed", t.gettext("failed")),
              ("blocked", t.gettext("blocked")), ("unreachable", t.gettext("unreachable")),
              ("pending", t.gettext("pending")), ("unsubscribed_after", t.gettext("unsubscribed after it"))]
    return " · ".join(f'<span data-count="{key}">{e(label)}: <b>{e(counts.get(key, 0))}</b></span>'
                      for key, label in labels)


def list_page(*, lang: str, user: User, items: list[dict[str, Any]], subscribers: dict[str, Any],
              error: str | None = None, values: dict[str, Any] | None = None) -> str:
    t = translator(lang)
    rows = "".join(
        f'<tr><td><a href="/coordinator/announcements/{item["id"]}?lang={e(lang)}">#{item["id"]}</a></td>'
        f'<td>{e(_first_text(item))}</td><td>{e(_status(t, item["status"]))}</td>'
        f'<td>{_counts_row(t, item["counts"])}</td></tr>' for item in items)
    empty = f'<tr><td colspan="4" class="muted">{e(t.gettext("No announcements yet."))}</td></tr>'
    body = (_form(t, lang, user, error, values or {})
            + f'<section><h2>{e(t.gettext("Announcements"))}</h2><table>{rows or empty}</table></section>'
            + _subscribers(t, subscribers, lang))
    return _page(t, lang, user, "/coordinator/announcements", body)


def _first_text(item: dict[str, Any]) -> str:
    text = next(iter(item["text"].values()), "")
    return text if len(text) <= 80 else text[:79] + "…"


def _whatsapp(messages: list[dict[str, Any]]) -> str:
    parts = []
    for message in messages:
        if message.get("type") == "text":
            body, buttons = message["text"]["body"], []
        elif message.get("type") == "interactive":
            interactive = message["interactive"]
            body = interactive["body"]["text"]
            action = interactive.get("action", {})
            buttons = [b["reply"]["title"] for b in action.get("buttons", [])] or (
                [action["button"]] if action.get("button") else [])
        else:
            body, buttons = str(message), []
        keys = "".join(f"<span>{e(b)}</span>" for b in buttons)
        parts.append(f'<div class="bubble wa">{e(body)}</div>' + (f'<div class="kbd">{keys}</div>' if keys else ""))
    return "".join(parts)


def detail_page(*, lang: str, user: User, announcement: Announcement, public: dict[str, Any],
                preview: dict[str, Any]) -> str:
    """One announcement: the flags, the previews per reader language, Send now, and its counts."""
    t = translator(lang)
    flags = []
    language_names = names(lang)["languages"]
    for code in preview["missing_languages"]:
        fallback = language_names[preview["fallback_language"]]
        flags.append(t.gettext("No {language} text: readers in {language} get the {fallback} text.")
                     .format(language=language_names[code], fallback=fallback))
    flag_html = "".join(f'<p class="flag" data-flag="missing">⚠️ {e(f)}</p>' for f in flags)
    columns = []
    for code in LANGUAGES:
        data = preview["languages"][code]
        tg = data["telegram"]
        keys = "".join(f"<span>{e(b)}</span>" for row in tg["buttons"] for b in row)
        readers = t.gettext("Readers in {language}").format(language=language_names[code])
        columns.append(
            f'<div data-preview="{code}"><h3>{e(readers)}</h3>'
            f'<p class="muted">Telegram</p><div class="bubble tg" lang="{e(data["text_language"])}">'
            f'{_telegram_html(tg["text"])}</div><div class="kbd">{keys}</div>'
            f'<p class="muted">WhatsApp</p>{_whatsapp(data["whatsapp"])}</div>')
    status = public["status"]
    action = ""
    if status in ("draft", "scheduled"):
        when = (t.gettext("Scheduled for {when} (UTC).").format(when=public["send_at"].strftime("%d.%m.%Y %H:%M"))
                if status == "scheduled" and public["send_at"] else "")
        action = (f'<form method="post" action="/coordinator/announcements/{public["id"]}/send">'
                  f'<input type="hidden" name="lang" value="{e(lang)}"><p>{e(when)} '
                  f'<button type="submit">{e(t.gettext("Send now"))}</button></p></form>')
    body = (
        f'<section><h2>{e(t.gettext("Announcement #{id}").format(id=public["id"]))} · '
        f'<span data-status="{e(status)}">{e(_status(t, status))}</span></h2>{flag_html}{action}'
        f'<p>{_counts_row(t, public["counts"])}</p>'
        f'<p><a href="/coordinator/announcements?lang={e(lang)}">{e(t.gettext("All announcements"))}</a></p></section>'
        f'<section><h2>{e(t.gettext("Preview"))}</h2><div class="previews">{"".join(columns)}</div></section>'
    )
    return _page(t, lang, user, f"/coordinator/announcements/{public['id']}", body)
