"""The Telegram channel's plumbing: start-up calls, the webhook's guard and dedupe, polling, hubs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlmodel import Session, select

from hubdesk.bot.telegram import send
from hubdesk.bot.telegram.app import RecentIds
from hubdesk.models import ProcessedUpdate, Visitor
from hubdesk.settings import Settings, get_settings
from tests import fake_telegram as tg
from tests.fake_telegram import FakeBotApi
from tests.telegram_harness import SECRET, Harness, buttons, configure, running_app, webhook_harness

VISITOR = 5553003


async def test_start_up_registers_commands_and_the_webhook(bot: Harness) -> None:
    fake = bot.fake
    assert fake.calls_to("getMe")
    assert fake.webhook_url == "https://hub.example.org/telegram/webhook"
    assert fake.calls_to("setWebhook")[0]["secret_token"] == SECRET
    commands = {(c.get("language_code"), c.get("scope", {}).get("type")): c["commands"]
                for c in fake.calls_to("setMyCommands")}
    assert set(commands) == {(None, None), ("uk", None), ("nl", None), ("en", None), (None, "chat")}
    described = {lang: {c["command"]: c["description"] for c in commands[(lang, None)]} for lang in ("uk", "nl", "en")}
    assert described["uk"]["menu"] == "Переглянути теми"
    assert described["nl"]["menu"] == "De onderwerpen bekijken"
    assert described["en"]["menu"] == "Browse the topics"
    assert set(described["uk"]) == {"start", "menu", "language", "hub", "help", "news", "privacy", "forget"}
    assert {c["command"] for c in commands[(None, "chat")]} == {"claim", "close", "reopen"}
    assert fake.calls_to("getUpdates") == []  # webhook mode does not poll


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
async def test_wrong_webhook_secret_is_refused_and_nothing_processed(bot: Harness, engine, secret) -> None:
    update = tg.message(bot.fake.next_update_id(), "/start", chat_id=VISITOR)
    response = await bot.post(update, secret=secret)
    assert response.status_code == 403
    assert bot.fake.sent(VISITOR) == []
    with Session(engine) as session:
        assert session.exec(select(ProcessedUpdate)).first() is None


async def test_a_retried_update_is_processed_once(bot: Harness, engine) -> None:
    update = tg.message(bot.fake.next_update_id(), "/help", chat_id=VISITOR)
    first = await bot.post(update)
    again = await bot.post(update)
    assert first.status_code == again.status_code == 200
    assert again.json() == {"ok": True, "duplicate": True}
    assert len(bot.fake.sent(VISITOR)) == 1
    with Session(engine) as session:
        rows = session.exec(select(ProcessedUpdate)).all()
        assert [(r.source, r.key) for r in rows] == [("telegram", str(update["update_id"]))]


async def test_a_retry_this_process_forgot_is_still_processed_once(bot: Harness, engine) -> None:
    """The webhook answers without the database; the guard's claim catches a retry the process no longer
    remembers (as when another worker process took the first delivery, or after a restart)."""
    update = tg.message(bot.fake.next_update_id(), "Як отримати BSN?", chat_id=VISITOR)
    first = await bot.post(update)
    answered = len(bot.fake.sent(VISITOR))
    bot.app.state.telegram._recent = RecentIds()  # forgotten here; only the database remembers
    again = await bot.post(update)
    assert first.status_code == again.status_code == 200
    assert again.json() == {"ok": True}  # taken, as far as this process knew...
    assert answered >= 1 and len(bot.fake.sent(VISITOR)) == answered  # ...and dropped before any reply
    with Session(engine) as session:
        assert len(session.exec(select(ProcessedUpdate)).all()) == 1


def test_recent_ids_remember_only_the_last_ones() -> None:
    recent = RecentIds(size=3)
    assert [recent.add(i) for i in (1, 2, 1, 3, 4)] == [True, True, False, True, True]
    assert recent.add(1) is True  # pushed out by 3 and 4
    assert recent.add(4) is False


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 400), (b"[1, 2]", 400), (b'{"update_id": "7"}', 400), (b'{"message": {}}', 400)],
)
async def test_malformed_webhook_bodies_are_4xx(bot: Harness, body: bytes, status: int) -> None:
    response = await bot.client.post("/telegram/webhook", content=body,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                              "Content-Type": "application/json"})
    assert response.status_code == status
    assert "detail" in response.json()


async def test_an_update_of_an_unknown_shape_is_accepted_and_ignored(bot: Harness) -> None:
    response = await bot.post({"update_id": bot.fake.next_update_id(), "poll": {"id": "1"}})
    assert response.status_code == 200
    assert bot.fake.sent() == []


@pytest.mark.parametrize(("lang", "answer"), [("uk", "рахунок"), ("nl", "bankrekening")])
async def test_polling_mode(settings: Settings, engine, bot_api: FakeBotApi, monkeypatch, lang, answer) -> None:
    configure(monkeypatch, bot_api, webhook=False)
    async with running_app() as app:
        assert bot_api.calls_to("deleteWebhook")
        bot_api.push_update(tg.message(bot_api.next_update_id(), "/start", chat_id=VISITOR, lang=lang))
        start = await bot_api.wait_sent(VISITOR, 1)
        assert buttons(start[0])[0][1] == f"l:{lang}"
        bot_api.push_update(tg.callback(bot_api.next_update_id(), f"l:{lang}", chat_id=VISITOR, lang=lang))
        await bot_api.wait_sent(VISITOR, 3)  # the welcome and what is stored
        question = {"uk": "як відкрити рахунок у банку", "nl": "hoe open ik een bankrekening"}[lang]
        bot_api.push_update(tg.message(bot_api.next_update_id(), question, chat_id=VISITOR, lang=lang))
        sent = await bot_api.wait_sent(VISITOR, 4)
        assert answer in sent[3]["text"].lower()
        # the webhook route is closed in polling mode
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post("/telegram/webhook", json={"update_id": 1},
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "anything"})
            assert response.status_code == 404
    offsets = [int(c.get("offset") or 0) for c in bot_api.calls_to("getUpdates")]
    assert max(offsets) > 1  # updates were confirmed, so Telegram would not send them again


async def test_no_token_no_telegram(settings: Settings, engine, bot_api: FakeBotApi) -> None:
    async with running_app() as app:
        assert app.state.telegram is None
    assert bot_api.calls == []


async def test_telegram_down_at_start_does_not_stop_the_app(settings, engine, bot_api: FakeBotApi, monkeypatch) -> None:
    configure(monkeypatch, bot_api, webhook=True)
    bot_api.fail_next("getMe", status=500, retry_after=None, times=send.ATTEMPTS)
    async with running_app() as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/healthz")).status_code == 200
            update = tg.message(bot_api.next_update_id(), "/help", chat_id=VISITOR)
            response = await client.post("/telegram/webhook", json=update,
                                          headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert response.status_code == 503  # Telegram retries it once the bot is up
    assert len(bot_api.calls_to("getMe", failed=True)) == send.ATTEMPTS


@pytest.fixture
def two_hubs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A copy of the knowledge base with a second hub."""
    from hubdesk.engine.answerer import default_answerer

    source = get_settings().HUBDESK_KB_DIR
    kb_dir = tmp_path / "kb"
    shutil.copytree(source, kb_dir)
    hubs = yaml.safe_load((kb_dir / "hubs.yaml").read_text(encoding="utf-8"))
    second = dict(hubs["hubs"][0], id="second", name="Tweede hub", city="Zwolle")
    hubs["hubs"].append(second)
    (kb_dir / "hubs.yaml").write_text(yaml.safe_dump(hubs, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("HUBDESK_KB_DIR", str(kb_dir))
    get_settings.cache_clear()
    default_answerer.cache_clear()
    yield
    default_answerer.cache_clear()


async def test_several_hubs_ask_which_one(settings, engine, bot_api: FakeBotApi, monkeypatch, two_hubs) -> None:
    from hubdesk.hubs import _hub_ids

    _hub_ids.cache_clear()
    configure(monkeypatch, bot_api, webhook=True, volunteers=None)
    async with webhook_harness(bot_api) as bot:
        await bot.say(VISITOR, "/start", lang="nl")
        after = await bot.tap(VISITOR, "l:nl", lang="nl")
        assert "Naar welke hub ga je?" in after[-1]["text"]
        assert ("Zwolle · Tweede hub", "h:second") in buttons(after[-1])
        await bot.tap(VISITOR, "h:second", lang="nl")
        with Session(engine) as session:
            visitor = session.exec(select(Visitor).where(Visitor.chat_key == str(VISITOR))).one()
            assert (visitor.language, visitor.hub_id) == ("nl", "second")
        again = await bot.say(VISITOR, "/hub", lang="nl")
        assert len(buttons(again[-1])) == 2
        # once a hub is chosen, changing the language does not ask again
        after = await bot.tap(VISITOR, "l:uk", lang="nl")
        assert not any(data.startswith("h:") for m in after for _, data in buttons(m))
    _hub_ids.cache_clear()


async def test_a_full_backlog_answers_503_and_keeps_the_update(bot: Harness, engine, monkeypatch) -> None:
    from hubdesk.api.routes import telegram_webhook

    monkeypatch.setattr(telegram_webhook, "MAX_BACKLOG", 0)
    update = tg.message(bot.fake.next_update_id(), "/help", chat_id=VISITOR)
    assert (await bot.post(update)).status_code == 503
    with Session(engine) as session:
        assert session.exec(select(ProcessedUpdate)).first() is None  # Telegram's retry will be processed
    monkeypatch.setattr(telegram_webhook, "MAX_BACKLOG", 2000)
    assert (await bot.post(update)).status_code == 200
    assert len(bot.fake.sent(VISITOR)) == 1


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,  # 100k levels: json.loads itself gives up (RecursionError, not ValueError)
    b'{"update_id": 7, "message": ' + b'{"a": ' * 100 + b"1" + b"}" * 100 + b"}",  # parses, but no real update
])
async def test_an_update_nested_too_deep_is_400_and_nothing_is_kept(bot: Harness, body: bytes) -> None:
    """Issue 15, item 10: an update nested 100,000 levels deep was a 500."""
    response = await bot.client.post("/telegram/webhook", content=body, headers={
        "X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested too deep" in response.json()["detail"]
    assert bot.app.state.telegram.backlog() == 0
