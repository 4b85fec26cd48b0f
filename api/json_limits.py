"""JSON from webhooks, parsed with a bound on nesting (issue 15, item 10).

``json.loads`` recurses once per level: a body of 100,000 ``[`` raises ``RecursionError``, which is no
``ValueError`` and used to become a 500 (and, on Telegram, an update nobody could store or read). Real
Telegram updates and WhatsApp notifications are a dozen levels deep; anything deeper than ``MAX_DEPTH`` is
refused as not what the webhook receives.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class TooDeep(ValueError):
    """The JSON nests deeper than ``MAX_DEPTH``."""


def loads(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads``, but ``TooDeep`` (a ``ValueError``) for a document nested deeper than ``max_depth``."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise TooDeep(f"the JSON nests deeper than {max_depth} levels") from None
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:  # iterative: the check itself must not recurse
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                raise TooDeep(f"the JSON nests deeper than {max_depth} levels")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return data
