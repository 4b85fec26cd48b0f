"""Text from outside (visitors, volunteers, account names) made safe to store, once, at the edges.

PostgreSQL refuses a NUL character in a text column (psycopg raises, and the message would take the
database-outage path); no platform means anything by the other C0 control characters either. Tabs and
line breaks stay: they are part of what people write.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` without NUL and the other control characters (each becomes a space, so words stay apart)."""
    return _CONTROL.sub(" ", text) if _CONTROL.search(text) else text


def clean_name(text: str) -> str:
    """A one-line name: control characters and line breaks become spaces, the ends trimmed."""
    return " ".join(clean_text(text).split())
