"""Turn a neutral ``Reply`` into WhatsApp Cloud API message objects, within WhatsApp's limits.

WhatsApp has three shapes that fit a reply: a text message (4,096 characters), reply buttons (at most 3,
titles of 20 characters, a body of 1,024) and a list (at most 10 rows, row titles of 24 characters and
descriptions of 72, a body of 1,024). Up to three short buttons become reply buttons; anything more (the
menu, a category's articles, an answer with feedback) becomes a list, split over several list messages
when it has more than ten rows, so no choice is ever dropped. Button actions become the reply ids, so a tap
comes back as exactly the ``Button.action`` the Dialog made.
"""

from __future__ import annotations

import re
from typing import Any

from hubdesk.i18n import translator
from hubdesk.messages import Button, Reply
from hubdesk.render import split_message, to_whatsapp

TEXT_LIMIT = 4096
BODY_LIMIT = 1024
MAX_BUTTONS = 3
BUTTON_TITLE = 20
MAX_ROWS = 10
ROW_TITLE = 24
ROW_DESCRIPTION = 72
LIST_BUTTON = 20
FOOTER = 60
POINTER = "👇"  # the body of an interactive message whose text had to go out separately

Message = dict[str, Any]


def text_message(text: str) -> Message:
    # No link previews: articles carry several official links and a preview of the first one buries the answer.
    return {"type": "text", "text": {"preview_url": False, "body": text}}


def template_message(name: str, lang: str) -> Message:
    """An approved message template (the only thing WhatsApp delivers outside the 24-hour window)."""
    return {"type": "template", "template": {"name": name, "language": {"code": lang}}}


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, with an ellipsis when something was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _flatten(reply: Reply) -> list[Button]:
    """Every button once (the same action twice would be refused: ids must be unique)."""
    seen: set[str] = set()
    buttons: list[Button] = []
    for row in reply.buttons:
        for button in row:
            if button.action not in seen:
                seen.add(button.action)
                buttons.append(button)
    return buttons


def _body_and_lead(neutral: str) -> tuple[list[str], str]:
    """Split the text into leading text messages and an interactive body of at most 1,024 characters.

    The body is the last paragraphs that fit (for an article: the check date and the sources, right above
    the buttons); when even the last paragraph is too long, all the text goes first and the body points down.
    """
    chunks = split_message(neutral, TEXT_LIMIT) or [""]
    last = chunks[-1]
    if len(last) <= BODY_LIMIT:
        return chunks[:-1], last
    for paragraph_break in (m.start() for m in re.finditer(r"\n\n", last)):
        tail = last[paragraph_break:].strip()
        if len(tail) <= BODY_LIMIT:  # the first break that fits gives the longest tail that fits
            return [*chunks[:-1], last[:paragraph_break].rstrip()], tail
    return chunks, POINTER


def _reply_buttons(body: str, buttons: list[Button]) -> Message:
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [{"type": "reply", "reply": {"id": b.action, "title": b.label}} for b in buttons]
            },
        },
    }


def _row(button: Button) -> dict[str, str]:
    row = {"id": button.action, "title": cut(button.label, ROW_TITLE)}
    if len(button.label) > ROW_TITLE:  # the whole label stays readable in the description
        row["description"] = cut(button.label, ROW_DESCRIPTION)
    return row


def _lists(body: str, buttons: list[Button], lang: str) -> list[Message]:
    pages = [buttons[i : i + MAX_ROWS] for i in range(0, len(buttons), MAX_ROWS)]
    t = translator(lang)
    label = cut(t.gettext("Choose"), LIST_BUTTON)
    first_line = cut(body.splitlines()[0], BODY_LIMIT) if body.strip() else POINTER
    messages: list[Message] = []
    for number, page in enumerate(pages, start=1):
        interactive: dict[str, Any] = {
            "type": "list",
            "body": {"text": body if number == 1 else first_line},
            "action": {"button": label, "sections": [{"rows": [_row(b) for b in page]}]},
        }
        if len(pages) > 1:
            interactive["footer"] = {"text": f"{number}/{len(pages)}"}
        messages.append({"type": "interactive", "interactive": interactive})
    return messages


def render_reply(reply: Reply, lang: str) -> list[Message]:
    """The WhatsApp messages (without recipient) that say ``reply``, in order."""
    buttons = _flatten(reply)
    if not buttons:
        return [text_message(to_whatsapp(chunk)) for chunk in split_message(reply.text, TEXT_LIMIT)]
    lead, body = _body_and_lead(reply.text)
    messages = [text_message(to_whatsapp(chunk)) for chunk in lead if chunk.strip()]
    body = to_whatsapp(body) if body.strip() else POINTER
    if len(buttons) <= MAX_BUTTONS and all(len(b.label) <= BUTTON_TITLE for b in buttons):
        messages.append(_reply_buttons(body, buttons))
    else:
        messages.extend(_lists(body, buttons, lang))
    return messages
