"""The secret that keys every hash HubDesk keeps of something personal (issue 15, item 8).

A plain ``sha256("whatsapp:" + phone)`` is no protection: there are only so many Dutch mobile numbers, and
enumerating them recovered every number in seconds. So each such hash is an HMAC with this key:

- ``HUBDESK_HASH_KEY`` when it is set (required when several hosts share one database: they must agree);
- otherwise a random key generated once and kept in ``HUBDESK_DATA_DIR/hash.key`` (mode 0600, next to the
  journal and the inbox, in the data directory, never in the checkout).

Losing the key costs little: the hashes stop matching, so WhatsApp visitors are asked their language once
more, feedback buttons already sent are ignored and rate-limit windows start afresh.

Hashes keyed here: WhatsApp's "done once" markers (``hubdesk.markers``), the web chat's client addresses
(``hubdesk.webchat.client_key``) and the proof on feedback buttons (``hubdesk.feedback``). Not keyed, on
purpose: account tokens (``hubdesk.users.hash_token``: 256 random bits, nothing to enumerate) and the monthly
visitor hashes (``hubdesk.visitors``: keyed with a key of their own that dies with the month).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from hubdesk.settings import get_settings

KEY_FILE = "hash.key"
_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def hash_key() -> bytes:
    """The key: from the settings, or the data directory's (created on first use, atomically)."""
    settings = get_settings()
    if settings.HUBDESK_HASH_KEY is not None and settings.HUBDESK_HASH_KEY.get_secret_value():
        return settings.HUBDESK_HASH_KEY.get_secret_value().encode()
    path = Path(settings.HUBDESK_DATA_DIR) / KEY_FILE
    cached = _cache.get(str(path))
    if cached is not None:
        return cached
    with _lock:
        key = _read_or_create(path)
        _cache[str(path)] = key
        return key


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting together agree on one key (the loser reads the winner's)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_hex(32) + "\n")
                file.flush()
                os.fsync(file.fileno())
    for _ in range(50):  # the winner may be between open and write
        text = path.read_text().strip()
        if text:
            return text.encode()
        threading.Event().wait(0.01)
    raise RuntimeError(f"{path} is empty: delete it and start again")


def keyed_hash(purpose: str, *parts: str) -> str:
    """HMAC-SHA256 (hex) of ``parts`` for one ``purpose``: the same input hashes differently per purpose."""
    message = "\x1f".join((purpose, *parts)).encode()
    return hmac.new(hash_key(), message, hashlib.sha256).hexdigest()


def clear_cache() -> None:
    """Forget the keys read from files (tests give each test a data directory of its own)."""
    _cache.clear()
