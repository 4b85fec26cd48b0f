"""What the conversation tells a visitor about their case (hand-off, added, cancelled)."""

from __future__ import annotations

from hubdesk import kb
from hubdesk.cases.common import CaseResult
from hubdesk.i18n import translator
from hubdesk.messages import Button, ButtonAction, Reply
from hubdesk.models import Case


def cancel_button(lang: str) -> Button:
    return Button(translator(lang).gettext("Cancel my question"), ButtonAction.CANCEL_CASE)


def handoff_reply(case: Case, lang: str, *, with_question: bool = True) -> Reply:
    """Tell the visitor their question went to a volunteer, when to expect an answer, and how to cancel."""
    t = translator(lang)
    if case.urgent:
        text = t.gettext("Case number {number}: a volunteer will write to you here, in this chat.")
    elif with_question:
        text = t.gettext(
            "I have passed your question to the volunteers (case {number}). "
            "They will answer here, in this chat. You can add details now."
        )
    else:
        text = t.gettext(
            "A volunteer will help you (case {number}). Write your question here in one message; "
            "the answer will come in this chat."
        )
    text = text.format(number=case.id)
    hours = kb.volunteer_hours(case.hub_id, lang)
    if hours:
        text += "\n" + t.gettext("When: {hours}.").format(hours=hours)
    return Reply(text, ((cancel_button(lang),),))


def added_reply(case: Case, lang: str) -> Reply:
    """Tell the visitor their message joined their open case rather than going to the bot."""
    t = translator(lang)
    text = t.gettext("I have added this to your question for the volunteers (case {number}).")
    return Reply(text.format(number=case.id), ((cancel_button(lang),),))


def cancelled_reply(result: CaseResult | None, lang: str) -> Reply:
    t = translator(lang)
    if result is None:
        return Reply(t.gettext("You have no open question for the volunteers."))
    text = t.gettext(
        "Your question (case {number}) has been withdrawn. If you need help later, just write again."
    )
    return Reply(text.format(number=result.case.id))
