"""Units of work (``hubdesk.db.session_scope``): on SQLite a process's units take turns, on PostgreSQL not."""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.engine import Engine

from hubdesk.db import session_scope


def _two_units(engine: Engine) -> list[str]:
    """Start a unit of work, then a second one in another thread; return the order of what happened.

    The first waits (at most 2 s) for the second to get in: with turns taken, it never does.
    """
    order: list[str] = []
    first_in, second_in = threading.Event(), threading.Event()

    def first() -> None:
        with session_scope(engine) as session:
            session.execute(text("SELECT 1"))
            order.append("first in")
            first_in.set()
            second_in.wait(timeout=2)
            order.append("first out")

    def second() -> None:
        first_in.wait()
        with session_scope(engine) as session:
            session.execute(text("SELECT 1"))
            order.append("second in")
            second_in.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return order


def test_units_of_work_take_turns_on_sqlite_only(engine: Engine) -> None:
    order = _two_units(engine)
    if engine.dialect.name == "sqlite":  # one writer at a time: waiting on a lock, not in SQLite's busy sleeps
        assert order == ["first in", "first out", "second in"]
    else:  # PostgreSQL locks rows, not the database
        assert order == ["first in", "second in", "first out"]


def test_a_unit_of_work_may_open_another_in_the_same_thread(engine: Engine) -> None:
    """The turn is per thread (re-entrant): a helper that opens its own unit of work inside one is fine."""
    with session_scope(engine) as outer:
        outer.execute(text("SELECT 1"))
        with session_scope(engine) as inner:
            assert inner.execute(text("SELECT 2")).scalar_one() == 2
