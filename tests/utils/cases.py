"""Factories for the case tests: accounts with tokens, cases opened the way the conversation opens them,
and a fake channel that records what visitors receive."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlmodel import Session

from hubdesk import cases
from hubdesk.messages import Reply
from hubdesk.models import Case, User
from hubdesk.relay import CaseNotice, relay
from hubdesk.users import hash_token, new_token


def make_user(
    session: Session, *, role: str = "volunteer", hub_id: str | None = None, name: str = "Olena"
) -> tuple[User, dict[str, str]]:
    """An account (any hub id, no knowledge-base check) and the Authorization header for it."""
    token = new_token()
    user = User(name=name, role=role, hub_id=hub_id, token_hash=hash_token(token))
    session.add(user)
    session.commit()
    session.refresh(user)
    return user, {"Authorization": f"Bearer {token}"}


def make_case(
    session: Session,
    *,
    text: str = "Мені не платять зарплату вже два місяці",
    channel: str = "telegram",
    chat_key: str = "100200300",
    language: str = "uk",
    category: str = "work",
    hub_id: str = "example",
    urgent: bool = False,
) -> Case:
    result = cases.open_case(
        session=session, channel=channel, chat_key=chat_key, text=text, language=language,
        category=category, hub_id=hub_id, urgent=urgent,
    )
    return result.case


@dataclass
class FakeChannel:
    """A relay sender and case listener that remember everything, as a platform would receive it."""

    sent: list[tuple[str, str, tuple[Reply, ...]]] = field(default_factory=list)
    notices: list[CaseNotice] = field(default_factory=list)
    fail: bool = False

    def sender(self, channel: str):
        async def send(chat_key: str, replies: Sequence[Reply]) -> None:
            if self.fail:
                raise RuntimeError("the platform refused the message")
            self.sent.append((channel, chat_key, tuple(replies)))

        return send

    async def listen(self, notice: CaseNotice) -> None:
        self.notices.append(notice)

    def texts_to(self, chat_key: str) -> list[str]:
        return [r.text for _, key, replies in self.sent if key == chat_key for r in replies]

    def kinds(self) -> list[str]:
        return [n.kind for n in self.notices]


@contextmanager
def on_the_relay() -> Iterator[FakeChannel]:
    """A FakeChannel as the Telegram sender and a case listener, removed from the relay afterwards."""
    fake = FakeChannel()
    relay.register_sender("telegram", fake.sender("telegram"))
    relay.register_case_listener(fake.listen)
    try:
        yield fake
    finally:
        relay.clear()
