"""The ``hubdesk`` command line: ask (one, --json, --jsonl), kb check."""

import json
import subprocess
import sys

from hubdesk.cli import main


def test_ask_json(capsys):
    assert main(["ask", "--json", "mag ik werken met tijdelijke bescherming"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["action"] == "answer"
    assert out["article"] == "work-without-permit"
    assert out["language"] == "nl" and out["reply_language"] == "nl"
    assert 0.0 <= out["confidence"] <= 1.0
    assert "werkvergunning" in out["text"]


def test_ask_lang_overrides(capsys):
    assert main(["ask", "--json", "--lang", "en", "Чи можу я працювати без дозволу?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reply_language"] == "en" and out["language"] == "uk"


def test_ask_without_text_is_a_usage_error(capsys):
    assert main(["ask"]) == 2
    assert "give a question" in capsys.readouterr().err


def test_ask_jsonl_keeps_order_and_survives_invalid_utf8():
    lines = [
        "Чи можу я працювати без дозволу?".encode(),
        b"\xff\xfe broken \xc3",
        b"",
        "не хочу більше жити".encode(),
        ("x" * 10_000).encode(),
        "Привіт!".encode(),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "hubdesk.cli", "ask", "--jsonl"],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        timeout=120,
        check=True,
    )
    results = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(results) == len(lines)
    assert results[0]["article"] == "work-without-permit"
    assert results[3]["action"] == "crisis"
    assert results[5]["action"] == "greeting"
    for r in results:
        assert set(r) >= {"action", "category", "article", "language", "reply_language", "confidence", "text"}


def test_kb_check_passes_on_the_shipped_knowledge_base(capsys):
    assert main(["kb", "check"]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_kb_check_fails_on_a_broken_file(tmp_path, monkeypatch, capsys):
    import shutil

    from hubdesk.knowledge_base.loader import DEFAULT_DIR
    from hubdesk.settings import get_settings

    kb = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, kb, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (kb / "articles" / "work-without-permit.yaml").write_text("id: [", encoding="utf-8")
    monkeypatch.setenv("HUBDESK_KB_DIR", str(kb))
    get_settings.cache_clear()
    try:
        assert main(["kb", "check"]) == 1
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "work-without-permit.yaml" in out and "not valid YAML" in out


def test_run_refuses_several_workers_when_telegram_polls(monkeypatch, capsys):
    from hubdesk.settings import get_settings

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["run", "--workers", "2"]) == 2
    finally:
        get_settings.cache_clear()
    assert "webhook mode" in capsys.readouterr().err
