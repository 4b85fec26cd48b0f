"""Render the knowledge base's small markup for each channel.

The markup has three parts only: ``**bold**``, ``[text](https://url)`` and lines starting with ``- ``.
Everything else is text, and is escaped for the target format.

Text someone else wrote (a visitor's message quoted in the volunteers' group) goes in as ``literal(text)``:
it is shown exactly as written, escaped, never read as markup, so ``**`` or ``[..](..)`` from a visitor cannot
become bold text or a hidden link in the bot's own post. A literal is fenced by two private-use characters
that are taken out of the text itself and never reach a platform.
"""

from __future__ import annotations

import html
import re

TOKEN = re.compile(r"\*\*(?P<bold>.+?)\*\*|\[(?P<label>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)")
BULLET = re.compile(r"^\s*[-•]\s+", re.MULTILINE)
OPEN, CLOSE = "\ue000", "\ue001"  # fence a literal (see the module docstring)
LITERAL = re.compile(f"{OPEN}([^{CLOSE}]*){CLOSE}")


def literal(text: str) -> str:
    """``text`` as plain text inside markup: shown as written on every channel, never parsed."""
    return OPEN + text.replace(OPEN, "").replace(CLOSE, "") + CLOSE


def _markup(text: str, *, bold, link, escape) -> str:
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


def _render(text: str, *, bold, link, escape) -> str:
    """Markup outside literals (bullets included), literals only escaped; a stray fence is dropped."""
    out: list[str] = []
    pos = 0
    for match in LITERAL.finditer(text):
        out.append(_markup(_bullets(_unfenced(text[pos : match.start()])), bold=bold, link=link, escape=escape))
        out.append(escape(match.group(1)))
        pos = match.end()
    out.append(_markup(_bullets(_unfenced(text[pos:])), bold=bold, link=link, escape=escape))
    return "".join(out)


def _unfenced(text: str) -> str:
    return text.replace(OPEN, "").replace(CLOSE, "")


def _bullets(text: str) -> str:
    return BULLET.sub("• ", text)


def to_telegram_html(text: str) -> str:
    """Telegram's HTML parse mode: only <b> and <a> are used, everything else escaped."""
    return _render(
        text,
        bold=lambda s: f"<b>{s}</b>",
        link=lambda label, url: f'<a href="{html.escape(url, quote=True)}">{label}</a>',
        escape=lambda s: html.escape(s, quote=False),
    )


def to_whatsapp(text: str) -> str:
    """WhatsApp formatting: *bold*, and links written out (WhatsApp previews bare URLs)."""
    return _render(
        text,
        bold=lambda s: f"*{s}*",
        link=lambda label, url: label if label == url else f"{label}: {url}",
        escape=lambda s: s,
    )


def to_web_html(text: str) -> str:
    """Safe HTML for the web chat and the volunteer page; newlines become <br>."""
    rendered = _render(
        text,
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
        text,
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
    return _refence(chunks)


def _refence(chunks: list[str]) -> list[str]:
    """A literal cut in two stays literal on both sides of the cut."""
    fixed: list[str] = []
    carry = ""
    for chunk in chunks:
        chunk = carry + chunk
        carry = ""
        if chunk.rfind(OPEN) > chunk.rfind(CLOSE):
            chunk += CLOSE
            carry = OPEN
        fixed.append(chunk)
    return fixed
