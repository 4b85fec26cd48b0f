"""Migrations run up and down cleanly, and the migrated schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import hubdesk.models  # noqa: F401
from hubdesk.db import downgrade_to, get_engine, upgrade_to_head

TABLES = {
    "visitors",
    "events",
    "month_keys",
    "month_visitors",
    "month_visitor_counts",
    "users",
    "cases",
    "case_messages",
    "volunteer_posts",
    "processed_updates",
    "rate_limit_windows",
    "webchat_outbox",
    "subscriptions",
    "announcements",
    "announcement_deliveries",
}


def table_names(url: str) -> set[str]:
    return set(inspect(get_engine(url)).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_every_table_then_downgrade_drops_them(empty_database_url: str) -> None:
    assert table_names(empty_database_url) == set()
    upgrade_to_head(empty_database_url)
    assert table_names(empty_database_url) == TABLES
    downgrade_to("base", empty_database_url)
    assert table_names(empty_database_url) == set()
    upgrade_to_head(empty_database_url)  # and up again: the downgrade left nothing behind
    assert table_names(empty_database_url) == TABLES


def test_migrated_schema_matches_the_models(empty_database_url: str) -> None:
    upgrade_to_head(empty_database_url)
    with get_engine(empty_database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
