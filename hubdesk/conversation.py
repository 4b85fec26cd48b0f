"""The stateful side of a conversation, shared by every channel: one call per incoming message or tap.

Channel adapters call ``handle_message`` / ``handle_button`` and send back the replies they return.
This is the one place that ties the pure Dialog to storage: the visitor's chosen language and hub,
the anonymised event, cases for volunteers.

CONTRACT (stable; channel adapters rely on it):
    async def handle_message(incoming: Incoming) -> list[Reply]
    async def handle_button(channel: Channel, chat_key: str, action: str, locale_hint: str | None = None) -> list[Reply]
Blocking database work runs in a worker thread (``asyncio.to_thread``), one session per call.
"""

from __future__ import annotations

from bot import dialog
from bot.messages import Channel, Incoming, Reply
from hubdesk import handoff


async def handle_message(incoming: Incoming) -> list[Reply]:
    """Answer one visitor message. (Storage-less first version: no memory of the visitor yet.)"""
    result = dialog.respond(incoming.text, chosen_language=None, locale_hint=incoming.locale_hint)
    return await handoff.after_dialog(
        channel=incoming.channel, chat_key=incoming.chat_key, text=incoming.text, result=result
    )


async def handle_button(
    channel: Channel, chat_key: str, action: str, locale_hint: str | None = None
) -> list[Reply]:
    """Act on a tapped button. (Storage-less first version.)"""
    lang = dialog.reply_language_for(None, locale_hint)
    if action in handoff.HANDOFF_ACTIONS:  # ask a volunteer / cancel my question
        return await handoff.on_button(channel=channel, chat_key=chat_key, action=action, lang=lang)
    return list(dialog.on_button(action, lang=lang))
