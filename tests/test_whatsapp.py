"""The WhatsApp channel end to end: Meta's webhook payloads in, a fake Graph API on 127.0.0.1 out.

Every test runs the real app (FastAPI TestClient with its lifespan), a database of its own and the real
httpx client against a real HTTP server; any connection to a non-loopback address fails the test.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from hubdesk import dialog
from hubdesk.bot.whatsapp import active_channel
from hubdesk.messages import ButtonAction
from hubdesk.models import Case, CaseMessage, Event, ProcessedUpdate, Visitor, utcnow
from hubdesk.relay import relay
from hubdesk.settings import Settings, get_settings
from tests.utils.cases import FakeChannel, make_user
from tests.utils.whatsapp import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    VERSION,
    WA_ID,
    FakeGraph,
    GraphServer,
    button_payload,
    list_payload,
    media_payload,
    sign,
    signed,
    status_payload,
    text_payload,
)

URL = "/webhooks/whatsapp"
CHOOSE_CANDIDATES = ("школа", "житло", "гроші", "робота", "zorgverzekering", "documenten", "housing")


# ---- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse, and fail the test on, any connection or name lookup that is not loopback."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                attempts.append(str(host))
                raise ConnectionRefusedError(f"test tried to reach non-loopback address {host}")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            allowed = ipaddress.ip_address(name).is_loopback
        except ValueError:
            allowed = name in ("localhost", "testserver")
        if not allowed:
            attempts.append(name)
            raise socket.gaierror(f"test tried to look up non-loopback host {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
    assert not attempts, f"non-loopback network access: {attempts}"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with GraphServer() as fake:
        yield fake


@pytest.fixture
def wa_settings(settings: Settings, graph: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
    monkeypatch.setenv("WHATSAPP_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
    monkeypatch.setenv("WHATSAPP_API_BASE_URL", graph.url)
    monkeypatch.setenv("WHATSAPP_API_VERSION", VERSION)
    monkeypatch.delenv("WHATSAPP_TEMPLATE_NAME", raising=False)
    get_settings.cache_clear()
    return get_settings()


@dataclass
class WA:
    client: TestClient
    graph: FakeGraph
    session: Session
    volunteers: FakeChannel

    def post(self, payload: dict[str, Any]) -> httpx.Response:
        body, headers = signed(payload)
        return self.client.post(URL, content=body, headers=headers)

    def say(self, text: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Send a text as the visitor; return the messages the bot sent back to them."""
        before = len(self.graph.messages)
        response = self.post(text_payload(text, **kwargs))
        assert response.status_code == 200, response.text
        return self.graph.messages[before:]

    def tap(self, reply_id: str, *, as_list: bool = False) -> list[dict[str, Any]]:
        before = len(self.graph.messages)
        response = self.post(list_payload(reply_id) if as_list else button_payload(reply_id))
        assert response.status_code == 200, response.text
        return self.graph.messages[before:]

    def visitor(self, wa_id: str = WA_ID) -> Visitor | None:
        self.session.expire_all()
        query = select(Visitor).where(Visitor.channel == "whatsapp", Visitor.chat_key == wa_id)
        return self.session.exec(query).first()


@pytest.fixture
def wa(wa_settings: Settings, app: FastAPI, graph: FakeGraph, session: Session) -> Iterator[WA]:
    volunteers = FakeChannel()
    relay.register_case_listener(volunteers.listen)
    try:
        with TestClient(app) as client:
            channel = active_channel()
            assert channel is not None, "WhatsApp should start when it is configured"
            channel.client.backoff = 0.01  # retries in milliseconds, not seconds
            yield WA(client, graph, session, volunteers)
    finally:
        relay.listeners.remove(volunteers.listen)


# ---- helpers --------------------------------------------------------------------------------------------


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """What the visitor reads: text bodies and interactive bodies."""
    out = []
    for m in messages:
        if m["type"] == "text":
            out.append(m["text"]["body"])
        elif m["type"] == "interactive":
            out.append(m["interactive"]["body"]["text"])
    return out


def choices(messages: list[dict[str, Any]]) -> list[str]:
    """Every reply id offered (reply buttons and list rows), in order."""
    ids: list[str] = []
    for m in messages:
        if m["type"] != "interactive":
            continue
        action = m["interactive"]["action"]
        ids += [b["reply"]["id"] for b in action.get("buttons", [])]
        ids += [r["id"] for s in action.get("sections", []) for r in s["rows"]]
    return ids


def language_question(messages: list[dict[str, Any]]) -> bool:
    return any(choices([m]) == ["l:uk", "l:nl", "l:en"] and m["interactive"]["type"] == "button" for m in messages
               if m["type"] == "interactive")


def count(session: Session, model: Any, *where: Any) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


# ---- the handshake and the signature --------------------------------------------------------------------


def test_verification_handshake_echoes_the_challenge(wa: WA) -> None:
    response = wa.client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                          "hub.challenge": "1158201444"})
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {},
])
def test_verification_handshake_refuses_anything_else(wa: WA, params: dict[str, str]) -> None:
    response = wa.client.get(URL, params=params)
    assert response.status_code == 403
    assert "1" != response.text


def test_handshake_is_refused_without_a_configured_verify_token(
    wa_settings: Settings, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHATSAPP_VERIFY_TOKEN", "")
    get_settings.cache_clear()
    with TestClient(app) as client:
        response = client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "7"})
    assert response.status_code == 403


@pytest.mark.parametrize("signature", [None, "", "sha256=", "sha256=" + "0" * 64, sign(b"other body"),
                                       "sha1=abc", "wrong-secret"])
def test_a_bad_or_missing_signature_is_refused_and_nothing_is_processed(wa: WA, signature: str | None) -> None:
    body, headers = signed(text_payload("Привіт"))
    if signature is None:
        del headers["X-Hub-Signature-256"]
    else:
        headers["X-Hub-Signature-256"] = sign(body, "not-the-app-secret") if signature == "wrong-secret" else signature
    response = wa.client.post(URL, content=body, headers=headers)
    assert response.status_code == 403
    assert "signature" in response.json()["detail"]
    assert wa.graph.requests == []
    assert count(wa.session, Visitor) == 0
    assert count(wa.session, ProcessedUpdate) == 0
    assert count(wa.session, Event) == 0


def test_the_signature_covers_the_raw_body(wa: WA) -> None:
    body, headers = signed(text_payload("Привіт"))
    tampered = body.replace("Привіт".encode(), b"Hallo!")
    assert wa.client.post(URL, content=tampered, headers=headers).status_code == 403
    assert wa.graph.requests == []


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[]", b'{"object": "page", "entry": []}',
                                  b'{"object": "whatsapp_business_account", "entry": {"x": 1}}',
                                  b'{"object": "whatsapp_business_account", "entry": [{"changes": '
                                  b'[{"field": "messages", "value": {"messages": [{"type": "text"}]}}]}]}'])
def test_malformed_deliveries_are_400_with_a_json_error(wa: WA, body: bytes) -> None:
    response = wa.client.post(URL, content=body, headers={"X-Hub-Signature-256": sign(body)})
    assert response.status_code == 400
    assert "not a WhatsApp notification" in response.json()["detail"]
    assert wa.graph.requests == []


def test_an_oversized_body_is_refused_before_it_is_read(wa: WA) -> None:
    body = b"{" + b" " * 1_000_001 + b"}"
    response = wa.client.post(URL, content=body, headers={"X-Hub-Signature-256": sign(body)})
    assert response.status_code == 413
    assert wa.graph.requests == []


def test_deliveries_are_refused_when_whatsapp_is_not_configured(client: TestClient) -> None:
    body, headers = signed(text_payload("Привіт"))
    assert client.post(URL, content=body, headers=headers).status_code == 403  # no app secret: fail closed


def test_signed_deliveries_wait_when_whatsapp_cannot_answer(
    wa_settings: Settings, app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WHATSAPP_TOKEN")
    get_settings.cache_clear()
    with TestClient(app) as client:
        body, headers = signed(text_payload("Привіт"))
        response = client.post(URL, content=body, headers=headers)
    assert response.status_code == 503 and "WHATSAPP_TOKEN" in response.json()["detail"]
    assert count(session, ProcessedUpdate) == 0  # Meta delivers it again once WhatsApp is configured


# ---- statuses, dedupe, unsupported messages --------------------------------------------------------------


def test_status_updates_are_acknowledged_and_ignored(wa: WA) -> None:
    for status in ("sent", "delivered", "read"):
        response = wa.post(status_payload(status))
        assert response.status_code == 200
        assert response.json() == {"ok": True, "messages": 0, "statuses": 1}
    assert wa.graph.requests == []
    assert count(wa.session, Visitor) == 0


def test_a_retried_delivery_is_answered_once(wa: WA) -> None:
    payload = text_payload("Як отримати BSN?", message_id="wamid.retried")
    first = wa.post(payload)
    assert first.status_code == 200, first.text
    sent = len(wa.graph.messages)
    second = wa.post(payload)
    assert first.json()["messages"] == 1 and second.json()["messages"] == 0
    assert second.status_code == 200
    assert sent > 0 and len(wa.graph.messages) == sent
    assert count(wa.session, Event) == 1
    assert count(wa.session, ProcessedUpdate, ProcessedUpdate.source == "whatsapp") == 1


@pytest.mark.parametrize("kind", ["image", "sticker", "audio", "location"])
def test_unsupported_messages_get_a_polite_request_to_type(wa: WA, kind: str) -> None:
    response = wa.post(media_payload(kind))
    assert response.status_code == 200
    sent = wa.graph.to(WA_ID)
    assert len(sent) == 1
    assert "текст" in texts(sent)[0].lower()  # Ukrainian until the visitor chooses another language
    assert ButtonAction.VOLUNTEER in choices(sent)
    assert count(wa.session, Event) == 0  # not a question: nothing to count
    assert wa.visitor() is not None and wa.visitor().wa_last_inbound_at is not None


def test_reactions_need_no_answer(wa: WA) -> None:
    payload = media_payload("image")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.pop("image")
    message.update(type="reaction", reaction={"message_id": "wamid.out1", "emoji": "👍"})
    assert wa.post(payload).status_code == 200
    assert wa.graph.requests == []


# ---- conversations --------------------------------------------------------------------------------------


def test_first_message_is_answered_then_the_language_is_asked_once(wa: WA) -> None:
    sent = wa.say("Як отримати BSN?")
    assert wa.graph.requests[0]["path"] == f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
    assert wa.graph.requests[0]["auth"] == f"Bearer {TOKEN}"
    assert all(m["messaging_product"] == "whatsapp" and m["to"] == WA_ID for m in sent)
    assert "BSN" in "\n".join(texts(sent[:-1]))  # the answer comes first ...
    assert language_question(sent[-1:])  # ... then the language question, as three reply buttons
    titles = [b["reply"]["title"] for b in sent[-1]["interactive"]["action"]["buttons"]]
    assert titles == ["Українська", "Nederlands", "English"]
    visitor = wa.visitor()
    assert visitor is not None and visitor.language is None
    assert visitor.wa_last_inbound_at is not None and utcnow() - visitor.wa_last_inbound_at < timedelta(minutes=1)

    again = wa.say("Як відкрити рахунок у банку?")
    assert again and not language_question(again)


def test_a_first_message_that_is_a_keyword_still_gets_the_language_question(wa: WA) -> None:
    sent = wa.say("menu")
    assert ButtonAction.category("work") in choices(sent) and language_question(sent)
    assert not language_question(wa.say("menu"))


def test_choosing_a_language_is_remembered_and_can_be_changed(wa: WA) -> None:
    wa.say("Привіт")
    welcome = wa.tap("l:nl")
    assert wa.visitor().language == "nl"
    assert "Hallo" in texts(welcome)[0] or "hub" in texts(welcome)[0].lower()

    asked = wa.say("taal")
    assert language_question(asked)
    assert texts(asked) == [dialog.language_choice("nl").text]
    wa.tap("l:uk")
    assert wa.visitor().language == "uk"
    assert language_question(wa.say("мова"))


def test_an_answer_has_feedback_buttons_and_feedback_is_counted(wa: WA) -> None:
    sent = wa.say("Як отримати BSN?")
    offered = choices(sent)
    feedback = [c for c in offered if c.startswith(ButtonAction.FEEDBACK)]
    assert len(feedback) == 2 and ButtonAction.VOLUNTEER in offered and ButtonAction.MENU in offered
    interactive = [m for m in sent if m["type"] == "interactive" and m["interactive"]["type"] == "list"]
    assert interactive, "four choices do not fit reply buttons: they come as a list"
    assert all(len(m["interactive"]["body"]["text"]) <= 1024 for m in interactive)
    helpful = next(c for c in feedback if c.split(":")[2] == "1")
    thanks = wa.tap(helpful, as_list=True)
    assert len(thanks) == 1
    wa.session.expire_all()
    event = wa.session.exec(select(Event)).one()
    assert event.helpful is True
    assert event.channel == "whatsapp"  # statistics count WhatsApp as its own channel


def test_the_menu_comes_as_lists_of_at_most_ten_rows(wa: WA) -> None:
    wa.say("Привіт")
    sent = wa.say("menu")
    lists = [m for m in sent if m["type"] == "interactive"]
    assert lists and all(m["interactive"]["type"] == "list" for m in lists)
    rows = [r for m in lists for s in m["interactive"]["action"]["sections"] for r in s["rows"]]
    assert all(len(s["rows"]) <= 10 for m in lists for s in m["interactive"]["action"]["sections"])
    assert all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)
    expected = [b.action for row in dialog.menu("uk").buttons for b in row] + ["n:on"]  # and the news switch
    assert [r["id"] for r in rows] == expected  # nothing dropped, in order

    category = next(r["id"] for r in rows if r["id"].startswith(ButtonAction.CATEGORY))
    articles = wa.tap(category, as_list=True)
    article_ids = [c for c in choices(articles) if c.startswith(ButtonAction.ARTICLE)]
    assert article_ids
    article = wa.tap(article_ids[0], as_list=True)
    assert any("Перевірено" in t or "Checked" in t for t in texts(article))


def test_unsure_answers_offer_the_choices_as_taps(wa: WA) -> None:
    question = next((q for q in CHOOSE_CANDIDATES if dialog.respond(q).action == "choose"), None)
    if question is None:
        pytest.skip("no candidate question gives a choice with today's knowledge base")
    expected = dialog.respond(question).choices
    sent = wa.say(question)
    offered = choices(sent)
    articles = [c.removeprefix(ButtonAction.ARTICLE) for c in offered if c.startswith(ButtonAction.ARTICLE)]
    assert articles == list(expected)
    chosen = wa.tap(ButtonAction.article(expected[0]), as_list=True)
    assert chosen and "\n".join(texts(chosen))


def test_crisis_gets_emergency_numbers_and_an_urgent_case_for_volunteers(wa: WA) -> None:
    sent = wa.say("я хочу покінчити з собою")
    body = "\n".join(texts(sent))
    assert "112" in body and "113" in body
    assert not language_question(sent) or "112" in texts(sent)[0]  # the emergency reply is first
    wa.session.expire_all()
    case = wa.session.exec(select(Case)).one()
    assert case.urgent and case.channel == "whatsapp" and case.chat_key == WA_ID
    notices = [n for n in wa.volunteers.notices if n.kind == "opened"]
    assert len(notices) == 1 and notices[0].urgent and notices[0].channel == "whatsapp"


def test_a_crisis_with_nul_characters_opens_its_case_cleaned(wa: WA) -> None:
    """PostgreSQL refuses NUL in text: it used to send this message down the outage path (issue 15)."""
    sent = wa.say("я хочу\u0000 покінчити з собою\u0000")
    body = "\n".join(texts(sent))
    assert "112" in body and "I have also asked" not in body
    wa.session.expire_all()
    case = wa.session.exec(select(Case)).one()
    assert case.urgent
    texts_stored = wa.session.exec(select(CaseMessage.text).where(CaseMessage.case_id == case.id)).all()
    assert texts_stored == ["я хочу  покінчити з собою "]


def test_volunteer_hand_off_and_the_reply_relayed_back_over_whatsapp(wa: WA) -> None:
    handed = ask_a_volunteer(wa)
    assert handed and ButtonAction.CANCEL_CASE in choices(handed)
    wa.session.expire_all()
    case = wa.session.exec(select(Case)).one()
    assert case.channel == "whatsapp" and case.status == "open"
    assert [n.channel for n in wa.volunteers.notices if n.kind == "opened"] == ["whatsapp"]

    user, headers = make_user(wa.session)
    queue = wa.client.get("/api/v1/cases", headers=headers, params={"channel": "whatsapp"}).json()
    assert [c["id"] for c in queue["data"]] == [case.id]
    before = len(wa.graph.messages)
    response = wa.client.post(f"/api/v1/cases/{case.id}/reply", headers=headers,
                              json={"text": "Добрий день! Надішліть фото листа в хаб."})
    assert response.status_code == 200, response.text
    assert response.json()["delivered"] is True
    relayed = wa.graph.messages[before:]
    assert len(relayed) == 1 and relayed[0]["to"] == WA_ID
    assert "Надішліть фото листа в хаб." in relayed[0]["text"]["body"]


# ---- the 24-hour window ---------------------------------------------------------------------------------


def ask_a_volunteer(wa: WA) -> list[dict[str, Any]]:
    """Ask something the bot cannot answer, then tap "Ask a volunteer"."""
    wa.say("qwerty zxcv мені треба допомога з дивним листом")
    return wa.tap(ButtonAction.VOLUNTEER)


def _open_case_and_age_window(wa: WA, hours: int = 25) -> tuple[int, dict[str, str]]:
    ask_a_volunteer(wa)
    wa.session.expire_all()
    case = wa.session.exec(select(Case)).one()
    visitor = wa.visitor()
    assert visitor is not None
    visitor.wa_last_inbound_at = utcnow() - timedelta(hours=hours)
    wa.session.add(visitor)
    wa.session.commit()
    _, headers = make_user(wa.session)
    return case.id or 0, headers


def test_outside_the_window_without_a_template_the_volunteer_is_told(wa: WA) -> None:
    case_id, headers = _open_case_and_age_window(wa)
    before = len(wa.graph.requests)
    response = wa.client.post(f"/api/v1/cases/{case_id}/reply", headers=headers, json={"text": "Ось відповідь."})
    assert response.status_code == 200
    result = response.json()
    assert result["delivered"] is False
    assert "24 hours" in result["delivery_error"] and "WHATSAPP_TEMPLATE_NAME" in result["delivery_error"]
    assert len(wa.graph.requests) == before  # nothing sent: Meta would refuse it

    # When the visitor writes again, the waiting reply is delivered first.
    sent = wa.say("Дякую, я тут")
    assert "Ось відповідь." in texts(sent)[0]


def test_outside_the_window_the_template_is_sent_once(wa: WA, monkeypatch: pytest.MonkeyPatch) -> None:
    active_channel().template_name = "case_update"  # as WHATSAPP_TEMPLATE_NAME=case_update would
    wa.tap("l:nl")
    case_id, headers = _open_case_and_age_window(wa)
    before = len(wa.graph.messages)
    first = wa.client.post(f"/api/v1/cases/{case_id}/reply", headers=headers, json={"text": "Eerste antwoord."})
    second = wa.client.post(f"/api/v1/cases/{case_id}/reply", headers=headers, json={"text": "Tweede antwoord."})
    assert first.json()["delivered"] is False and second.json()["delivered"] is False
    assert "case_update" in first.json()["delivery_error"]
    sent = wa.graph.messages[before:]
    assert sent == [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID,
                     "type": "template", "template": {"name": "case_update", "language": {"code": "nl"}}}]
    delivered = wa.say("Hallo, ik ben er weer")
    assert [t for t in texts(delivered) if "antwoord" in t] == [texts(delivered)[0], texts(delivered)[1]]


def test_meta_refusing_with_131047_is_handled_as_a_closed_window(wa: WA) -> None:
    active_channel().template_name = "case_update"
    case_id, headers = _open_case_and_age_window(wa, hours=1)  # our clock says open; Meta disagrees
    wa.graph.fail(400, 131047)
    before = len(wa.graph.requests)
    response = wa.client.post(f"/api/v1/cases/{case_id}/reply", headers=headers, json={"text": "Antwoord"})
    assert response.json()["delivered"] is False
    assert "24 hours" in response.json()["delivery_error"]
    attempts = wa.graph.requests[before:]
    assert [r["json"]["type"] for r in attempts] == ["text", "template"]  # no retry of a refused message


def test_a_failed_status_with_131047_sends_the_template(wa: WA) -> None:
    active_channel().template_name = "case_update"
    wa.say("Привіт")
    before = len(wa.graph.messages)
    assert wa.post(status_payload("failed", codes=(131047,))).status_code == 200
    assert [m["type"] for m in wa.graph.messages[before:]] == ["template"]


# ---- sending: retries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(429, None), (500, None), (503, None), (400, 130429), (400, 131056),
                                              (400, 80007)])
def test_throttling_and_server_errors_are_retried_without_losing_the_reply(wa: WA, status: int,
                                                                           code: int | None) -> None:
    wa.graph.fail(status, code, times=2, retry_after="0" if status == 429 else None)
    sent = wa.say("Привіт")
    assert sent, "the reply arrived after the retries"
    attempts = [r["answered"] for r in wa.graph.requests]
    assert attempts[:3] == [status, status, 200]


def test_a_permanent_error_is_not_retried(wa: WA) -> None:
    wa.graph.fail(400, 100)  # invalid parameter: retrying cannot help
    response = wa.post(text_payload("Привіт"))
    assert response.status_code == 200  # Meta is not asked to deliver again: the fault is ours
    assert [r["answered"] for r in wa.graph.requests][:1] == [400]
    assert len(wa.graph.requests) >= 1
    first_to_fail = wa.graph.requests[0]["json"]
    assert sum(1 for r in wa.graph.requests if r["json"] == first_to_fail) == 1


def test_giving_up_after_the_last_attempt_raises_a_delivery_error(wa: WA) -> None:
    wa.graph.fail(503, times=10)
    wa.post(text_payload("Привіт"))
    assert [r["answered"] for r in wa.graph.requests] == [503] * active_channel().client.attempts


def test_the_guard_refuses_non_loopback_connections(no_internet: list[str]) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://10.255.255.1:9/", timeout=1)
    assert no_internet == ["10.255.255.1"]
    no_internet.clear()


def test_whatsapp_cases_share_the_queue_with_other_channels(wa: WA) -> None:
    ask_a_volunteer(wa)
    user, headers = make_user(wa.session)
    queue = wa.client.get("/api/v1/cases", headers=headers).json()
    assert [c["channel"] for c in queue["data"]] == ["whatsapp"]
    wa.session.expire_all()
    assert wa.session.exec(select(func.count()).select_from(Case).where(col(Case.channel) == "whatsapp")).one() == 1


# ---- robustness and privacy -----------------------------------------------------------------------------


def test_a_failure_while_handling_answers_503_and_the_retry_is_handled(
    wa: WA, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hubdesk import conversation

    real = conversation.handle_message

    async def broken(incoming: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(conversation, "handle_message", broken)
    payload = text_payload("Як отримати BSN?", message_id="wamid.flaky")
    failed = wa.post(payload)
    assert failed.status_code == 503 and "again" in failed.json()["detail"]
    claimed = (ProcessedUpdate.source == "whatsapp", ProcessedUpdate.key == "wamid.flaky")
    assert count(wa.session, ProcessedUpdate, *claimed) == 0  # released for Meta's retry
    assert wa.graph.requests == []

    monkeypatch.setattr(conversation, "handle_message", real)
    retried = wa.post(payload)
    assert retried.status_code == 200 and retried.json()["messages"] == 1
    assert "BSN" in "\n".join(texts(wa.graph.to(WA_ID)))


def test_a_database_outage_is_503_so_meta_delivers_again(wa: WA, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    from hubdesk.bot.whatsapp import channel

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    real = channel.get_visitor
    monkeypatch.setattr(channel, "get_visitor", down)
    payload = text_payload("Привіт", message_id="wamid.outage")
    response = wa.post(payload)
    assert response.status_code == 503 and "again" in response.json()["detail"]
    assert wa.graph.requests == []
    assert count(wa.session, ProcessedUpdate, ProcessedUpdate.key == "wamid.outage") == 0  # not taken as seen

    monkeypatch.setattr(channel, "get_visitor", real)  # the database is back: Meta's retry is answered
    assert wa.post(payload).json()["messages"] == 1
    assert wa.graph.to(WA_ID)


def test_a_message_that_fails_twice_gets_an_apology_not_endless_retries(
    wa: WA, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hubdesk import conversation

    async def broken(incoming: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(conversation, "handle_message", broken)
    payload = text_payload("Як отримати BSN?", message_id="wamid.buggy")
    assert wa.post(payload).status_code == 503
    second = wa.post(payload)
    assert second.status_code == 200
    [sorry] = wa.graph.to(WA_ID)
    assert "Вибачте" in texts([sorry])[0] and ButtonAction.VOLUNTEER in choices([sorry])
    assert wa.post(payload).json()["messages"] == 0  # Meta's later retries are duplicates now


def test_a_flood_is_told_once_to_slow_down_then_ignored(wa: WA, monkeypatch: pytest.MonkeyPatch) -> None:
    from hubdesk import throttle

    minute = utcnow().replace(second=30, microsecond=0)
    monkeypatch.setattr(throttle, "clock", lambda: minute)  # all in one minute, whatever the wall clock does
    monkeypatch.setenv("HUBDESK_RATE_LIMIT_PER_MINUTE", "3")
    get_settings.cache_clear()
    answered = [wa.say(f"Привіт {i}") for i in range(6)]
    assert all(answered[:3])
    assert len(answered[3]) == 1 and "хвилин" in texts(answered[3])[0]  # "wait a minute", in Ukrainian
    assert answered[4] == [] and answered[5] == []
    assert count(wa.session, Event) == 3


def test_forget_me_deletes_the_visitor(wa: WA) -> None:
    wa.say("Привіт")
    wa.tap("l:uk")
    assert wa.visitor() is not None
    sent = wa.say("Забудь мене")
    assert len(sent) == 1
    assert wa.visitor() is None


def test_the_template_name_comes_from_the_settings(wa_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from hubdesk.bot.whatsapp import make_channel

    monkeypatch.setenv("WHATSAPP_TEMPLATE_NAME", "hub_case_update")
    get_settings.cache_clear()
    channel = make_channel(get_settings())
    assert channel.template_name == "hub_case_update"
    assert channel.client.url == f"{wa_settings.WHATSAPP_API_BASE_URL}/{VERSION}/{PHONE_NUMBER_ID}/messages"


def test_after_the_language_the_bot_says_what_it_keeps_and_privacy_tells_more(wa: WA) -> None:
    wa.say("Привіт")
    after = wa.tap("l:nl")
    assert "vergeet mij" in "\n".join(texts(after)).lower()  # the phrase that works, in their language
    told = wa.say("privacy")
    assert len(told) == 1 and "WhatsApp" in texts(told)[0] and "telefoonnummer" in texts(told)[0]
    assert "/forget" not in texts(told)[0]  # no Telegram commands on WhatsApp
    assert not any(c.startswith(ButtonAction.HUB) for c in choices(after))  # one hub: nothing to choose


@pytest.fixture
def two_hubs(wa_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A copy of the knowledge base with a second hub."""
    from hubdesk.engine.answerer import default_answerer
    from hubdesk.hubs import _hub_ids

    kb_dir = tmp_path / "kb"
    shutil.copytree(wa_settings.HUBDESK_KB_DIR, kb_dir, ignore=shutil.ignore_patterns(".*"))
    hubs = yaml.safe_load((kb_dir / "hubs.yaml").read_text(encoding="utf-8"))
    hubs["hubs"].append(dict(hubs["hubs"][0], id="second", name="Tweede hub", city="Zwolle"))
    (kb_dir / "hubs.yaml").write_text(yaml.safe_dump(hubs, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("HUBDESK_KB_DIR", str(kb_dir))
    get_settings.cache_clear()
    default_answerer.cache_clear()
    _hub_ids.cache_clear()
    yield
    default_answerer.cache_clear()
    _hub_ids.cache_clear()


def test_with_several_hubs_the_visitor_chooses_one(two_hubs: None, wa: WA) -> None:
    wa.say("Привіт")
    after = wa.tap("l:nl")
    assert "h:second" in choices(after)
    wa.tap("h:second")
    visitor = wa.visitor()
    assert visitor is not None and (visitor.language, visitor.hub_id) == ("nl", "second")
    assert "h:second" in choices(wa.say("hub"))
    assert not any(c.startswith(ButtonAction.HUB) for c in choices(wa.tap("l:uk")))  # chosen once is enough


def test_waiting_replies_survive_a_failed_first_attempt(wa: WA, monkeypatch: pytest.MonkeyPatch) -> None:
    from hubdesk import conversation

    case_id, headers = _open_case_and_age_window(wa)
    wa.client.post(f"/api/v1/cases/{case_id}/reply", headers=headers, json={"text": "Ось відповідь."})
    real = conversation.handle_message

    async def broken(incoming: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(conversation, "handle_message", broken)
    payload = text_payload("Я тут", message_id="wamid.back")
    assert wa.post(payload).status_code == 503
    monkeypatch.setattr(conversation, "handle_message", real)
    before = len(wa.graph.messages)
    assert wa.post(payload).status_code == 200
    assert "Ось відповідь." in texts(wa.graph.messages[before:])[0]


def test_very_long_message_ids_are_deduplicated_too(wa: WA) -> None:
    payload = text_payload("Привіт", message_id="wamid." + "A" * 300)
    assert wa.post(payload).json()["messages"] == 1
    assert wa.post(payload).json()["messages"] == 0


def test_feedback_counts_only_from_the_number_the_answer_went_to(wa: WA) -> None:
    """Issue 15, item 7, on WhatsApp: a button reply with another visitor's feedback id changes nothing."""
    feedback = [c for c in choices(wa.say("Як отримати BSN?")) if c.startswith(ButtonAction.FEEDBACK)]
    not_helpful = next(c for c in feedback if c.split(":")[2] == "0")
    event_id = int(not_helpful.split(":")[1])
    for forged in (not_helpful, f"f:{event_id}:0"):
        response = wa.post(list_payload(forged, wa_id="31687654321"))
        assert response.status_code == 200
    wa.session.expire_all()
    assert wa.session.get(Event, event_id).helpful is None
    wa.tap(not_helpful, as_list=True)
    wa.session.expire_all()
    assert wa.session.get(Event, event_id).helpful is False


def test_the_language_marker_is_a_keyed_hash_and_forget_me_removes_it(wa: WA, settings: Settings) -> None:
    """Issue 15, item 8: the marker was sha256("whatsapp:" + phone), reversed by enumerating Dutch mobiles."""
    import hashlib
    import os

    from hubdesk import markers
    from hubdesk.models import ProcessedUpdate, RateLimitWindow

    wa.say("Як отримати BSN?")
    wa.session.expire_all()
    keys = wa.session.exec(select(ProcessedUpdate.key).where(ProcessedUpdate.source == "wa-language")).all()
    assert keys == [markers.chat_hash("whatsapp", WA_ID)]
    assert hashlib.sha256(f"whatsapp:{WA_ID}".encode()).hexdigest() not in keys
    key_file = settings.HUBDESK_DATA_DIR / "hash.key"
    assert key_file.exists() and os.stat(key_file).st_mode & 0o077 == 0  # generated, readable by us only
    assert wa.session.exec(select(RateLimitWindow).where(RateLimitWindow.chat_key == WA_ID)).all()

    wa.say("forget me")
    wa.session.expire_all()
    assert wa.session.exec(select(ProcessedUpdate).where(
        col(ProcessedUpdate.source).in_(("wa-language", "wa-template")))).all() == []
    assert wa.session.exec(select(RateLimitWindow).where(RateLimitWindow.chat_key == WA_ID)).all() == []
    assert wa.visitor() is None


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,  # 100k levels: json.loads itself gives up (RecursionError, not ValueError)
    b'{"object": "whatsapp_business_account", "entry": ' + b"[" * 200 + b"]" * 200 + b"}",
])
def test_a_body_nested_too_deep_is_400_not_500(wa: WA, body: bytes) -> None:
    """Issue 15, item 10: a signed body nested 100,000 levels deep was a 500."""
    response = wa.client.post(URL, content=body, headers={"X-Hub-Signature-256": sign(body),
                                                          "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nests deeper" in response.json()["detail"]


@pytest.mark.parametrize("field", ["type", "interactive"])
def test_a_message_type_that_is_a_list_is_400_not_500(wa: WA, field: str) -> None:
    """Issue 15, item 10: ``"type": ["text"]`` met ``kind in SILENT_TYPES`` (a set) and was a 500."""
    payload = button_payload("menu")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    if field == "type":
        message["type"] = ["text"]
    else:
        message["interactive"]["type"] = ["button_reply"]
    response = wa.post(payload)
    assert response.status_code == 400
    assert wa.graph.messages == []
