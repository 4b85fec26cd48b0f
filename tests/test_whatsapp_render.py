"""WhatsApp's limits and Meta's payload shapes, without a network: rendering, parsing, the signature."""

from __future__ import annotations

import json

import pytest

from hubdesk.bot.whatsapp.render import BODY_LIMIT, POINTER, TEXT_LIMIT, render_reply
from hubdesk.bot.whatsapp.webhook import PayloadError, parse_notification, valid_signature
from hubdesk.messages import Button, Reply
from tests.utils.whatsapp import (
    APP_SECRET,
    WA_ID,
    button_payload,
    list_payload,
    media_payload,
    sign,
    status_payload,
    text_payload,
)


def paragraphs(n: int, size: int = 300) -> str:
    return "\n\n".join(f"{i:03d} " + "слово " * (size // 6) for i in range(n))


def rows(message: dict) -> list[dict]:
    return [r for s in message["interactive"]["action"]["sections"] for r in s["rows"]]


# ---- rendering ------------------------------------------------------------------------------------------


def test_plain_text_is_rendered_for_whatsapp() -> None:
    [message] = render_reply(Reply("**Bold** and [the source](https://example.org/a)\n- one"), "uk")
    assert message == {"type": "text", "text": {"preview_url": False,
                                                "body": "*Bold* and the source: https://example.org/a\n• one"}}


def test_long_text_is_split_to_the_4096_limit_without_losing_words() -> None:
    text = paragraphs(40)
    messages = render_reply(Reply(text), "uk")
    bodies = [m["text"]["body"] for m in messages]
    assert len(messages) > 1 and all(len(b) <= TEXT_LIMIT for b in bodies)
    assert " ".join(" ".join(bodies).split()) == " ".join(text.split())


def test_up_to_three_short_buttons_are_reply_buttons() -> None:
    reply = Reply("Kies:", ((Button("Ja", "a:yes"), Button("Nee", "a:no")), (Button("Menu", "menu"),)))
    [message] = render_reply(reply, "nl")
    assert message["interactive"]["type"] == "button"
    assert message["interactive"]["body"] == {"text": "Kies:"}
    assert message["interactive"]["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "a:yes", "title": "Ja"}},
        {"type": "reply", "reply": {"id": "a:no", "title": "Nee"}},
        {"type": "reply", "reply": {"id": "menu", "title": "Menu"}},
    ]


def test_a_title_over_20_characters_makes_a_list_with_the_full_label_in_the_description() -> None:
    long = "Vraag een vrijwilliger om hulp bij de huurtoeslag"
    [message] = render_reply(Reply("Wat nu?", ((Button(long, "volunteer"),),)), "nl")
    assert message["interactive"]["type"] == "list"
    assert message["interactive"]["action"]["button"] == "Kiezen"
    [row] = rows(message)
    assert row["id"] == "volunteer" and len(row["title"]) <= 24 and row["title"].endswith("…")
    assert row["description"] == long


def test_more_than_ten_choices_are_split_over_lists_and_none_is_dropped() -> None:
    buttons = tuple((Button(f"Onderwerp {i}", f"c:topic{i}"),) for i in range(23))
    messages = render_reply(Reply("**Kies een onderwerp:**", buttons), "nl")
    assert [len(rows(m)) for m in messages] == [10, 10, 3]
    assert [r["id"] for m in messages for r in rows(m)] == [f"c:topic{i}" for i in range(23)]
    assert [m["interactive"]["footer"]["text"] for m in messages] == ["1/3", "2/3", "3/3"]
    assert all(m["interactive"]["body"]["text"] == "*Kies een onderwerp:*" for m in messages)


def test_duplicate_actions_are_sent_once() -> None:
    reply = Reply("?", ((Button("Menu", "menu"),), (Button("Menu", "menu"), Button("Help", "volunteer"))))
    [message] = render_reply(reply, "en")
    assert [b["reply"]["id"] for b in message["interactive"]["action"]["buttons"]] == ["menu", "volunteer"]


def test_a_long_answer_goes_first_and_its_last_paragraphs_carry_the_buttons() -> None:
    text = paragraphs(6) + "\n\nChecked on 01.11.2026 · [Source](https://example.org)"
    messages = render_reply(Reply(text, ((Button("Menu", "menu"),),)), "en")
    assert [m["type"] for m in messages] == ["text", "interactive"]
    body = messages[-1]["interactive"]["body"]["text"]
    assert len(body) <= BODY_LIMIT and body.endswith("Checked on 01.11.2026 · Source: https://example.org")
    joined = messages[0]["text"]["body"] + "\n\n" + body
    assert " ".join(joined.split()) == " ".join(text.replace("[Source](https://example.org)",
                                                             "Source: https://example.org").split())


def test_one_huge_paragraph_goes_as_text_and_the_buttons_point_down() -> None:
    text = "слово " * 400  # one paragraph of 2,400 characters
    messages = render_reply(Reply(text, ((Button("Menu", "menu"),),)), "uk")
    assert [m["type"] for m in messages] == ["text", "interactive"]
    assert messages[-1]["interactive"]["body"]["text"] == POINTER


# ---- parsing Meta's payloads ----------------------------------------------------------------------------


def test_text_button_list_and_media_messages_are_read() -> None:
    [text] = parse_notification(text_payload("Привіт", message_id="wamid.1")).messages
    assert (text.message_id, text.wa_id, text.kind, text.text) == ("wamid.1", WA_ID, "text", "Привіт")
    [button] = parse_notification(button_payload("l:nl", "Nederlands")).messages
    assert (button.kind, button.text, button.type) == ("button", "l:nl", "button_reply")
    [row] = parse_notification(list_payload("c:work", "Werk")).messages
    assert (row.kind, row.text, row.type) == ("button", "c:work", "list_reply")
    [image] = parse_notification(media_payload("image")).messages
    assert (image.kind, image.type) == ("unsupported", "image")


def test_statuses_are_counted_and_failures_kept() -> None:
    delivered = parse_notification(status_payload("delivered"))
    assert delivered.messages == () and delivered.failures == () and delivered.statuses == 1
    failed = parse_notification(status_payload("failed", codes=(131047,)))
    assert [(f.wa_id, f.codes) for f in failed.failures] == [(WA_ID, (131047,))]


def test_other_fields_and_unknown_extras_are_ignored() -> None:
    payload = text_payload("Hallo")
    payload["entry"][0]["changes"].append({"field": "account_update", "value": {"event": "VERIFIED"}})
    payload["entry"][0]["changes"][0]["value"]["something_new"] = {"x": 1}
    assert len(parse_notification(payload).messages) == 1


@pytest.mark.parametrize("payload", [
    [], "x", {"object": "page"}, {"object": "whatsapp_business_account", "entry": "x"},
    {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"messages": [{"id": "1"}]}}]}]},
    {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"messages": [
        {"id": "1", "from": "2", "type": "text", "text": {"body": 5}}]}}]}]},
])
def test_wrong_shapes_are_payload_errors(payload: object) -> None:
    with pytest.raises(PayloadError):
        parse_notification(payload)


# ---- the signature --------------------------------------------------------------------------------------


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = json.dumps(text_payload("Привіт")).encode()
    assert valid_signature(body, sign(body), APP_SECRET)
    assert valid_signature(body, sign(body).upper().replace("SHA256=", "sha256="), APP_SECRET)
    assert not valid_signature(body + b" ", sign(body), APP_SECRET)
    assert not valid_signature(body, sign(body, "other"), APP_SECRET)
    assert not valid_signature(body, None, APP_SECRET)
    assert not valid_signature(body, sign(body).removeprefix("sha256="), APP_SECRET)
    assert not valid_signature(body, sign(body, ""), "")  # no secret configured: nothing is valid
