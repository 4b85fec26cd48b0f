"""Accounts: volunteers, coordinators and admins, each with one access token.

The token is shown once at creation; only its SHA-256 is stored. A plain hash (no salt, no slow KDF) is
enough because the token is 256 random bits, not a password a person chose: it cannot be guessed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from hubdesk.hubs import check_hub
from hubdesk.models import ProcessedUpdate, Role, User, utcnow
from hubdesk.sanitize import clean_name

TOKEN_PREFIX = "hd_"  # recognisable in a password manager or a leaked-secret scan
# Telegram link codes: short enough to type on a phone, from letters and digits nobody confuses (no 0/O, 1/I/L).
LINK_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LINK_LENGTH = 8  # 31^8 ≈ 8.5e11 codes, valid for minutes, one account each: not guessable in that time
LINK_VALID = timedelta(minutes=15)


class UserError(ValueError):
    """A request about accounts that cannot be done (unknown user, bad role)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"role must be one of {', '.join(r.value for r in Role)}, not {role!r}") from None


def create_user(*, session: Session, name: str, role: str, hub_id: str | None = None) -> tuple[User, str]:
    """Create an account and return it with its token (the only time the token exists in clear)."""
    name = clean_name(name)  # NUL would make PostgreSQL refuse the row (a 500)
    if not name:
        raise UserError("a name is required")
    if hub_id is not None:
        check_hub(hub_id)
    token = new_token()
    user = User(name=name, role=parse_role(role).value, hub_id=hub_id, token_hash=hash_token(token))
    session.add(user)
    session.commit()
    session.refresh(user)
    return user, token


def list_users(*, session: Session) -> Sequence[User]:
    return session.exec(select(User).order_by(col(User.id))).all()


def revoke_user(*, session: Session, user_id: int) -> User:
    """Revoke an account's token at once (bearer and browser sessions alike)."""
    user = session.get(User, user_id)
    if user is None:
        raise UserError(f"no user with id {user_id}")
    if user.revoked_at is None:
        user.revoked_at = utcnow()
        session.add(user)
        session.commit()
        session.refresh(user)
    return user


def user_for_token(*, session: Session, token: str) -> User | None:
    """The active account holding ``token``, or None (unknown or revoked)."""
    if not token:
        return None
    user = session.exec(select(User).where(User.token_hash == hash_token(token))).first()
    if user is None or user.revoked_at is not None:
        return None
    return user


def active_user(*, session: Session, user_id: int, token_hash_prefix: str) -> User | None:
    """The account a browser session cookie names, if still active and still on the same token."""
    user = session.get(User, user_id)
    if user is None or user.revoked_at is not None:
        return None
    if not secrets.compare_digest(user.token_hash[: len(token_hash_prefix)], token_hash_prefix):
        return None
    return user


# -- linking a Telegram account --------------------------------------------------------------------------


def normalise_link_code(code: str) -> str:
    """What the volunteer typed, as stored: upper case, without spaces or dashes."""
    return re.sub(r"[\s-]", "", code).upper()


def new_telegram_link_code(*, session: Session, user: User, now: datetime | None = None) -> tuple[str, datetime]:
    """A fresh one-time code for ``user`` to send to the bot (``/link CODE``); an older code stops working."""
    code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(LINK_LENGTH))
    expires = (now or utcnow()) + LINK_VALID
    user.telegram_link_hash = hash_token(code)
    user.telegram_link_expires_at = expires
    session.add(user)
    session.commit()
    session.refresh(user)
    return code, expires


def link_telegram(*, session: Session, code: str, telegram_user_id: int, now: datetime | None = None) -> User | None:
    """Link the Telegram account that sent ``code`` to the account the code was made for; None when the code
    is unknown, used or expired, or the account revoked. One Telegram account belongs to one HubDesk account."""
    code = normalise_link_code(code)
    if len(code) != LINK_LENGTH:
        return None
    user = session.exec(select(User).where(User.telegram_link_hash == hash_token(code))).first()
    now = now or utcnow()
    if user is None or user.revoked_at is not None:
        return None
    expires = user.telegram_link_expires_at
    user.telegram_link_hash = user.telegram_link_expires_at = None  # one try: used or expired, it is gone
    if expires is None or expires < now:
        session.add(user)
        session.commit()
        return None
    for other in session.exec(select(User).where(User.telegram_user_id == telegram_user_id, User.id != user.id)):
        other.telegram_user_id = None
        session.add(other)
    user.telegram_user_id = telegram_user_id
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def unlink_telegram(*, session: Session, user: User) -> User:
    user.telegram_user_id = None
    user.telegram_link_hash = user.telegram_link_expires_at = None
    session.add(user)
    session.commit()
    session.refresh(user)
    return user
# ---- browser sessions ended by logging out -------------------------------------------------------------
# A session cookie is signed and names a random session id; logging out records that id as ended, so a
# copy of the cookie saved before the logout no longer works. The ids live in ``processed_updates`` (the
# table of "seen once" keys shared by every process) under their own source, until the cookie would have
# expired anyway.
ENDED_SESSION = "session_end"
SESSION_MAX_AGE = 14 * 24 * 3600  # seconds: two weeks, volunteers on a phone should not log in every shift


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


def end_session(*, session: Session, session_id: str) -> None:
    """Log a browser session out on the server (committed)."""
    from hubdesk.throttle import claim_delivery

    claim_delivery(session=session, source=ENDED_SESSION, key=session_id[:128])
    session.commit()


def session_ended(*, session: Session, session_id: str) -> bool:
    query = select(ProcessedUpdate.id).where(ProcessedUpdate.source == ENDED_SESSION,
                                             ProcessedUpdate.key == session_id[:128])
    return session.exec(query).first() is not None


def prune_ended_sessions(*, session: Session, max_age: timedelta, now: datetime | None = None) -> int:
    """Forget ended sessions whose cookies have expired by now (not committed)."""
    cutoff = (now or utcnow()) - max_age
    result = session.execute(delete(ProcessedUpdate).where(
        col(ProcessedUpdate.source) == ENDED_SESSION, col(ProcessedUpdate.created_at) < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
