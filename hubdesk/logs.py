"""Logging set-up: plain text for a terminal, one JSON object per line for a log collector.

Privacy rule for every module: a visitor's text, chat id, name or phone number is never logged at INFO or
above (log the case number, the channel, the category instead). DEBUG may carry text to debug the matcher on a
developer's machine; ``tests/test_ops_logs.py`` holds the line.

Errors are also counted here (per process) for ``/metrics``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and goes into the JSON.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the ``extra`` fields, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class ErrorCounter(logging.Handler):
    """Counts ERROR and CRITICAL records of this process (``hubdesk_errors_total`` on /metrics)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self._counts: dict[str, int] = {}
        self._count_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        top = record.name.split(".", 1)[0]  # hubdesk, bot, api, uvicorn, telegram, ...: a small label set
        with self._count_lock:
            self._counts[top] = self._counts.get(top, 0) + 1

    def counts(self) -> dict[str, int]:
        with self._count_lock:
            return dict(self._counts)


class AccessLogScrubber(logging.Filter):
    """uvicorn's access lines without the client's address and without query strings: a web-chat poll carries
    the visitor's session id in its query, and an IP address is personal data too. Method, path and status stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            _client, method, path, version, status = record.args
            record.args = ("-", method, str(path).split("?", 1)[0], version, status)
        return True


error_counter = ErrorCounter()  # process-wide on purpose: it counts this process's errors
PROCESS_LABEL = f"{socket.gethostname()}:{os.getpid()}"


def install_error_counter() -> None:
    """Count this process's errors (idempotent; ``create_app`` calls it so tests and plain uvicorn count too)."""
    root = logging.getLogger()
    if error_counter not in root.handlers:
        root.addHandler(error_counter)


def configure_logging(level: str | int | None = None, fmt: str | None = None) -> None:
    """Set up the root logger from ``HUBDESK_LOG_LEVEL`` / ``HUBDESK_LOG_FORMAT`` (text or json). Idempotent."""
    from hubdesk.settings import get_settings

    settings = get_settings()
    level = level or settings.HUBDESK_LOG_LEVEL
    fmt = (fmt or settings.HUBDESK_LOG_FORMAT).lower()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_hubdesk", False)]:
        root.removeHandler(old)
    handler._hubdesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    install_error_counter()
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogScrubber) for f in access.filters):
        access.addFilter(AccessLogScrubber())
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # httpx logs every request URL at INFO, and a Bot API URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # seven lines per migration check
