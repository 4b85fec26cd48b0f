"""The visitor's side of announcements: subscribe, unsubscribe, topics and "what's new?", on every channel.

One tap (the 🔔 button under the welcome and the menu, or under each announcement the 🔕 one) or one word:
``/news`` on Telegram, "news" / "новини" / "nieuws" anywhere (subscribe), "news off" / "/news off"
(unsubscribe), "what's new?" / "що нового?" / "wat is er nieuw?" (the hub's recent announcements).

Button actions (at most 64 bytes, nothing personal): ``n:on``, ``n:off``, ``n:news`` (the state),
``n:topics``, ``n:t:<category>`` (tick or untick), ``n:t:*`` (every topic), ``n:list``.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from hubdesk import visitors
from hubdesk.announcements import service, subscriptions
from hubdesk.db import session_scope
from hubdesk.i18n import translator
from hubdesk.messages import Button, Reply
from hubdesk.models import Visitor
from hubdesk.settings import get_settings

ON, OFF, STATE, TOPICS, TOPIC, LIST = "n:on", "n:off", "n:news", "n:topics", "n:t:", "n:list"
ALL_TOPICS = "*"

SUBSCRIBE_WORDS = frozenset({"news", "/news", "новини", "новости", "nieuws", "news on", "/news on", "підписатися",
                             "subscribe", "aanmelden"})
UNSUBSCRIBE_WORDS = frozenset({"news off", "/news off", "stop news", "unsubscribe", "новини стоп", "відписатися",
                               "nieuws uit", "afmelden", "stop nieuws", "новости стоп", "отписаться"})
WHATS_NEW_WORDS = frozenset({"what's new", "whats new", "what is new", "що нового", "шо нового", "wat is er nieuw",
                             "wat is nieuw", "что нового", "/whatsnew"})


def command_of(text: str) -> str | None:
    """ON, OFF or LIST when the whole message is one of the news words; None for anything else."""
    word = " ".join(re.sub(r"[?!.¿¡,]+", " ", text.lower().replace("’", "'")).split())
    if word in SUBSCRIBE_WORDS:
        return ON
    if word in UNSUBSCRIBE_WORDS:
        return OFF
    if word in WHATS_NEW_WORDS:
        return LIST
    return None


def is_news_action(action: str) -> bool:
    return action.startswith("n:")


def news_row(lang: str, subscribed: bool) -> tuple[Button, ...]:
    """The one-tap switch under the welcome and the menu."""
    t = translator(lang)
    if subscribed:
        return (Button("🔕 " + t.gettext("Unsubscribe from news"), OFF),)
    return (Button("🔔 " + t.gettext("Subscribe to news"), ON),)


def with_news_row(*, session: Session, visitor: Visitor | None, replies: list[Reply] | tuple[Reply, ...],
                  lang: str) -> list[Reply]:
    """The replies with the news switch under the last one."""
    replies = list(replies)
    if not replies:
        return replies
    subscribed = visitor is not None and _subscription(session, visitor) is not None
    last = replies[-1]
    replies[-1] = Reply(last.text, (*last.buttons, news_row(lang, subscribed)))
    return replies


def _subscription(session: Session, visitor: Visitor):  # type: ignore[no-untyped-def]
    return subscriptions.get_subscription(session=session, channel=visitor.channel, chat_key=visitor.chat_key)


def _hub_name(hub_id: str) -> str:
    from hubdesk.kb import knowledge_base

    hub = knowledge_base().hubs.get(hub_id)
    return hub.name if hub else hub_id


def state_reply(*, session: Session, channel: str, chat_key: str, lang: str, just: str | None = None) -> Reply:
    """Subscribed or not, to which hub and topics, and the buttons to change it."""
    t = translator(lang)
    visitor = visitors.get_visitor(session=session, channel=channel, chat_key=chat_key)
    hub = _hub_name(subscriptions.hub_of(visitor))
    subscription = _subscription(session, visitor) if visitor is not None else None
    if subscription is None:
        text = (t.gettext("Done: you are unsubscribed. I will not send you any news.") if just == OFF
                else t.gettext("You are not subscribed to news."))
        text += "\n" + t.gettext(
            "Subscribe to hear from {hub} when rules on your status, money, housing or work change, in your language. "
            "You can unsubscribe with one tap."
        ).format(hub=hub)
        return Reply(text, (news_row(lang, False), (Button(t.gettext("What's new?"), LIST),)))
    chosen = subscriptions.parse_topics(subscription.topics)
    topics = ", ".join(_topic_name(topic, lang) for topic in chosen) if chosen else t.gettext("every topic")
    text = (t.gettext("Done: you are subscribed to the news of {hub}.") if just == ON
            else t.gettext("You are subscribed to the news of {hub}.")).format(hub=hub)
    text += "\n" + t.gettext("Topics: {topics}.").format(topics=topics)
    text += "\n" + t.gettext("I keep only that you subscribed, for which hub and topics; unsubscribing deletes it.")
    return Reply(text, (
        (Button(t.gettext("Choose topics"), TOPICS), Button(t.gettext("What's new?"), LIST)),
        news_row(lang, True),
    ))


def _topic_name(topic: str, lang: str) -> str:
    from hubdesk.kb import knowledge_base

    category = knowledge_base().categories.get(topic)
    return category.name.get(lang) if category is not None else topic


def topics_reply(*, session: Session, channel: str, chat_key: str, lang: str) -> Reply:
    """Every topic as a button, the chosen ones ticked."""
    from hubdesk.kb import knowledge_base

    t = translator(lang)
    subscription = subscriptions.get_subscription(session=session, channel=channel, chat_key=chat_key)
    chosen = set(subscriptions.parse_topics(subscription.topics)) if subscription else set()
    rows: list[tuple[Button, ...]] = []
    row: list[Button] = []
    for category in knowledge_base().categories.values():
        mark = "✓ " if category.id in chosen else ""
        row.append(Button(f"{mark}{category.emoji} {category.name.get(lang)}".strip(), TOPIC + category.id))
        if len(row) == 2:
            rows.append(tuple(row))
            row = []
    if row:
        rows.append(tuple(row))
    rows.append((Button(("✓ " if not chosen else "") + t.gettext("Every topic"), TOPIC + ALL_TOPICS),
                 Button(t.gettext("Done"), STATE)))
    return Reply(t.gettext("Which topics do you want news about? Nothing ticked means every topic."), tuple(rows))


def recent_replies(*, session: Session, channel: str, chat_key: str, lang: str) -> list[Reply]:
    """The hub's recent announcements, newest first, or a word that there are none."""
    t = translator(lang)
    visitor = visitors.get_visitor(session=session, channel=channel, chat_key=chat_key)
    hub_id = subscriptions.hub_of(visitor)
    items = service.recent(session=session, hub_id=hub_id)
    subscribed = visitor is not None and _subscription(session, visitor) is not None
    if not items:
        visible = get_settings().HUBDESK_ANNOUNCEMENT_VISIBLE_DAYS
        days = t.ngettext("{n} day", "{n} days", visible).format(n=visible)
        text = t.gettext("No news from {hub} in the last {days}.").format(hub=_hub_name(hub_id), days=days)
        return [Reply(text, (news_row(lang, subscribed),))]
    replies = [service.message(item, lang, with_unsubscribe=False) for item in reversed(items)]  # oldest first
    last = replies[-1]
    replies[-1] = Reply(last.text, (*last.buttons, news_row(lang, subscribed)))
    return replies


def on_action(*, session: Session, channel: str, chat_key: str, action: str, lang: str) -> list[Reply]:
    """Act on a news button or word (commits what it changes)."""
    if action == ON:
        subscriptions.subscribe(session=session, channel=channel, chat_key=chat_key)
        return [state_reply(session=session, channel=channel, chat_key=chat_key, lang=lang, just=ON)]
    if action == OFF:
        subscriptions.unsubscribe(session=session, channel=channel, chat_key=chat_key)
        return [state_reply(session=session, channel=channel, chat_key=chat_key, lang=lang, just=OFF)]
    if action == TOPICS:
        return [topics_reply(session=session, channel=channel, chat_key=chat_key, lang=lang)]
    if action.startswith(TOPIC):
        topic = action.removeprefix(TOPIC)
        if topic == ALL_TOPICS:
            subscriptions.set_topics(session=session, channel=channel, chat_key=chat_key, topics=())
        elif topic in subscriptions.CATEGORY_IDS:
            subscriptions.toggle_topic(session=session, channel=channel, chat_key=chat_key, topic=topic)
        return [topics_reply(session=session, channel=channel, chat_key=chat_key, lang=lang)]
    if action == LIST:
        return recent_replies(session=session, channel=channel, chat_key=chat_key, lang=lang)
    return [state_reply(session=session, channel=channel, chat_key=chat_key, lang=lang)]


def for_command(*, channel: str, chat_key: str, action: str, fallback_lang: str) -> list[Reply]:
    """A news word typed as a message (blocking: run it in a worker thread)."""
    with session_scope() as session:
        visitor = visitors.touch_visitor(session=session, channel=channel, chat_key=chat_key)
        lang = visitor.language or visitor.conversation_language or fallback_lang
        session.commit()
        return on_action(session=session, channel=channel, chat_key=chat_key, action=action, lang=lang)
