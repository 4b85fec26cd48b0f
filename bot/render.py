"""Render the knowledge base's small markup for each channel.

The markup has three parts only: ``**bold**``, ``[text](https://url)`` and lines starting with ``- ``.
Everything else is text, and is escaped for the target format.
"""

from __future__ import annotations

import html
import re

TOKEN = re.compile(r"\*\*(?P<bold>.+?)\*\*|\[(?P<label>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)")
BULLET = re.compile(r"^\s*[-•]\s+", re.MULTILINE)


def _render(text: str, *, bold, link, escape) -> str:
    out: list[str] = []
    pos = 0
    for match in TOKEN.finditer(text):
        out.append(escape(text[pos : match.start()]))
        if match.group("bold") is not None:
            out.append(bold(escape(match.group("bold"))))
        else:
            out.append(link(escape(match.group("label")), match.group("url")))
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def _bullets(text: str) -> str:
    return BULLET.sub("• ", text)


def to_telegram_html(text: str) -> str:
    """Telegram's HTML parse mode: only <b> and <a> are used, everything else escaped."""
    return _render(
        _bullets(text),
        bold=lambda s: f"<b>{s}</b>",
        link=lambda label, url: f'<a href="{html.escape(url, quote=True)}">{label}</a>',
        escape=lambda s: html.escape(s, quote=False),
    )


def to_whatsapp(text: str) -> str:
    """WhatsApp formatting: *bold*, and links written out (WhatsApp previews bare URLs)."""
    return _render(
        _bullets(text),
        bold=lambda s: f"*{s}*",
        link=lambda label, url: label if label == url else f"{label}: {url}",
        escape=lambda s: s,
    )


def to_web_html(text: str) -> str:
    """Safe HTML for the web chat and the volunteer page; newlines become <br>."""
    rendered = _render(
        _bullets(text),
        bold=lambda s: f"<strong>{s}</strong>",
        link=lambda label, url: (
            f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">{label}</a>'
        ),
        escape=lambda s: html.escape(s, quote=True),
    )
    return rendered.replace("\n", "<br>")


def to_plain(text: str) -> str:
    """Plain text for the command line and logs of what was sent."""
    return _render(
        _bullets(text),
        bold=lambda s: s,
        link=lambda label, url: label if label == url else f"{label} ({url})",
        escape=lambda s: s,
    )


def split_message(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters at paragraph, line or word breaks."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks
