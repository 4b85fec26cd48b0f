"""The Dialog: one channel-agnostic decision per message, used by every channel.

crisis -> the emergency reply, always first; greeting or thanks -> a short welcome; a request for a
person -> hand-off; a question -> an answer, a choice of the best few, or an honest "I don't know"
with a volunteer one tap away. Pure: no storage, no network. ``hubdesk.conversation`` adds memory.
"""

from __future__ import annotations

import datetime as dt

from hubdesk.engine.answerer import Analysis, Answerer, default_answerer
from hubdesk.engine.language import reply_language
from hubdesk.i18n import translator
from hubdesk.knowledge_base.schema import Article, Hub
from hubdesk.messages import Button, ButtonAction, DialogResult, Reply

STALE_AFTER = dt.timedelta(days=365)
LANGUAGE_NAMES = {"uk": "Українська", "nl": "Nederlands", "en": "English"}


def reply_language_for(chosen: str | None, locale_hint: str | None) -> str:
    """The language to greet someone in before they have written anything."""
    return reply_language("unknown", chosen, locale_hint)


# -- replies -------------------------------------------------------------------------------------------

def _volunteer_row(lang: str) -> tuple[Button, ...]:
    t = translator(lang)
    return (Button(t.gettext("Ask a volunteer"), ButtonAction.VOLUNTEER), Button(t.gettext("Menu"), ButtonAction.MENU))


def welcome(lang: str, hub: Hub | None = None) -> Reply:
    t = translator(lang)
    text = t.gettext(
        "Hello! I am the helpdesk bot of {hub}. Ask me a question in your own words: about your status, "
        "work, money, housing, health, school and more. I answer from checked information and show where "
        "it comes from and when it was checked."
    ).format(hub=hub.name if hub else "HubDesk")
    text += "\n" + t.gettext(
        "I am a bot, not a lawyer or a doctor. A volunteer of the hub is always one tap away."
    )
    return Reply(text, (_volunteer_row(lang),))


def language_choice(lang: str) -> Reply:
    t = translator(lang)
    buttons = tuple(Button(name, ButtonAction.language(code)) for code, name in LANGUAGE_NAMES.items())
    return Reply(t.gettext("Choose your language:"), (buttons,))


def menu(lang: str, answerer: Answerer | None = None) -> Reply:
    answerer = answerer or default_answerer()
    t = translator(lang)
    rows: list[tuple[Button, ...]] = []
    row: list[Button] = []
    for category in answerer.kb.categories.values():
        if not answerer.kb.in_category(category.id):
            continue
        row.append(Button(f"{category.emoji} {category.name.get(lang)}".strip(), ButtonAction.category(category.id)))
        if len(row) == 2:
            rows.append(tuple(row))
            row = []
    if row:
        rows.append(tuple(row))
    rows.append((Button(t.gettext("Ask a volunteer"), ButtonAction.VOLUNTEER),))
    return Reply(t.gettext("Choose a topic:"), tuple(rows))


def category_list(category_id: str, lang: str, answerer: Answerer | None = None) -> Reply:
    answerer = answerer or default_answerer()
    t = translator(lang)
    category = answerer.kb.categories.get(category_id)
    articles = answerer.kb.in_category(category_id)
    if category is None or not articles:
        return menu(lang, answerer)
    rows = tuple((Button(a.title.get(lang), ButtonAction.article(a.id)),) for a in articles)
    back = (Button(t.gettext("Back to topics"), ButtonAction.MENU),)
    return Reply(f"**{category.name.get(lang)}**", (*rows, back))


def fill_hub(text: str, hub: Hub, lang: str) -> str:
    """Put the hub's own details into a hub article (``{hub_address}`` and friends)."""
    t = translator(lang)
    unknown = t.gettext("ask the hub")
    values = {
        "hub_name": hub.name,
        "hub_city": hub.city,
        "hub_address": hub.address,
        "hub_contact": hub.contact,
        "hub_opening_hours": hub.opening_hours.get(lang),
        "hub_volunteer_hours": hub.volunteer_hours.get(lang),
    }
    for name in ("activities", "donations", "accessibility", "children", "pets", "computers", "transport"):
        detail = getattr(hub, name)
        values[f"hub_{name}"] = detail.get(lang) if detail else unknown
    filled = text.format(**values)
    if hub.example and "{hub_" in text:
        filled += "\n" + t.gettext("(These hub details are an example: the hub has not filled in its own yet.)")
    return filled


def article_text(article: Article, lang: str, hub: Hub, today: dt.date | None = None) -> str:
    """Title, answer, the check date and the sources: what every channel shows for an article."""
    t = translator(lang)
    today = today or dt.date.today()
    parts = [f"**{article.title.get(lang)}**", fill_hub(article.answer.get(lang), hub, lang)]
    if today - article.checked > STALE_AFTER:
        parts.append(t.gettext(
            "⚠️ This information was last checked more than a year ago and may be out of date. "
            "Check the official source or ask a volunteer."
        ))
    elif article.changing and article.rule_date is not None:
        parts.append(t.gettext("⚠️ These rules are changing. The newest official statement we found is of {date}.")
                     .format(date=article.rule_date.strftime("%d.%m.%Y")))
    elif article.changing:
        parts.append(t.gettext("⚠️ These rules are changing. Check the official source before you act."))
    checked = t.gettext("Checked on {date}").format(date=article.checked.strftime("%d.%m.%Y"))
    sources = " · ".join(f"[{s.title}]({s.url})" for s in article.sources)
    parts.append(f"{checked} · {sources}")
    return "\n\n".join(parts)


def article_reply(article: Article, lang: str, hub: Hub) -> Reply:
    return Reply(article_text(article, lang, hub), (_volunteer_row(lang),))


def with_feedback(reply: Reply, event_id: int, lang: str, actions: tuple[str, str] | None = None) -> Reply:
    """Add helpful / not helpful buttons once the answer's event exists (``actions``: the two button actions,
    when the caller proves the chat in them; see ``hubdesk.feedback``)."""
    t = translator(lang)
    helpful, not_helpful = actions or (ButtonAction.feedback(event_id, True), ButtonAction.feedback(event_id, False))
    row = (
        Button("👍 " + t.gettext("Helpful"), helpful),
        Button("👎 " + t.gettext("Not helpful"), not_helpful),
    )
    return Reply(reply.text, (row, *reply.buttons))


def crisis_reply(lang: str) -> Reply:
    """Emergency help first, in the visitor's language. Numbers from shared/reference (checked 2026-11-22)."""
    t = translator(lang)
    text = "\n".join([
        t.gettext("**You are not alone. If you or someone else is in danger now, call 112.**"),
        "",
        "- " + t.gettext("**112**: ambulance, police, fire brigade (free, day and night)."),
        "- " + t.gettext(
            "**113 Zelfmoordpreventie**: call 113 or 0800-0113 (free, 24/7, anonymous), or chat on "
            "[113.nl](https://www.113.nl)."
        ),
        "- " + t.gettext(
            "**Huisartsenpost**: urgent medical help in the evening, at night and at the weekend. "
            "Call your huisarts's number and you are put through."
        ),
        "- " + t.gettext("**Veilig Thuis**: 0800-2000 (free), for violence at home or a child in danger."),
        "- " + t.gettext(
            "**Empatia**: mental-health help in Ukrainian, through your huisarts: "
            "[empatiaprogram.nl](https://www.empatiaprogram.nl/en/home)."
        ),
    ])  # whether a volunteer was asked is said by the conversation, once it is true (hubdesk.handoff)
    return Reply(text, ((Button(t.gettext("Menu"), ButtonAction.MENU),),))


# -- the decision --------------------------------------------------------------------------------------

def concern_line(lang: str) -> str:
    """One short line under an answer when a message sounds heavy: help is there, a person too."""
    return translator(lang).gettext(
        "It sounds like a lot right now. You can talk to someone at 113 any time (free, anonymous: call 113 or "
        "0800-0113, or chat on [113.nl](https://www.113.nl)), or ask a volunteer of the hub with the button below."
    )


def _with_concern(reply: Reply, analysis: Analysis) -> Reply:
    if analysis.tier != "concern":
        return reply
    return Reply(f"{reply.text}\n\n{concern_line(analysis.reply_language)}", reply.buttons)


def _result(analysis: Analysis, action, replies, *, article: str | None = None, category: str | None = None,
            urgent: bool = False, choices: tuple[str, ...] = (), asked_for_person: bool = False) -> DialogResult:
    return DialogResult(
        action=action,
        category=category or analysis.category_guess,
        article=article,
        language=analysis.language,
        reply_language=analysis.reply_language,  # type: ignore[arg-type]
        confidence=analysis.confidence,
        replies=tuple(replies),
        urgent=urgent,
        choices=choices,
        asked_for_person=asked_for_person,
        tier=analysis.tier,
    )


def respond(
    text: str,
    *,
    chosen_language: str | None = None,
    locale_hint: str | None = None,
    hub_id: str | None = None,
    answerer: Answerer | None = None,
) -> DialogResult:
    """Decide what to do with one visitor message."""
    answerer = answerer or default_answerer()
    analysis = answerer.analyse(text, chosen_language=chosen_language, locale_hint=locale_hint)
    return decide(analysis, hub=answerer.kb.hub(hub_id))


def decide(analysis: Analysis, *, hub: Hub) -> DialogResult:
    """The Dialog's decision for an already analysed message (the conversation analyses before it locks)."""
    lang = analysis.reply_language
    t = translator(lang)

    if analysis.crisis:  # rule 1: first, always
        category = "healthcare" if analysis.crisis == "medical" else "mental_health"
        return _result(analysis, "crisis", [crisis_reply(lang)], category=category, urgent=True)

    if analysis.intent == "human":
        # No promise here: the conversation opens the case and then says so, with its number (hubdesk.handoff).
        reply = Reply(
            t.gettext("Of course, a volunteer of the hub can help you.") + "\n"
            + t.gettext("When: {hours}.").format(hours=hub.volunteer_hours.get(lang)),
            ((Button(t.gettext("Menu"), ButtonAction.MENU),),),
        )
        return _result(analysis, "escalate", [reply], asked_for_person=True)

    small_talk = analysis.intent in ("greeting", "thanks")
    nothing_to_read = analysis.language == "unknown" and not analysis.ranked  # empty, emoji, symbols
    if small_talk or nothing_to_read:
        if analysis.intent == "thanks":
            reply = Reply(t.gettext("You're welcome! Write any time if you have another question."),
                          ((Button(t.gettext("Menu"), ButtonAction.MENU),),))
        else:
            reply = welcome(lang, hub)
        return _result(analysis, "greeting", [reply], category="other")

    top = analysis.top
    if analysis.decision == "answer" and top is not None:
        reply = _with_concern(article_reply(top.article, lang, hub), analysis)
        return _result(analysis, "answer", [reply], article=top.article.id, category=top.article.category)

    if analysis.decision == "choose" and top is not None:
        picks = analysis.choices or (top.article,)
        rows = tuple((Button(a.title.get(lang), ButtonAction.article(a.id)),) for a in picks)
        reply = _with_concern(Reply(t.gettext("I am not sure I understood. Did you mean one of these?"),
                                    (*rows, _volunteer_row(lang))), analysis)
        return _result(analysis, "choose", [reply], article=top.article.id, category=top.article.category,
                       choices=tuple(a.id for a in picks))

    reply = _with_concern(Reply(
        t.gettext(
            "I'm sorry, I don't have a good answer to that. I can pass your question to a volunteer of "
            "the hub, or you can look through the topics."
        ),
        (_volunteer_row(lang),),
    ), analysis)
    return _result(analysis, "escalate", [reply], category="mental_health" if analysis.tier == "concern" else "other")


def on_button(action: str, *, lang: str, hub_id: str | None = None, answerer: Answerer | None = None) -> list[Reply]:
    """Navigation taps that need no memory: the menu, a category, an article, the language list."""
    answerer = answerer or default_answerer()
    if action == ButtonAction.MENU:
        return [menu(lang, answerer)]
    if action.startswith(ButtonAction.CATEGORY):
        return [category_list(action.removeprefix(ButtonAction.CATEGORY), lang, answerer)]
    if action.startswith(ButtonAction.ARTICLE):
        article = answerer.kb.articles.get(action.removeprefix(ButtonAction.ARTICLE))
        if article is not None:
            return [article_reply(article, lang, answerer.kb.hub(hub_id))]
        return [menu(lang, answerer)]
    if action.startswith(ButtonAction.LANGUAGE):
        return [welcome(action.removeprefix(ButtonAction.LANGUAGE), answerer.kb.hub(hub_id))]
    return [menu(lang, answerer)]
