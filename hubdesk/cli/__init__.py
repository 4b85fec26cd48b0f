"""The ``hubdesk`` command: ask, kb check, run, and the admin commands other modules register."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from hubdesk import render
from hubdesk.knowledge_base import KnowledgeBaseError
from hubdesk.logs import configure_logging
from hubdesk.settings import get_settings

# Modules that add their own sub-commands with ``register(subparsers)``.
COMMAND_MODULES = ("hubdesk.cli.admin", "hubdesk.cli.cases", "hubdesk.cli.ops", "hubdesk.cli.model")


def _result_json(result) -> dict:
    return {
        "action": result.action,
        "category": result.category,
        "article": result.article,
        "language": result.language,
        "reply_language": result.reply_language,
        "confidence": result.confidence,
        "choices": list(result.choices),
        "urgent": result.urgent,
        "tier": result.tier,
        "text": "\n\n".join(render.to_plain(r.text) for r in result.replies),
    }


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or one per stdin line with --jsonl (the contract run_eval.py uses)."""
    from hubdesk.dialog import respond

    def ask(text: str) -> dict:
        return _result_json(respond(text, chosen_language=args.lang))

    if args.jsonl:
        raw = sys.stdin.buffer.read().decode("utf-8", errors="replace")
        for line in raw.splitlines():
            sys.stdout.write(json.dumps(ask(line), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return 0
    if not args.text:
        print("hubdesk ask: give a question, or --jsonl to read questions from stdin", file=sys.stderr)
        return 2
    out = ask(" ".join(args.text))
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(out["text"])
        print(f"\n[{out['action']} · {out['category']} · {out['article']} · {out['language']}->"
              f"{out['reply_language']} · {out['confidence']}]")
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    """Validate the knowledge base; exit 1 on any problem, print warnings."""
    from hubdesk.knowledge_base.checks import check_knowledge_base

    directory = get_settings().HUBDESK_KB_DIR
    report = check_knowledge_base(directory)
    if not report.errors:
        report.warnings.extend(model_warnings(directory))
    for line in report.warnings:
        print(f"warning: {line}")
    for line in report.errors:
        print(f"error: {line}")
    print(f"{report.article_count} articles, {len(report.errors)} errors, {len(report.warnings)} warnings")
    return 1 if report.errors else 0


def model_warnings(directory) -> list[str]:
    """The trained model next to the knowledge base: loadable, and built from the current data."""
    from hubdesk.engine.model import UnderstandingModel, data_fingerprint, model_path

    path = model_path(directory)
    try:
        manifest = UnderstandingModel.load(path).manifest
    except (OSError, ValueError, KeyError) as exc:
        return [f"{path}: the trained model cannot be loaded ({exc}); run `hubdesk model build`"]
    if manifest.fingerprint != data_fingerprint(directory):
        return [f"{path}: built from older articles or corpus; run `hubdesk model build`"]
    return []


def cmd_run(args: argparse.Namespace) -> int:
    """Start the API, the pages and every configured channel."""
    import uvicorn

    from hubdesk.api.main import create_app
    from hubdesk.db import upgrade_to_head

    settings = get_settings()
    if args.workers > 1 and settings.telegram_enabled and not settings.telegram_webhook_mode:
        print("hubdesk run: --workers needs Telegram webhook mode (only one process may poll)", file=sys.stderr)
        return 2
    from sqlalchemy import make_url

    database = make_url(settings.HUBDESK_DATABASE_URL).render_as_string(hide_password=True)
    print(f"hubdesk: data directory {settings.HUBDESK_DATA_DIR} (database {database})", file=sys.stderr)
    upgrade_to_head()  # the schema is at head before the first request (a no-op when it already is)
    # log_config=None: uvicorn's loggers go through our root handler (JSON when HUBDESK_LOG_FORMAT=json).
    options = {"host": args.host, "port": args.port, "log_config": None,
               "log_level": settings.HUBDESK_LOG_LEVEL.lower()}
    if args.workers > 1:  # separate processes share nothing but the database (see docs/operations.md)
        uvicorn.run("hubdesk.api.main:create_app", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(create_app(), **options)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hubdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question from the knowledge base")
    ask.add_argument("text", nargs="*")
    ask.add_argument("--lang", choices=["uk", "nl", "en"], help="reply in this language")
    ask.add_argument("--json", action="store_true", help="print the full result as JSON")
    ask.add_argument("--jsonl", action="store_true", help="one question per stdin line, one JSON per line")
    ask.set_defaults(func=cmd_ask)

    kb = sub.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("check", help="validate the knowledge base").set_defaults(func=cmd_kb_check)

    run = sub.add_parser("run", help="start HubDesk")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1, help="processes (webhook mode only); default 1")
    run.set_defaults(func=cmd_run)

    for name in COMMAND_MODULES:  # all ship with the package: a missing one is a broken install, said loudly
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()  # HUBDESK_LOG_LEVEL, HUBDESK_LOG_FORMAT=text|json
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KnowledgeBaseError as exc:
        print("hubdesk: the knowledge base has problems (run `hubdesk kb check`):", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

