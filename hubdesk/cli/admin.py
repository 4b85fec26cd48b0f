"""Admin commands: ``db upgrade|close-months``, ``users add|list|revoke`` and ``stats``.

Registered into ``hubdesk.cli`` through ``register(subparsers)``. Each command is a thin edge over the same
service functions the API uses.
"""

from __future__ import annotations

import argparse
import json
import sys

from hubdesk.models import Role


class CommandError(Exception):
    """Bad input: printed as one line to stderr, exit status 2."""


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from hubdesk.db import upgrade_to_head

    upgrade_to_head()
    print("database schema is up to date")
    return 0


def cmd_db_close_months(args: argparse.Namespace) -> int:
    """Close every past month: count its unique visitors, then delete the hashes and destroy its key."""
    from hubdesk.db import session_scope
    from hubdesk.visitors import close_past_months

    with session_scope() as session:
        closed = close_past_months(session=session)
    print(f"closed {len(closed)} month(s){': ' + ', '.join(closed) if closed else ''}")
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    from hubdesk.db import session_scope
    from hubdesk.hubs import UnknownHubError
    from hubdesk.users import UserError, create_user

    with session_scope() as session:
        try:
            user, token = create_user(session=session, name=args.name, role=args.role, hub_id=args.hub)
        except (UserError, UnknownHubError) as exc:
            raise CommandError(str(exc)) from exc
        hub = f", hub {user.hub_id}" if user.hub_id else ""
        print(f"created user {user.id}: {user.name} ({user.role}{hub})")
    print("access token (shown only now; give it to the person, it cannot be recovered):")
    print(token)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from hubdesk.db import session_scope
    from hubdesk.users import list_users

    with session_scope() as session:
        rows = [
            (
                str(u.id),
                u.name,
                u.role,
                u.hub_id or "all",
                u.created_at.date().isoformat(),
                f"revoked {u.revoked_at.date().isoformat()}" if u.revoked_at else "active",
            )
            for u in list_users(session=session)
        ]
    header = ("id", "name", "role", "hub", "created", "status")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_users_revoke(args: argparse.Namespace) -> int:
    from hubdesk.db import session_scope
    from hubdesk.users import UserError, revoke_user

    with session_scope() as session:
        try:
            user = revoke_user(session=session, user_id=args.id)
        except UserError as exc:
            raise CommandError(str(exc)) from exc
        print(f"revoked user {user.id}: {user.name}; their token and browser sessions no longer work")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from hubdesk.db import session_scope
    from hubdesk.hubs import known_hub_ids
    from hubdesk.models import utcnow
    from hubdesk.settings import get_settings
    from hubdesk.stats import monthly_report, public_report, report_csv, report_table
    from hubdesk.visitors import MonthError, month_of, parse_month

    try:
        month = parse_month(args.month or month_of(utcnow().date()))
    except MonthError as exc:
        raise CommandError(str(exc)) from exc
    if args.hub is not None and args.hub not in known_hub_ids():
        raise CommandError(f"unknown hub {args.hub!r} (known: {', '.join(sorted(known_hub_ids()))})")
    with session_scope() as session:
        report = monthly_report(session=session, month=month, hub_id=args.hub)
    public = public_report(report, min_count=get_settings().HUBDESK_STATS_MIN_COUNT)
    if args.format == "json":
        print(json.dumps(public, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(report_csv(public))
    else:
        print(report_table(public))
    return 0


def _guarded(func, needs_schema: bool = True):  # type: ignore[no-untyped-def]
    """Turn bad input into one clear line on stderr and exit status 2, not a traceback.

    A command that reads or writes the database first brings its schema to head (a no-op when it is there),
    as ``hubdesk run`` does: on a fresh machine ``hubdesk users add`` must work as the first command.
    """

    def run(args: argparse.Namespace) -> int:
        try:
            if needs_schema:
                from hubdesk.db import upgrade_to_head

                upgrade_to_head()
            return func(args)
        except CommandError as exc:
            print(f"hubdesk {args.command}: {exc}", file=sys.stderr)
            return 2

    return run


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(
        func=_guarded(cmd_db_upgrade, needs_schema=False)
    )
    db_sub.add_parser(
        "close-months", help="close past months: keep unique-visitor counts, destroy the month keys"
    ).set_defaults(func=_guarded(cmd_db_close_months))

    users = sub.add_parser("users", help="volunteer, coordinator and admin accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="create an account and print its access token once")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--hub", default=None, help="limit the account to one hub (volunteer, coordinator)")
    add.set_defaults(func=_guarded(cmd_users_add))
    users_sub.add_parser("list", help="list accounts").set_defaults(func=_guarded(cmd_users_list))
    revoke = users_sub.add_parser("revoke", help="revoke an account's token")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=_guarded(cmd_users_revoke))

    stats = sub.add_parser("stats", help="the anonymised monthly report")
    stats.add_argument("--month", help="YYYY-MM (default: this month)")
    stats.add_argument("--hub", default=None, help="one hub's report (default: every hub)")
    stats.add_argument("--format", choices=["table", "csv", "json"], default="table")
    stats.set_defaults(func=_guarded(cmd_stats))
