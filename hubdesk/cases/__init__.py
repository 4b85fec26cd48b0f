"""Cases: questions handed from the bot to volunteers, and every step that moves one along.

One concept in several short modules: ``common`` (states, limits, errors, results), ``reading``, ``workflow``
(the state machine), ``telling`` (what the visitor is told), ``retention`` and ``effects``. Callers use this
package (``from hubdesk import cases``; ``cases.claim(...)``), not the modules.

One core for every edge: the admin API and volunteer page, the volunteers' Telegram group, the
conversation glue and the CLI all call these functions; none of them changes a case by itself.

Sync service, effects after the commit (decided once)
-----------------------------------------------------
The service functions are synchronous database work (sync SQLModel sessions, as everywhere in HubDesk).
They take ``session`` and keyword-only arguments, change the case, **commit**, and return a
``CaseResult(case, effects)``. They never talk to a channel: relay is async and its senders live on the
event loop (python-telegram-bot's Bot, the WhatsApp client). The caller performs ``result.effects`` (messages
to the visitor, notices to volunteers) after the commit:

- async callers (conversation, Telegram group handlers): ``result = await run(claim, case_id=1, user=u)``
  runs the function in a worker thread with a session of its own, then performs the effects;
- sync FastAPI routes (FastAPI runs them in its threadpool): ``perform_sync(result.effects)`` hands the
  effects to the event loop (``anyio.from_thread.run``) and waits for them.

So a visitor never hears about a change that was rolled back, and a slow platform never holds a database
transaction open.

States
------
``TRANSITIONS`` is the whole state machine: open -> claimed -> answered -> closed, reopen allowed. A
volunteer's reply to an open case claims it on the way. Visitor messages never change the state: the list
shows ``awaiting_volunteer`` (the visitor wrote last) instead. Anything not in the table raises
``IllegalTransition`` (HTTP 409) with a sentence a volunteer can act on.

Personal data
-------------
A case's text lives in its ``CaseMessage`` rows and its route back in ``Case.chat_key``; ``purge`` and
``forget_visitor`` set both to NULL (the case row stays for response-time statistics; Events never link to
a case). ``Case.created_at`` and ``first_reply_at`` give the monthly median time to a first reply.
"""

from __future__ import annotations

from hubdesk.cases.common import (
    ACTIVE,
    ANSWERED,
    CLAIMED,
    CLOSED,
    LAST_QUESTION_KEPT,
    MAX_TEXT,
    OPEN,
    POSTS_SCRUBBED_WITHIN,
    REPLY_LANGUAGES,
    TRANSITIONS,
    CaseError,
    CaseNotFound,
    CaseResult,
    Delivery,
    Effects,
    IllegalTransition,
)
from hubdesk.cases.effects import (
    perform,
    perform_sync,
    run,
)
from hubdesk.cases.reading import (
    can_see,
    get_case,
    list_cases,
    messages_of,
    open_case_for,
    reply_language,
    sees_every_hub,
)
from hubdesk.cases.retention import (
    close_silent,
    forget_visitor,
    purge,
)
from hubdesk.cases.telling import (
    added_reply,
    cancel_button,
    cancelled_reply,
    handoff_reply,
)
from hubdesk.cases.workflow import (
    add_visitor_message,
    cancel,
    case_notice,
    claim,
    close,
    open_case,
    reopen,
    reply,
    to_visitor,
    volunteer_reply_text,
)

__all__ = [
    "OPEN",
    "CLAIMED",
    "ANSWERED",
    "CLOSED",
    "ACTIVE",
    "TRANSITIONS",
    "REPLY_LANGUAGES",
    "MAX_TEXT",
    "LAST_QUESTION_KEPT",
    "POSTS_SCRUBBED_WITHIN",
    "CaseError",
    "CaseNotFound",
    "IllegalTransition",
    "Delivery",
    "Effects",
    "CaseResult",
    "reply_language",
    "sees_every_hub",
    "can_see",
    "get_case",
    "open_case_for",
    "list_cases",
    "messages_of",
    "case_notice",
    "to_visitor",
    "open_case",
    "add_visitor_message",
    "claim",
    "volunteer_reply_text",
    "reply",
    "close",
    "reopen",
    "cancel",
    "cancel_button",
    "handoff_reply",
    "added_reply",
    "cancelled_reply",
    "close_silent",
    "purge",
    "forget_visitor",
    "perform",
    "perform_sync",
    "run",
]
