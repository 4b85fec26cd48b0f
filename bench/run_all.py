"""Run every benchmark under bench/ and print one markdown table, with the date and the machine.

    python bench/run_all.py                 # the full run (several minutes; .venv is used)
    .venv/bin/python bench/run_all.py --quick         # smaller inputs, for a smoke test
    .venv/bin/python bench/run_all.py --write         # also put the table into docs/benchmarks.md
    .venv/bin/python bench/run_all.py --postgres URL  # PostgreSQL for the benches that use it
                                                      # (default: $HUBDESK_TEST_DATABASE_URL, else SQLite only)

The interface: a module ``bench/<name>.py`` with ``def run(quick: bool = False) -> list[dict]`` returning rows
``{"benchmark", "metric", "value", "unit", "target"}``. Each module runs in a process of its own (one cannot
disturb another's memory or settings), with ``HUBDESK_BENCH_POSTGRES_URL`` set when PostgreSQL is available.
A module without that function, or one that fails, is listed under the table with the reason; the rest still run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"
# The benchmarks the README promises, in table order; any other bench/*.py with run(quick) follows them.
EXPECTED = (
    "understanding", "answer_speed", "matcher_accuracy", "matcher_crossval", "webhook_throughput", "memory",
    "stats_report",
)
SKIP = {"run_all", "__init__"}
TIMEOUT_S = 1800

CHILD = """
import json, sys
from bench import {name} as module
rows = module.run(quick={quick})
print("\\n@@ROWS@@" + json.dumps(rows, ensure_ascii=False))
"""


def machine() -> dict[str, str]:
    """CPU model, cores, memory, Python, OS: what the numbers depend on."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", info, re.MULTILINE)
        cpu = model.group(1).strip() if model else cpu
        total = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
        memory = f"{int(total.group(1)) / 1024 / 1024:.1f} GiB" if total else ""
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def postgres_version(url: str | None) -> str:
    if not url:
        return ""
    sys.path.insert(0, str(ROOT))
    try:
        from sqlalchemy import text

        from hubdesk.db import make_engine

        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                return str(connection.execute(text("SHOW server_version")).scalar_one()).split()[0]
        finally:
            engine.dispose()
    except Exception as exc:  # reported in the header; the benches themselves will say what failed
        return f"unreachable ({type(exc).__name__})"


def modules() -> list[str]:
    """Every bench module, the expected ones first (missing ones too: they are reported as missing)."""
    present = sorted(p.stem for p in BENCH.glob("*.py") if p.stem not in SKIP)
    return list(EXPECTED) + [name for name in present if name not in EXPECTED]


def has_run(name: str) -> str | None:
    """None when ``bench/<name>.py`` exposes ``run(quick=False)``, otherwise why not (without importing it)."""
    path = BENCH / f"{name}.py"
    if not path.exists():
        return "not written yet"
    match = re.search(r"^def run\(([^)]*)\)", path.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        return "has no run(quick) function (run it on its own: see its docstring)"
    params = [p.strip() for p in match.group(1).split(",") if p.strip()]
    if params and not (len(params) == 1 and params[0].startswith("quick")):
        return f"run({match.group(1)}) is not run(quick: bool = False)"
    return None


def run_module(name: str, quick: bool, env: dict[str, str]) -> tuple[
    list[dict], str | None, float
]:
    """(rows, problem, seconds) of one module, run in a fresh interpreter."""
    started = time.perf_counter()
    code = CHILD.format(name=name, quick=quick)
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return [], f"timed out after {TIMEOUT_S} s", time.perf_counter() - started
    seconds = time.perf_counter() - started
    marker = done.stdout.rfind("@@ROWS@@")
    if done.returncode != 0 or marker < 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Interrupt|Exit)\b", line)]
        last = (errors or lines)[-1]
        return [], f"failed (exit {done.returncode}): {last[:200]}", seconds
    rows = json.loads(done.stdout[marker + len("@@ROWS@@"):])
    bad = [row for row in rows if not {"benchmark", "metric", "value", "unit"} <= row.keys()]
    if not isinstance(rows, list) or bad:
        return [], "returned rows without benchmark/metric/value/unit", seconds
    return rows, None, seconds


def _cell(value: object) -> str:
    if isinstance(value, float):
        value = f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    elif isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:,}"
    return str(value).replace("|", "\\|")


def table(rows: list[dict], notes: list[str], header: dict[str, str]) -> str:
    lines = [
        f"Measured {header['date']} on {header['cpu']}, {header['cores']} cores"
        + (f", {header['memory']} RAM" if header["memory"] else "")
        + f"; Python {header['python']}, {header['os']}"
        + (f"; PostgreSQL {header['postgres']}" if header.get("postgres") else "; PostgreSQL not used")
        + f". Command: `{header['command']}` ({header['seconds']} s; load average {header['load']} at the start:"
        + " other work on the machine slows the numbers down).",
        "",
        "| Benchmark | Metric | Value | Target |",
        "|---|---|---:|---|",
    ]
    for row in rows:
        value = f"{_cell(row['value'])} {row['unit']}".strip()
        target = _cell(row.get("target", ""))
        lines.append(f"| {_cell(row['benchmark'])} | {_cell(row['metric'])} | {value} | {target} |")
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def write_doc(text: str) -> None:
    """Replace the table between the markers in docs/benchmarks.md (the prose around it stays)."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in doc or END not in doc:
        doc += f"\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(f"{head}{START}\n{text}{END}{tail}", encoding="utf-8")


def use_the_venv() -> None:
    """``python bench/run_all.py`` with a Python that lacks HubDesk's packages: run again with .venv's."""
    try:
        import sqlalchemy  # noqa: F401
    except ModuleNotFoundError:
        venv = ROOT / ".venv" / "bin" / "python"
        if venv.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
            os.execv(str(venv), [str(venv), *sys.argv])
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller inputs (a smoke test, not the numbers to cite)")
    parser.add_argument("--write", action="store_true", help=f"write the table into {DOC.relative_to(ROOT)}")
    parser.add_argument("--postgres", default=os.environ.get("HUBDESK_TEST_DATABASE_URL"), help="PostgreSQL URL")
    parser.add_argument("--only", nargs="*", help="run only these modules")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if args.postgres:
        env["HUBDESK_BENCH_POSTGRES_URL"] = args.postgres
    rows: list[dict] = []
    notes: list[str] = []
    for name in args.only or modules():
        problem = has_run(name)
        if problem is None:
            print(f"== {name} ...", file=sys.stderr, flush=True)
            found, problem, seconds = run_module(name, args.quick, env)
            rows += found
            print(f"== {name}: {len(found)} rows in {seconds:.0f} s" + (f" ({problem})" if problem else ""),
                  file=sys.stderr, flush=True)
        if problem is not None:
            notes.append(f"`bench/{name}.py` {problem}.")
    header = machine() | {
        "date": dt.date.today().isoformat(),
        "postgres": postgres_version(args.postgres),
        "command": "python bench/run_all.py" + (" --quick" if args.quick else ""),
        "seconds": f"{time.perf_counter() - started:.0f}",
        "load": load,
    }
    text = table(rows, notes, header)
    print(text)
    if args.write:
        write_doc(text)
        print(f"written to {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0 if rows else 1


if __name__ == "__main__":
    use_the_venv()
    sys.exit(main())
