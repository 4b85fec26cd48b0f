"""``hubdesk purge``: erase the text and route back of cases closed longer ago than the retention period."""

from __future__ import annotations

import argparse

from hubdesk.settings import get_settings


def cmd_purge(args: argparse.Namespace) -> int:
    from hubdesk import cases
    from hubdesk.db import session_scope

    days = get_settings().HUBDESK_CASE_RETENTION_DAYS if args.days is None else args.days
    with session_scope() as session:
        count = cases.purge(session=session, retention_days=days)
    print(f"purged {count} case(s) closed more than {days} day(s) ago")
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
