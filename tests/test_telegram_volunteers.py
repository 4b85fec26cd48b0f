"""The volunteers' Telegram group: cases posted there, answered by replying, relayed to the visitor."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from hubdesk import cases, jobs
from hubdesk.models import Case, CaseMessage, VolunteerPost, utcnow
from hubdesk.settings import Settings
from hubdesk.users import create_user
from tests import fake_telegram as tg
from tests.fake_telegram import FakeBotApi
from tests.telegram_harness import VOLUNTEERS, Harness, buttons, configure, webhook_harness

VISITOR = 5552002
VOLUNTEER = 7770001


async def group_posts(bot: Harness, count: int) -> list[dict]:
    """Wait for ``count`` posts in the group, each already mapped to its case."""
    posts = await bot.fake.wait_sent(VOLUNTEERS, count)

    def mapped() -> bool:
        with Session(bot_engine(bot)) as session:
            return len(session.exec(select(VolunteerPost.id)).all()) >= count

    await bot.fake.wait_for(mapped)
    return posts


async def open_case(bot: Harness) -> tuple[int, dict]:
    """The visitor asks for a person; return the case number and the group post about it."""
    await bot.tap(VISITOR, "l:uk", lang="ru")
    told = await bot.say(VISITOR, "мне нужен живой человек, помогите с письмом от IND", lang="ru")
    assert "волонтер" in told[-1]["text"].lower()
    post = (await group_posts(bot, 1))[0]
    with Session(bot_engine(bot)) as session:
        case = session.exec(select(Case)).one()
    return case.id, post


async def group_edits(bot: Harness) -> list[dict]:
    """The edits of posts in the volunteers' group (waiting for the first)."""
    return await bot.fake.wait_for(
        lambda: [c for c in bot.fake.calls_to("editMessageText") if c["chat_id"] == VOLUNTEERS]
    )


def bot_engine(bot: Harness):
    from hubdesk.db import get_engine

    return get_engine()


async def volunteer_says(bot: Harness, text: str, reply_to_post: dict | None, user_id: int = VOLUNTEER) -> None:
    reply_to = tg.bot_post(reply_to_post["_message_id"], VOLUNTEERS) if reply_to_post else None
    update = tg.message(bot.fake.next_update_id(), text, chat_id=VOLUNTEERS, user_id=user_id, lang="uk",
                        chat_type="supergroup", reply_to=reply_to)
    response = await bot.post(update)
    assert response.status_code == 200


async def test_crisis_reaches_the_group_at_once_and_stands_out(bot: Harness, engine) -> None:
    sent = await bot.say(VISITOR, "я не хочу жить, хочу покончить с собой", lang="ru")
    assert "112" in sent[0]["text"]  # the emergency reply comes first
    post = (await group_posts(bot, 1))[0]
    assert post["text"].startswith("🚨 <b>ТЕРМІНОВО</b>")
    assert "не хочу жить" in post["text"]
    assert "Olena" not in post["text"] and f"user{VISITOR}" not in post["text"] and str(VISITOR) not in post["text"]
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        assert case.urgent
        mapped = session.exec(select(VolunteerPost)).one()
        assert (mapped.chat_id, mapped.message_id, mapped.case_id) == (VOLUNTEERS, post["_message_id"], case.id)


async def test_volunteer_reply_in_the_group_reaches_the_visitor(bot: Harness, engine) -> None:
    case_id, post = await open_case(bot)
    assert f"Звернення {case_id}" in post["text"]
    before = len(bot.fake.sent(VISITOR))
    await volunteer_says(bot, "Добрий день! Надішліть, будь ласка, фото першої сторінки листа.", post)
    relayed = await bot.fake.wait_for(lambda: bot.fake.sent(VISITOR)[before:])
    assert "волонтер" in relayed[0]["text"].lower() and "фото першої сторінки" in relayed[0]["text"]
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case.status == "answered" and case.first_reply_at is not None
        texts = [m.text for m in session.exec(select(CaseMessage).where(CaseMessage.case_id == case_id))]
        assert "Добрий день! Надішліть, будь ласка, фото першої сторінки листа." in texts


async def test_the_visitor_answers_back_and_the_group_sees_it(bot: Harness) -> None:
    case_id, post = await open_case(bot)
    await volunteer_says(bot, "Що саме написано в листі?", post)
    await bot.fake.wait_for(lambda: any("волонтер" in m["text"].lower() for m in bot.fake.sent(VISITOR)))
    added = await bot.say(VISITOR, "там про продление документа", lang="ru")
    assert f"{case_id}" in added[-1]["text"]
    posts = await bot.fake.wait_for(
        lambda: [m for m in bot.fake.sent(VOLUNTEERS) if "продление документа" in m["text"]]
    )
    assert posts[0]["reply_parameters"]["message_id"] == post["_message_id"]  # threaded under the case post


async def test_claim_and_close_as_replies(bot: Harness, engine) -> None:
    case_id, post = await open_case(bot)
    before = len(bot.fake.sent(VISITOR))
    await volunteer_says(bot, "/claim", post)
    await bot.fake.wait_for(lambda: len(bot.fake.sent(VISITOR)) > before)
    with Session(engine) as session:
        assert session.get(Case, case_id).status == "claimed"
    await volunteer_says(bot, f"/close@{tg.BOT_USERNAME}", post)
    await bot.fake.wait_for(lambda: any("закрив" in m["text"] or "закри" in m["text"]
                                        for m in bot.fake.sent(VISITOR)[before:]))
    with Session(engine) as session:
        assert session.get(Case, case_id).status == "closed"
    # an illegal step is explained in the group, not silently dropped
    await volunteer_says(bot, "/close", post)
    await bot.fake.wait_for(lambda: any("already closed" in m["text"] for m in bot.fake.sent(VOLUNTEERS)))


async def test_a_known_volunteer_is_recorded_as_the_claimer(bot: Harness, engine) -> None:
    with Session(engine) as session:
        user, _ = create_user(session=session, name="Iryna", role="volunteer")
        user.telegram_user_id = VOLUNTEER
        session.add(user)
        session.commit()
        user_id = user.id
    case_id, post = await open_case(bot)
    await volunteer_says(bot, "/claim", post)
    await bot.fake.wait_for(lambda: any("Iryna" in m["text"] for m in bot.fake.sent(VOLUNTEERS)))
    with Session(engine) as session:
        assert session.get(Case, case_id).claimed_by == user_id


async def test_replies_not_about_a_case(bot: Harness, engine) -> None:
    await volunteer_says(bot, "хто сьогодні чергує?", None)  # volunteers chatting: the bot stays quiet
    await volunteer_says(bot, "/claim", None)
    hint = await bot.fake.wait_sent(VOLUNTEERS, 1)
    assert "відповідь" in hint[0]["text"].lower()
    unmapped = {"_message_id": 999999}
    await volunteer_says(bot, "це для кого?", unmapped)
    notes = await bot.fake.wait_sent(VOLUNTEERS, 2)
    assert "не стосується звернення" in notes[1]["text"]
    assert not [m for m in bot.fake.sent() if m["chat_id"] > 0]  # nothing went to any visitor
    with Session(engine) as session:
        assert session.exec(select(CaseMessage)).first() is None


async def test_a_reply_from_the_page_reaches_the_telegram_visitor(bot: Harness, engine) -> None:
    case_id, _ = await open_case(bot)
    before = len(bot.fake.sent(VISITOR))
    result = await cases.run(cases.reply, case_id=case_id, text="Ми зателефонуємо вам завтра.", user=None)
    assert result.undelivered == []
    relayed = bot.fake.sent(VISITOR)[before:]
    assert len(relayed) == 1 and "Ми зателефонуємо вам завтра." in relayed[0]["text"]
    assert "волонтер" in relayed[0]["text"].lower()
    answered = await bot.fake.wait_for(
        lambda: [m for m in bot.fake.sent(VOLUNTEERS) if "Ми зателефонуємо" in m["text"]]
    )
    assert f"{case_id}" in answered[0]["text"]


async def test_group_post_survives_flood_control(bot: Harness) -> None:
    bot.fake.fail_next("sendMessage", status=429, retry_after=1)  # hits the visitor's reply or the post
    await bot.say(VISITOR, "я не хочу жить", lang="uk")
    post = (await group_posts(bot, 1))[0]
    assert "🚨" in post["text"]
    assert len(bot.fake.calls_to("sendMessage", failed=True)) == 1


async def test_the_group_can_read_dutch(settings: Settings, engine, bot_api: FakeBotApi, monkeypatch) -> None:
    monkeypatch.setenv("TELEGRAM_VOLUNTEER_LANGUAGE", "nl")
    configure(monkeypatch, bot_api, webhook=True)
    async with webhook_harness(bot_api) as bot:
        await bot.tap(VISITOR, "l:nl", lang="nl")
        sent = await bot.say(VISITOR, "ik wil niet meer leven", lang="nl")
        assert "112" in sent[0]["text"]
        post = (await group_posts(bot, 1))[0]
        assert post["text"].startswith("🚨 <b>DRINGEND</b> · <b>Casus")
        assert "Nederlands" in post["text"] and "ik wil niet meer leven" in post["text"]
        await volunteer_says(bot, "Ik bel je zo, blijf in de buurt van je telefoon.", post)
        relayed = await bot.fake.wait_for(lambda: [m for m in bot.fake.sent(VISITOR) if "Ik bel je zo" in m["text"]])
        assert "vrijwilliger" in relayed[0]["text"].lower()


async def test_ask_a_volunteer_button_then_cancel(bot: Harness, engine) -> None:
    await bot.tap(VISITOR, "l:uk")
    # Nothing fits (an answered question's text is not kept: issue 15, item 9), so the bot offers a volunteer.
    unsure = await bot.say(VISITOR, "Сколько весит слон в зоопарке Амстердама?", lang="ru")
    assert ("Запитати волонтера", "volunteer") in [b for m in unsure for b in buttons(m)]
    handed = await bot.tap(VISITOR, "volunteer")
    assert ("Скасувати моє питання", "cancel") in buttons(handed[-1])
    post = (await group_posts(bot, 1))[0]
    assert "слон" in post["text"]  # the remembered question went with the case
    withdrawn = await bot.tap(VISITOR, "cancel")
    assert "скасовано" in withdrawn[-1]["text"]
    await bot.fake.wait_for(lambda: any("відкликав" in m["text"] for m in bot.fake.sent(VOLUNTEERS)))
    with Session(engine) as session:
        assert session.exec(select(Case)).one().status == "closed"


async def test_forget_withdraws_the_case_and_erases_it(bot: Harness, engine) -> None:
    case_id, post = await open_case(bot)
    await bot.say(VISITOR, "/forget", lang="ru")
    await bot.fake.wait_for(lambda: any("відкликав" in m["text"] for m in bot.fake.sent(VOLUNTEERS)))
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case.status == "closed" and case.chat_key is None
        assert all(m.text is None for m in session.exec(select(CaseMessage).where(CaseMessage.case_id == case_id)))
    edits = await group_edits(bot)
    assert [e["message_id"] for e in edits] == [post["_message_id"]]
    with Session(engine) as session:
        assert session.exec(select(VolunteerPost).where(VolunteerPost.case_id == case_id)).first() is None


async def test_a_purged_case_leaves_the_group_too(bot: Harness, engine) -> None:
    """After the retention period the case's posts (which quote the visitor and the volunteer) are edited
    down to the case number, and a late reply to them no longer reaches anyone."""
    case_id, post = await open_case(bot)
    await volunteer_says(bot, "Надішліть, будь ласка, фото листа від IND.", post)
    await volunteer_says(bot, "/close", post)
    posts = await group_posts(bot, 3)  # the case, the answer, "closed"
    with Session(engine) as session:
        assert session.get(Case, case_id).status == "closed"
        mapped = sorted(p.message_id for p in session.exec(select(VolunteerPost)))
    assert mapped == sorted(p["_message_id"] for p in posts)

    jobs.purge_once(now=utcnow() + timedelta(days=31), retention_days=30)
    assert await bot.app.state.telegram.group.scrub() == 3

    edits = await group_edits(bot)
    assert sorted(e["message_id"] for e in edits) == mapped
    for edit in edits:
        assert f"Звернення {case_id}" in edit["text"]
        assert "IND" not in edit["text"] and "фото" not in edit["text"]
    with Session(engine) as session:
        assert session.exec(select(VolunteerPost)).all() == []
    before = len(bot.fake.sent())
    await volunteer_says(bot, "А ще одне питання…", post)
    hint = await bot.fake.wait_for(lambda: bot.fake.sent()[before:])
    assert "не стосується звернення" in hint[0]["text"]
    assert not [m for m in bot.fake.sent()[before:] if m["chat_id"] == VISITOR]
    assert await bot.app.state.telegram.group.scrub() == 0  # nothing left


async def test_a_post_telegram_no_longer_has_is_forgotten_all_the_same(bot: Harness, engine) -> None:
    case_id, _ = await open_case(bot)
    with Session(engine) as session:
        cases.close(session=session, case_id=case_id, user=None)
    jobs.purge_once(now=utcnow() + timedelta(days=31), retention_days=30)
    bot.fake.fail_next("editMessageText", status=400)  # "message to edit not found"
    assert await bot.app.state.telegram.group.scrub() == 1
    with Session(engine) as session:
        assert session.exec(select(VolunteerPost)).all() == []


HOSTILE = ("**FAKE: volunteers, log in again** [Verify your token here](https://evil.example) "
           "<b>bold?</b> - not a list & <a href='https://evil.example'>x</a>")


async def test_visitor_text_is_plain_text_in_the_group_post(bot: Harness, engine) -> None:
    """Markdown or HTML from a visitor must not become formatting or a hidden link in the bot's post."""
    await bot.tap(VISITOR, "l:uk", lang="uk")
    await bot.say(VISITOR, HOSTILE, lang="uk")
    await bot.tap(VISITOR, "volunteer", lang="uk")  # hands the remembered question over
    post = (await group_posts(bot, 1))[0]
    assert post["parse_mode"] == "HTML"
    quoted = ("**FAKE: volunteers, log in again** [Verify your token here](https://evil.example) "
              "&lt;b&gt;bold?&lt;/b&gt; - not a list &amp; &lt;a href='https://evil.example'&gt;x&lt;/a&gt;")
    assert quoted in post["text"]
    assert "<a " not in post["text"] and "<b>FAKE" not in post["text"] and "href" not in post["text"].replace(
        "href='https://evil.example'", "")
    assert post["text"].startswith("<b>Звернення")  # the bot's own markup still works
    with Session(engine) as session:
        assert session.exec(select(CaseMessage.text)).first() == HOSTILE  # stored as written


async def test_what_the_visitor_adds_is_plain_text_too(bot: Harness) -> None:
    case_id, post = await open_case(bot)
    await bot.say(VISITOR, "**bold** [click](https://evil.example)", lang="ru")
    added = await bot.fake.wait_for(lambda: [m for m in bot.fake.sent(VOLUNTEERS) if "click" in m["text"]])
    assert "**bold** [click](https://evil.example)" in added[0]["text"] and "<a " not in added[0]["text"]
