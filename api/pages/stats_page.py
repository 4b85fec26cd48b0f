"""The coordinator's monthly page: cards, a bar chart of categories and a 12-month trend line as inline SVG.

Built from ``public_report`` only, so hidden counts ("<5") stay hidden: their bars are drawn as dashed
outlines of the threshold's length, never as their real size.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hubdesk.api.pages.layout import e, language_switch, page
from hubdesk.api.pages.names import name_of, names
from hubdesk.hubs import known_hub_ids
from hubdesk.i18n import Translator, translator
from hubdesk.models import Role, User

# Narrow view boxes: on a phone the SVG is drawn about 1:1, so 12px text stays readable; CSS caps the width.
BAR_W, ROW_H = 360, 34
TREND_W, TREND_H, PAD = 360, 200, 24


def _names(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Category names and article titles in ``lang``; ids when the knowledge base cannot be read."""
    try:
        from hubdesk.kb import knowledge_base

        kb = knowledge_base()
        categories = {c.id: f"{c.emoji} {c.name.get(lang)}".strip() for c in kb.categories.values()}
        articles = {a.id: a.title.get(lang) for a in kb.articles.values()}
        return categories, articles
    except Exception:  # the page must still show numbers if an article file is broken
        return {}, {}


def _value(count: Any) -> int | None:
    return count if isinstance(count, int) else None


def bar_chart(rows: list[tuple[str, Any]], *, min_count: int, title: str) -> str:
    """Horizontal bars, one per (label, public count), each label above its bar."""
    top = max([_value(c) or 0 for _, c in rows] + [min_count, 1])
    height = ROW_H * len(rows) + 4
    scale = (BAR_W - 40) / top
    parts = [f'<svg viewBox="0 0 {BAR_W} {height}" role="img" aria-label="{e(title)}"><title>{e(title)}</title>']
    for i, (label, count) in enumerate(rows):
        y = i * ROW_H
        value = _value(count)
        # a hidden count ("<5") is a dashed outline of half the threshold: never its real size
        width = max((value if value is not None else min_count / 2) * scale, 1)
        css = "bar" if value is not None else "bar hidden"
        parts.append(
            f'<text x="0" y="{y + 13}">{e(label)}</text>'
            f'<rect class="{css}" x="0" y="{y + 17}" width="{width:.1f}" height="12"/>'
            f'<text x="{width + 5:.1f}" y="{y + 28}">{e(count)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(points: list[dict[str, Any]], *, min_count: int, title: str) -> str:
    """Questions per month as a line; hidden months are hollow dots on the axis, labelled "<5"."""
    top = max([_value(p["questions"]) or 0 for p in points] + [min_count, 1])
    step = (TREND_W - 2 * PAD) / max(len(points) - 1, 1)
    base = TREND_H - 2 * PAD

    def y_of(v: float) -> float:
        return base - v / top * (base - PAD)

    parts = [
        f'<svg viewBox="0 0 {TREND_W} {TREND_H}" role="img" aria-label="{e(title)}"><title>{e(title)}</title>',
        f'<line class="axis" x1="{PAD}" y1="{base}" x2="{TREND_W - PAD}" y2="{base}"/>',
    ]
    line = []
    for i, point in enumerate(points):
        x = PAD + i * step
        value = _value(point["questions"])
        year, month = point["month"].split("-")
        parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">{e(month)}</text>')
        if i == 0 or month == "01":
            parts.append(f'<text x="{x:.1f}" y="{base + 32}" text-anchor="middle">{e(year)}</text>')
        if value is None:
            parts.append(f'<circle cx="{x:.1f}" cy="{base}" r="4" fill="#fff" stroke="currentColor"/>')
            parts.append(f'<text x="{x:.1f}" y="{base - 8}" text-anchor="middle">{e(point["questions"])}</text>')
            continue
        line.append(f"{x:.1f},{y_of(value):.1f}")
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y_of(value):.1f}" r="3.5"/>')
        parts.append(f'<text x="{x:.1f}" y="{y_of(value) - 8:.1f}" text-anchor="middle">{value}</text>')
    if len(line) > 1:
        parts.insert(2, f'<polyline class="line" points="{" ".join(line)}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _signed(change: int | None) -> str:
    return "–" if change is None else (f"{change:+d}" if change else "0")


def _table(t: Translator, heading: str, rows: list[tuple[str, Any]]) -> str:
    body = "".join(f'<tr><td>{e(k)}</td><td class="n">{e(v)}</td></tr>' for k, v in rows)
    none_text = t.gettext("None this month.")
    empty = f'<tr><td colspan="2" class="muted">{e(none_text)}</td></tr>'
    return f"<section><h2>{e(heading)}</h2><table>{body or empty}</table></section>"


def _controls(t: Translator, lang: str, user: User, month: str, hub: str | None) -> str:
    all_hubs = t.gettext("All hubs")
    hub_label = t.gettext("Hub")
    month_label = t.gettext("Month")
    show = t.gettext("Show")
    print_label = t.gettext("Print")
    hubs = ""
    hub_names = names(lang)["hubs"]
    if user.role == Role.ADMIN or user.hub_id is None:
        options = [f'<option value="">{e(all_hubs)}</option>'] + [
            f'<option value="{e(h)}"{" selected" if h == hub else ""}>{e(name_of(hub_names, h))}</option>'
            for h in sorted(known_hub_ids())
        ]
        hubs = f'<label>{e(hub_label)}<select name="hub">{"".join(options)}</select></label>'
    return (
        '<section class="noprint"><form class="inline" method="get" action="/coordinator">'
        f'<label>{e(month_label)}<input type="month" name="month" value="{e(month)}" required></label>'
        f'{hubs}<input type="hidden" name="lang" value="{e(lang)}">'
        f'<button type="submit">{e(show)}</button>'
        f'<button type="button" data-print>{e(print_label)}</button></form></section>'
    )


def _header(t: Translator, user: User, switch: str = "") -> str:
    log_out = t.gettext("Log out")
    announcements = t.gettext("Announcements")
    return (
        f'{switch}<span class="noprint"><a href="/coordinator/announcements">{e(announcements)}</a> · {e(user.name)} · '
        f'<form class="logout" method="post" action="/logout">'
        f'<button class="link" type="submit">{e(log_out)}</button></form></span>'
    )


def stats_page(public: dict[str, Any] | None, *, lang: str, user: User, error: str | None = None) -> str:
    """The whole page; with ``error`` (a bad month or hub) only the form and the problem."""
    t = translator(lang)
    title = t.gettext("HubDesk: monthly report")
    if public is None:
        body = _controls(t, lang, user, "", None) + f'<section class="error" role="alert">{e(error)}</section>'
        return page(title=title, lang=lang, body=body, header_extra=_header(t, user))
    by_category = t.gettext("Questions by category")
    over_year = t.gettext("Questions over the last 12 months")
    outcomes = t.gettext("Outcomes")
    download = t.gettext("Download CSV")
    categories, articles = _names(lang)
    shown = names(lang)
    m = public["min_count"]
    totals, rates, previous = public["totals"], public["rates"], public["previous_month"]
    hub_label = name_of(shown["hubs"], public["hub"]) if public["hub"] else t.gettext("all hubs")
    csv_link = "/api/v1/stats/monthly.csv?" + urlencode(
        {"month": public["month"], **({"hub": public["hub"]} if public["hub"] else {})}
    )
    median = public["first_reply"]["median_minutes"]
    small_counts_note = t.gettext("Counts below {n} are shown as <{n} so that nobody can be recognised.").format(n=m)
    cards = [
        (
            t.gettext("Questions"),
            totals["questions"],
            t.gettext("{change} against {month}").format(change=_signed(previous["change"]), month=previous["month"]),
        ),
        (
            t.gettext("Unique visitors"),
            totals["unique_visitors"],
            "" if totals["unique_visitors_final"] else t.gettext("month still open"),
        ),
        (t.gettext("Cases for volunteers"), totals["cases_opened"], ""),
        (
            t.gettext("Median time to first reply"),
            "–" if median is None else t.gettext("{minutes} min").format(minutes=f"{median:.0f}"),
            "",
        ),
        (
            t.gettext("Found helpful"),
            _percent(rates["helpful"]["rate"]),
            t.gettext("{count} of {total} ratings").format(
                count=rates["helpful"]["count"], total=rates["helpful"]["of"]
            ),
        ),
    ]
    cards_html = "".join(
        f'<div class="card">{e(label)}<b>{e(value)}</b><span class="muted">{e(note)}</span></div>'
        for label, value, note in cards
    )
    rate_names = {
        "answered": t.gettext("answered"),
        "choices": t.gettext("offered a choice"),
        "unanswered": t.gettext("no answer found"),
        "escalation": t.gettext("passed to a volunteer"),
        "crisis": t.gettext("crisis"),
    }
    rate_rows = "".join(
        f'<tr><td>{e(label)}</td><td class="n">{e(rates[key]["count"])}</td>'
        f'<td class="n">{_percent(rates[key]["rate"])}</td></tr>'
        for key, label in rate_names.items()
    )
    category_rows = [(categories.get(row["id"], row["id"]), row["count"]) for row in public["categories"]]
    change_rows = "".join(
        f'<tr><td>{e(categories.get(row["id"], row["id"]))}</td><td class="n">{e(row["count"])}</td>'
        f'<td class="n">{e(row["previous"])}</td><td class="n">{_signed(row["change"])}</td></tr>'
        for row in public["categories"]
    )
    body = "".join(
        [
            _controls(t, lang, user, public["month"], public["hub"]),
            f'<section><h2>{e(public["month"])} · {e(hub_label)}</h2><div class="cards">{cards_html}</div></section>',
            f"<section><h2>{e(by_category)}</h2>",
            bar_chart(category_rows, min_count=m, title=t.gettext("Questions by category")),
            f'<table><tr><th></th><th class="n">{e(public["month"])}</th><th class="n">{e(previous["month"])}</th>'
            f'<th class="n">±</th></tr>{change_rows}</table></section>',
            f"<section><h2>{e(over_year)}</h2>",
            trend_chart(public["trend"], min_count=m, title=t.gettext("Questions over the last 12 months")),
            "</section>",
            f"<section><h2>{e(outcomes)}</h2><table>{rate_rows}</table></section>",
            _table(t, t.gettext("Languages visitors wrote in"), named(shown["languages"], public["languages"])),
            _table(t, t.gettext("Languages of the answers"), named(shown["languages"], public["reply_languages"])),
            _table(t, t.gettext("Channels"), named(shown["channels"], public["channels"])),
            _table(
                t,
                t.gettext("Most used articles"),
                [(articles.get(row["id"], row["id"]), row["count"]) for row in public["top_articles"]],
            ),
            f'<p class="muted">{e(small_counts_note)} <a class="noprint" href="{e(csv_link)}">{e(download)}</a></p>',
        ]
    )
    here = {"month": public["month"], **({"hub": public["hub"]} if public["hub"] else {})}
    switch = language_switch(lang, "/coordinator", here)
    return page(title=title, lang=lang, body=body, header_extra=_header(t, user, switch))


def named(table: dict[str, str], counts: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, count) rows for a report's id -> count table."""
    return [(name_of(table, key), count) for key, count in counts.items()]


def forbidden_page(lang: str) -> str:
    t = translator(lang)
    only_coordinators = t.gettext("This page is for hub coordinators.")
    body = f'<section class="error">{e(only_coordinators)}</section>'
    return page(title=t.gettext("HubDesk: monthly report"), lang=lang, body=body)
