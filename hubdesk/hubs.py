"""Which hubs exist: the ids in the knowledge base's ``hubs.yaml`` (cached; content changes need a restart)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from hubdesk.knowledge_base.schema import HubsFile
from hubdesk.settings import get_settings


class UnknownHubError(ValueError):
    """A hub id that is not in the knowledge base."""

    def __init__(self, hub_id: str):
        self.hub_id = hub_id
        super().__init__(f"unknown hub {hub_id!r}")


@lru_cache(maxsize=4)
def _hub_ids(kb_dir: Path) -> frozenset[str]:
    with (kb_dir / "hubs.yaml").open(encoding="utf-8") as fh:
        return frozenset(hub.id for hub in HubsFile.model_validate(yaml.safe_load(fh)).hubs)


def known_hub_ids() -> frozenset[str]:
    return _hub_ids(get_settings().HUBDESK_KB_DIR)


def check_hub(hub_id: str) -> str:
    """Return ``hub_id`` if the knowledge base knows it, else raise ``UnknownHubError``."""
    if hub_id not in known_hub_ids():
        raise UnknownHubError(hub_id)
    return hub_id
