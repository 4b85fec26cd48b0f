"""Hashes of personal data are keyed with a secret, and the daily purge reaches every channel's markers
(issue 15, item 8)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from hubdesk import keys, markers, webchat
from hubdesk.jobs import purge_once
from hubdesk.models import ProcessedUpdate, Visitor, utcnow
from hubdesk.settings import Settings, get_settings


@pytest.fixture(autouse=True)
def fresh_keys() -> None:
    keys.clear_cache()


def _markers(session: Session) -> set[tuple[str, str]]:
    session.expire_all()
    rows = session.exec(select(ProcessedUpdate.source, ProcessedUpdate.key)
                        .where(col(ProcessedUpdate.source).in_(markers.PER_CHAT["whatsapp"]))).all()
    return set(rows)


def test_the_generated_key_is_kept_in_the_data_directory_and_reused(settings: Settings) -> None:
    first = keys.keyed_hash("test", "31612345678")
    path = settings.HUBDESK_DATA_DIR / keys.KEY_FILE
    assert path.exists() and len(path.read_text().strip()) == 64
    keys.clear_cache()  # a restarted process reads the same key
    assert keys.keyed_hash("test", "31612345678") == first
    path.write_text("0" * 64 + "\n")
    keys.clear_cache()
    assert keys.keyed_hash("test", "31612345678") != first  # the hash depends on the key, not only the number


def test_a_key_from_the_settings_wins_and_no_file_is_written(settings: Settings, monkeypatch) -> None:
    monkeypatch.setenv("HUBDESK_HASH_KEY", "k" * 40)
    get_settings.cache_clear()
    address_key = webchat.client_key("192.0.2.1")
    assert not (settings.HUBDESK_DATA_DIR / keys.KEY_FILE).exists()
    monkeypatch.setenv("HUBDESK_HASH_KEY", "j" * 40)
    get_settings.cache_clear()
    assert webchat.client_key("192.0.2.1") != address_key


def test_the_purge_drops_markers_of_visitors_gone_and_rekeys_old_ones(session: Session) -> None:
    staying, gone = "31611111111", "31622222222"
    session.add(Visitor(channel="whatsapp", chat_key=staying))
    old = utcnow() - timedelta(days=1)
    session.add_all([
        ProcessedUpdate(source="wa-language", key=markers.legacy_hash("whatsapp", staying), created_at=old),
        ProcessedUpdate(source="wa-template", key=markers.legacy_hash("whatsapp", staying) + ":never", created_at=old),
        ProcessedUpdate(source="wa-language", key=markers.legacy_hash("whatsapp", gone), created_at=old),
        ProcessedUpdate(source="wa-template", key=markers.chat_hash("whatsapp", gone) + ":2026", created_at=old),
        ProcessedUpdate(source="whatsapp", key="wamid.old", created_at=utcnow() - timedelta(days=3)),
    ])
    session.commit()
    purge_once()
    rekeyed = markers.chat_hash("whatsapp", staying)
    assert _markers(session) == {("wa-language", rekeyed), ("wa-template", rekeyed + ":never")}
    assert hashlib.sha256(f"whatsapp:{gone}".encode()).hexdigest() not in {key for _, key in _markers(session)}
    assert session.exec(select(ProcessedUpdate).where(ProcessedUpdate.key == "wamid.old")).first() is None


@pytest.mark.parametrize("value", ["changeme", "short"])
def test_production_refuses_a_placeholder_hash_key(value: str, monkeypatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("HUBDESK_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("HUBDESK_HASH_KEY", value)
    with pytest.raises(ValueError, match="HUBDESK_HASH_KEY"):
        Settings()
    monkeypatch.setenv("HUBDESK_HASH_KEY", "h" * 40)
    assert Settings().HUBDESK_HASH_KEY is not None
