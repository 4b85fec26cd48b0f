"""bench/run_all.py's plumbing (not the benchmarks themselves, which take minutes): the interface check, a real
child run of a tiny benchmark, the table, and writing it between the markers of docs/benchmarks.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bench import run_all


@pytest.fixture
def bench_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bench/ package of its own, importable as ``bench`` by the child processes."""
    package = tmp_path / "bench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tiny.py").write_text(
        "def run(quick: bool = False) -> list[dict]:\n"
        "    return [{'benchmark': 'tiny', 'metric': 'quick' if quick else 'full', 'value': 1234.5, 'unit': 'ms',"
        " 'target': '<= 2 s'}]\n"
    )
    (package / "broken.py").write_text("def run(quick: bool = False) -> list[dict]:\n    raise ValueError('nope')\n")
    (package / "old_style.py").write_text("def run(url: str, total: int) -> dict:\n    return {}\n")
    (package / "no_run.py").write_text("def main() -> None:\n    pass\n")
    monkeypatch.setattr(run_all, "BENCH", package)
    monkeypatch.setattr(run_all, "ROOT", tmp_path)
    return package


def test_the_interface_check(bench_dir: Path) -> None:
    assert run_all.has_run("tiny") is None
    assert run_all.has_run("missing") == "not written yet"
    assert "is not run(quick: bool = False)" in (run_all.has_run("old_style") or "")
    assert "has no run(quick) function" in (run_all.has_run("no_run") or "")


def test_a_module_runs_in_its_own_process_and_failures_become_notes(bench_dir: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(bench_dir.parent))
    rows, problem, _ = run_all.run_module("tiny", True, env)
    assert problem is None
    assert rows == [{"benchmark": "tiny", "metric": "quick", "value": 1234.5, "unit": "ms", "target": "<= 2 s"}]
    rows, problem, _ = run_all.run_module("broken", False, env)
    assert rows == []
    assert problem is not None and "ValueError: nope" in problem


def test_the_table_names_the_machine_and_lists_what_was_skipped() -> None:
    header = run_all.machine() | {"date": "2026-11-22", "postgres": "15.2", "command": "python bench/run_all.py",
                                  "seconds": "12", "load": "0.5 / 0.4 / 0.3"}
    rows = [{"benchmark": "tiny | pipe", "metric": "full", "value": 1234.5, "unit": "ms", "target": "<= 2 s"},
            {"benchmark": "tiny", "metric": "count", "value": 1500000, "unit": "", "target": ""}]
    text = run_all.table(rows, ["`bench/x.py` not written yet."], header)
    assert text.startswith(f"Measured 2026-11-22 on {header['cpu']}, {os.cpu_count()} cores")
    assert f"Python {sys.version.split()[0]}" in text and "PostgreSQL 15.2" in text
    assert "| tiny \\| pipe | full | 1,234 ms | <= 2 s |" in text  # the pipe would break the table
    assert "| tiny | count | 1,500,000 |  |" in text
    assert text.rstrip().endswith("- `bench/x.py` not written yet.")


def test_write_replaces_only_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nProse.\n\n{run_all.START}\nold table\n{run_all.END}\n\nMore prose.\n")
    monkeypatch.setattr(run_all, "DOC", doc)
    run_all.write_doc("| new | table |\n")
    assert doc.read_text() == (
        f"# Benchmarks\n\nProse.\n\n{run_all.START}\n| new | table |\n{run_all.END}\n\nMore prose.\n"
    )
