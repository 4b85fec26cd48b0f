"""Operations commands: ``hubdesk export --out FILE`` and ``hubdesk import FILE`` of the knowledge base.

Registered into ``hubdesk.cli`` through ``register(subparsers)``; the work is done by ``hubdesk.kb_bundle``.
Database backups are shell scripts (scripts/backup.sh, scripts/restore.sh): they need no Python at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hubdesk.cli.writes import refuse_installed_kb
from hubdesk.kb_bundle import BundleError, export_bundle, import_bundle
from hubdesk.settings import get_settings


def cmd_export(args: argparse.Namespace) -> int:
    """Write the whole knowledge base to one file."""
    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"hubdesk export: {out} exists; use --force to overwrite it", file=sys.stderr)
        return 1
    directory = get_settings().HUBDESK_KB_DIR
    try:
        count = export_bundle(directory, out)
    except BundleError as exc:
        print("\n".join(f"hubdesk export: {line}" for line in exc.problems), file=sys.stderr)
        return 1
    print(f"exported {count} articles, the categories and the hubs from {directory} to {out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Validate a bundle against this knowledge base, then add or (with --force) replace its files."""
    directory = get_settings().HUBDESK_KB_DIR
    if refuse_installed_kb("import", directory):
        return 1
    try:
        plan = import_bundle(Path(args.file), directory, force=args.force, include_hubs=args.include_hubs)
    except BundleError as exc:
        print("\n".join(f"hubdesk import: {line}" for line in exc.problems), file=sys.stderr)
        return 1
    for line in plan.warnings:
        print(f"warning: {line}")
    print(
        f"imported into {directory}: {len(plan.new)} new, {len(plan.changed)} replaced, "
        f"{len(plan.unchanged)} unchanged, {len(plan.kept)} local articles kept"
        + (", hubs.yaml kept (use --include-hubs to take the bundle's)" if plan.skipped else "")
    )
    if plan.new or plan.changed:
        print("run `hubdesk model build`, then restart `hubdesk run` to serve the new content")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="write the knowledge base to one file (YAML, or JSON for .json)")
    export.add_argument("--out", required=True, help="the bundle file to write")
    export.add_argument("--force", action="store_true", help="overwrite an existing file")
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="merge a knowledge-base bundle into this knowledge base")
    imp.add_argument("file", help="a bundle written by `hubdesk export`")
    imp.add_argument("--force", action="store_true", help="replace files that differ from the bundle's")
    imp.add_argument("--include-hubs", action="store_true", help="also take hubs.yaml (default: keep yours)")
    imp.set_defaults(func=cmd_import)
