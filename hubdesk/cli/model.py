"""``hubdesk model build|info``: the trained understanding model (hubdesk/engine/model.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hubdesk.cli.writes import refuse_installed_kb
from hubdesk.settings import get_settings


def cmd_model_build(args: argparse.Namespace) -> int:
    """Train every head from the knowledge base and its corpus; write the model file."""
    from hubdesk.engine.encoder import EncoderUnavailable, load_encoder
    from hubdesk.engine.model import model_path
    from hubdesk.engine.training import build_model

    settings = get_settings()
    if not args.out and refuse_installed_kb("model build", settings.HUBDESK_KB_DIR):
        return 1
    try:
        # One OpenMP thread per encode: the vector cache runs one encode per core side by side.
        encoder = load_encoder(settings.HUBDESK_ENCODER, settings.HUBDESK_ENCODER_PATH, threads=1)
    except EncoderUnavailable as exc:
        print(f"hubdesk model build: {exc}", file=sys.stderr)
        return 1
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)

    model = build_model(settings.HUBDESK_KB_DIR, encoder, settings.HUBDESK_CACHE_DIR, progress=say)
    out = Path(args.out) if args.out else model_path(settings.HUBDESK_KB_DIR)
    model.save(out)
    say(f"wrote {out}")
    print(json.dumps(model.manifest.metrics, indent=2))
    return 0


def cmd_model_info(args: argparse.Namespace) -> int:
    """Which data and encoder the model was built from, whether it is current, its out-of-fold numbers."""
    from hubdesk.engine.model import UnderstandingModel, data_fingerprint, model_path

    settings = get_settings()
    path = model_path(settings.HUBDESK_KB_DIR)
    try:
        model = UnderstandingModel.load(path)
    except (OSError, ValueError, KeyError) as exc:
        print(f"hubdesk model info: cannot load {path}: {exc}", file=sys.stderr)
        return 1
    current = data_fingerprint(settings.HUBDESK_KB_DIR) == model.manifest.fingerprint
    print(json.dumps({"file": str(path), "encoder": model.manifest.encoder_id, "current": current,
                      "metrics": model.manifest.metrics}, indent=2))
    return 0 if current else 3


def register(sub: argparse._SubParsersAction) -> None:
    model = sub.add_parser("model", help="the trained understanding model")
    model_sub = model.add_subparsers(dest="model_command", required=True)
    build = model_sub.add_parser("build", help="train the model from the knowledge base and its corpus")
    build.add_argument("--out", help="write here instead of knowledge_base/model/understanding.npz")
    build.set_defaults(func=cmd_model_build)
    model_sub.add_parser("info", help="show what the model was built from; exit 3 when it is stale").set_defaults(
        func=cmd_model_info)
