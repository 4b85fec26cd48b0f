"""The knowledge base as loaded once per process (the answerer's copy): read-only, so every request shares it."""

from __future__ import annotations

import logging

from hubdesk.knowledge_base.loader import KnowledgeBase

log = logging.getLogger(__name__)


def knowledge_base() -> KnowledgeBase:
    """The knowledge base under ``HUBDESK_KB_DIR``, loaded on first use together with the answerer."""
    from hubdesk.engine.answerer import default_answerer

    return default_answerer().kb


def volunteer_hours(hub_id: str | None, lang: str) -> str:
    """When the volunteers of ``hub_id`` answer, in ``lang`` (empty if the knowledge base cannot be read)."""
    try:
        return knowledge_base().hub(hub_id).volunteer_hours.get(lang)
    except Exception:  # a broken KB must not stop a hand-off; `hubdesk kb check` reports it
        log.exception("cannot read the volunteer hours of hub %r", hub_id)
        return ""
