"""Durable local queues for what a platform was told we have: nothing acknowledged is lost to a crash.

Telegram gets its 200 as soon as an update is queued, and Meta gets its 200 before the replies are sent. A
``kill -9`` between the 200 and the answer used to lose the update. So before acknowledging, the update (or,
for WhatsApp, the replies already decided) is written here, with a full disk flush; it is deleted once it has
been handled, and whatever is still here when the process starts again is handled then.

One SQLite file per channel and *slot* under ``HUBDESK_INBOX_DIR``: a process takes the first slot whose lock
file it can lock (``flock``; the lock dies with the process, even with ``kill -9``), so several processes on
one host each have their own file, and a restarted process takes over the file of the one that died.

What "exactly once" means here: every acknowledged update is answered after a crash. A crash in the
moment between the platform accepting the reply and the entry being deleted (well under a millisecond per
update) answers that update a second time after the restart; nothing is answered zero times.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

SLOTS = 64  # processes per host and channel


class Inbox:
    """One channel's durable queue in this process (``open`` takes a slot, ``close`` gives it back)."""

    def __init__(self, name: str, directory: Path | None = None):
        self.name = name
        self.directory = Path(directory or get_settings().HUBDESK_INBOX_DIR)
        self.path: Path | None = None
        self._lock_fd: int | None = None
        self._db: sqlite3.Connection | None = None
        self._mutex = threading.Lock()

    def open(self) -> Inbox:
        self.directory.mkdir(parents=True, exist_ok=True)
        for slot in range(SLOTS):
            fd = os.open(self.directory / f"{self.name}-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self._lock_fd = fd
            self.path = self.directory / f"{self.name}-{slot}.sqlite3"
            break
        else:
            raise RuntimeError(f"all {SLOTS} {self.name} inbox slots are taken in {self.directory}")
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")  # entries hold visitors' messages
        self._db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, payload TEXT NOT NULL)")
        return self

    def put(self, key: str, payload: str) -> None:
        """Keep one entry durably, on disk before the platform hears "200" (``synchronous=FULL``); a second
        ``put`` of the same key keeps the first."""
        assert self._db is not None, "open() the inbox first"
        with self._mutex:
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("INSERT OR IGNORE INTO entries (key, payload) VALUES (?, ?)", (key, payload))

    def put_many(self, entries: list[tuple[str, str]]) -> None:
        """``put`` for several entries in one transaction: one disk flush for all of them."""
        assert self._db is not None, "open() the inbox first"
        with self._mutex:
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR IGNORE INTO entries (key, payload) VALUES (?, ?)", entries)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def done(self, key: str) -> None:
        """The entry has been handled: forget it.

        Without waiting for the disk (``synchronous=NORMAL`` in WAL mode): the deletion survives the process
        being killed, and only a power cut could undo it, which would answer an update twice, never lose one.
        So it takes microseconds and runs on the event loop, right after the answer went out.
        """
        if self._db is None:
            return
        with self._mutex:
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("DELETE FROM entries WHERE key = ?", (key,))

    def pending(self) -> list[tuple[str, str]]:
        """What a process that died left here, oldest first (call right after ``open``)."""
        assert self._db is not None
        with self._mutex:
            return list(self._db.execute("SELECT key, payload FROM entries ORDER BY rowid"))

    def __len__(self) -> int:
        if self._db is None:
            return 0
        with self._mutex:
            return int(self._db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def close(self) -> None:
        if self._db is not None:
            with self._mutex:
                self._db.close()
            self._db = None
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None


class GroupWriter:
    """Puts from many coroutines, written together: each waits for the one flush that holds its entry.

    A disk flush takes from half a millisecond to several on a busy machine; one per webhook delivery capped a
    burst at about 220 updates a second here. While one batch is being written the next one gathers.
    """

    def __init__(self, inbox: Inbox):
        self.inbox = inbox
        self._waiting: list[tuple[str, str, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{inbox.name}-inbox")

    async def put(self, key: str, payload: str) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((key, payload, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await future

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await loop.run_in_executor(self._thread, self.inbox.put_many, [(k, p) for k, p, _ in batch])
            except Exception as exc:  # each waiting delivery gets the error (and answers 503)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, _, future in batch:
                    if not future.done():
                        future.set_result(None)

    def close(self) -> None:
        self._thread.shutdown(wait=False)
