"""Counters for ``/metrics`` in the Prometheus text format (version 0.0.4), written by hand: no dependency.

Decided once, so that several ``hubdesk run`` processes behind a load balancer report true totals:
- replies and cases are counted **from the database** (events and cases rows are never deleted; purging only
  blanks a case's text), so every process answers the same numbers and a scrape of any one is enough;
- errors, memory and the in-memory event queue belong to **one process** and carry a ``process`` label
  (host:pid): sum them over the processes you scrape.
Labels are coarse on purpose (outcome, channel, status): no hub or category, so nothing counts a few people.
"""

from __future__ import annotations

import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from hubdesk import __version__
from hubdesk.logs import PROCESS_LABEL, error_counter
from hubdesk.models import Case, Event

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STARTED = time.time()

# Requests this process refused, by reason (body_too_large, cross_origin, webchat_session, webchat_client,
# webchat_open_cases): per process, like the error counter; a surge shows an attack or a limit set too low.
_refused: Counter[str] = Counter()
_refused_lock = threading.Lock()


def refused(reason: str) -> None:
    """Count one refused request."""
    with _refused_lock:
        _refused[reason] += 1


def refused_counts() -> dict[str, int]:
    with _refused_lock:
        return dict(_refused)


def _label_value(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name: str, labels: dict[str, object], value: float) -> str:
    inner = ",".join(f'{key}="{_label_value(val)}"' for key, val in labels.items())
    number = str(int(value)) if float(value).is_integer() else repr(float(value))
    return f"{name}{{{inner}}} {number}" if inner else f"{name} {number}"


def _family(name: str, kind: str, doc: str, samples: Iterable[tuple[dict[str, object], float]]) -> list[str]:
    return [f"# HELP {name} {doc}", f"# TYPE {name} {kind}", *(_sample(name, lab, val) for lab, val in samples)]


def resident_memory_bytes() -> int:
    """This process's resident memory now (Linux /proc), or its peak where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _database_families(session: Session) -> list[str]:
    replies = session.exec(select(Event.outcome, Event.channel, func.count()).group_by(Event.outcome, Event.channel))
    opened = session.exec(select(Case.urgent, func.count()).group_by(Case.urgent))
    status = dict(session.exec(select(Case.status, func.count()).group_by(Case.status)).all())
    return [
        *_family(
            "hubdesk_replies_total",
            "counter",
            "Questions handled by outcome (answered, choices, unanswered, escalated, crisis, greeting), all processes.",
            (({"outcome": outcome, "channel": channel}, n) for outcome, channel, n in replies),
        ),
        *_family(
            "hubdesk_cases_opened_total",
            "counter",
            "Cases opened for volunteers since the start; all processes.",
            (({"urgent": str(bool(urgent)).lower()}, n) for urgent, n in opened),
        ),
        *_family(
            "hubdesk_cases",
            "gauge",
            "Cases now in each status; all processes.",
            (({"status": name}, status.get(name, 0)) for name in ("open", "claimed", "answered", "closed")),
        ),
    ]


def render(session: Session) -> str:
    """The whole page. A database outage still yields the per-process part and ``hubdesk_database_up 0``."""
    from hubdesk.events import pending_events

    try:
        database = _database_families(session)
        up = 1
    except SQLAlchemyError:
        session.rollback()
        database, up = [], 0
    process = {"process": PROCESS_LABEL}
    lines = [
        *_family("hubdesk_info", "gauge", "Version of this process.", [({"version": __version__} | process, 1)]),
        *_family("hubdesk_database_up", "gauge", "Whether this process reached the database.", [(process, up)]),
        *database,
        *_family(
            "hubdesk_errors_total",
            "counter",
            "ERROR log records of this process, by top-level logger; sum over processes.",
            (({"logger": name} | process, n) for name, n in sorted(error_counter.counts().items())),
        ),
        *_family(
            "hubdesk_requests_refused_total",
            "counter",
            "Requests this process refused (body too large, cross-origin, web-chat throttle); sum over processes.",
            (({"reason": reason} | process, n) for reason, n in sorted(refused_counts().items())),
        ),
        *_family(
            "hubdesk_pending_events",
            "gauge",
            "Events waiting in this process's memory for the database to come back.",
            [(process, len(pending_events))],
        ),
        *_family(
            "hubdesk_process_resident_memory_bytes", "gauge", "Resident memory of this process.",
            [(process, resident_memory_bytes())],
        ),
        *_family("hubdesk_process_start_time_seconds", "gauge", "Start of this process (Unix time).",
                 [(process, round(STARTED, 3))]),
    ]
    return "\n".join(lines) + "\n"
