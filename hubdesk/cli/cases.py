"""``hubdesk purge``: erase the text and route back of cases closed longer ago than the retention period."""

from __future__ import annotations

import argparse

from hubdesk.settings import get_settings


def cmd_purge(args: argparse.Namespace) -> int:
    from hubdesk.db import upgrade_to_head
    from hubdesk.jobs import purge_once

    upgrade_to_head()  # a first command on a fresh machine finds the schema in place

    days = get_settings().HUBDESK_CASE_RETENTION_DAYS if args.days is None else args.days
    purged, forgotten = purge_once(retention_days=days)
    print(f"purged the text and chat id of {purged} case(s) closed more than {days} day(s) ago")
    print(f"forgot {forgotten} visitor(s) inactive for longer than the visitor retention period")
    return 0


def _days(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("days must be 0 or more")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    purge = sub.add_parser(
        "purge", help="delete the text and chat id of cases closed longer ago than the retention period"
    )
    purge.add_argument(
        "--days", type=_days, default=None, help="retention in days (default: HUBDESK_CASE_RETENTION_DAYS, 30)"
    )
    purge.set_defaults(func=cmd_purge)
