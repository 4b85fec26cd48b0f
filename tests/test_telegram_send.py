"""Splitting, buttons and the retry wrapper of ``bot.telegram.send`` (no network: pure functions and calls)."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from hubdesk.bot.telegram import send
from hubdesk.messages import Button, Reply


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(send, "BACKOFF", 0.001)
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as build_application does


def flaky(*failures: Exception):
    """A call that raises ``failures`` in turn, then returns "sent"; and the list of attempts."""
    attempts: list[int] = []

    async def call() -> str:
        attempts.append(1)
        if len(attempts) <= len(failures):
            raise failures[len(attempts) - 1]
        return "sent"

    return call, attempts


@pytest.mark.parametrize("error", [TimedOut, lambda: NetworkError("Bad Gateway (502)"), lambda: RetryAfter(0)])
async def test_transient_errors_are_retried(error) -> None:
    call, attempts = flaky(error(), error())
    assert await send.with_retries(call, what="test") == "sent"
    assert len(attempts) == 3


@pytest.mark.parametrize("error", [BadRequest("chat not found"), Forbidden("bot was blocked by the user")])
async def test_our_mistakes_and_blocks_are_not_retried(error: Exception) -> None:
    call, attempts = flaky(error)
    with pytest.raises(type(error)):
        await send.with_retries(call, what="test")
    assert len(attempts) == 1


async def test_giving_up_after_the_last_attempt() -> None:
    call, attempts = flaky(*[TimedOut()] * send.ATTEMPTS)
    with pytest.raises(TimedOut):
        await send.with_retries(call, what="test")
    assert len(attempts) == send.ATTEMPTS


async def test_an_absurd_flood_wait_is_not_held() -> None:
    call, attempts = flaky(RetryAfter(int(send.MAX_RETRY_AFTER) + 1))
    with pytest.raises(RetryAfter):
        await send.with_retries(call, what="test")
    assert len(attempts) == 1


def test_parts_respect_telegrams_utf16_limit() -> None:
    text = ("🚨" * 1500 + " ") * 3  # each emoji counts twice in Telegram's 4,096
    chunks = send.parts(text)
    assert all(len(chunk.encode("utf-16-le")) // 2 <= send.TEXT_LIMIT for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_keyboard_drops_an_action_too_long_for_telegram() -> None:
    reply = Reply("x", ((Button("ok", "menu"), Button("too long", "a:" + "x" * 70)),))
    markup = send.keyboard(reply)
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["menu"]]
    assert send.keyboard(Reply("no buttons")) is None


def test_a_literal_cut_in_two_stays_plain_text_in_both_parts() -> None:
    from hubdesk import render

    visitor = ("**not bold** [no link](https://evil.example) " * 200).strip()
    chunks = send.parts("**Case 7**\n\n" + render.literal(visitor) + "\n\n**end**")
    assert len(chunks) > 1
    html = [render.to_telegram_html(chunk) for chunk in chunks]
    assert html[0].startswith("<b>Case 7</b>") and html[-1].endswith("<b>end</b>")
    joined = "".join(html)
    assert "<a " not in joined and joined.count("<b>") == 2
    assert "\ue000" not in joined and "\ue001" not in joined
    assert all(len(chunk) <= send.TEXT_LIMIT for chunk in html)


def test_a_visitor_cannot_forge_the_fence() -> None:
    from hubdesk import render

    forged = "\ue001**bold?** [x](https://evil.example)\ue000"
    assert render.to_telegram_html("a " + render.literal(forged)) == "a **bold?** [x](https://evil.example)"
    assert render.to_web_html(render.literal("<script>")) == "&lt;script&gt;"
