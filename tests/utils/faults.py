"""Database faults the tests can switch on and off: the database goes away under the app, then comes back.

PostgreSQL: the app reaches the server through ``TcpProxy`` (127.0.0.1, a port of its own); ``cut`` closes
every connection and stops listening (the app meets "connection refused"), ``restore`` listens again. CI
cannot stop the shared server, and this is what an outage or a network cut looks like from the app.

SQLite: ``cut`` closes the pool and moves the database file away (a directory takes its place, so SQLite
cannot even create a new one): every unit of work fails with ``OperationalError``; ``restore`` puts it back.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path

from sqlalchemy.engine import make_url

from hubdesk.db import dispose_engines


class TcpProxy:
    """Forward 127.0.0.1:<port> to ``target``, one thread pair per connection, until cut."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self._server: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self.port = server.getsockname()[1]
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()
        return self

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:  # closed by cut()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._connections += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        if self._server is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept() (close alone does not)
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        with self._lock:
            connections, self._connections = self._connections, []
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        if self._server is None:
            self.start()


class DatabaseFault:
    """Cut and restore the database of one test (see the module docstring); ``url`` is what the app uses."""

    def __init__(self, url: str):
        self.direct_url = url
        self.proxy: TcpProxy | None = None
        self.url = url
        if not url.startswith("sqlite"):
            parsed = make_url(url)
            self.proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432)).start()
            self.url = parsed.set(host="127.0.0.1", port=self.proxy.port).render_as_string(hide_password=False)
        self.down = False

    @property
    def _file(self) -> Path:
        return Path(make_url(self.direct_url).database or "")

    def cut(self) -> None:
        if self.proxy is not None:
            # The pool stays: its connections die with the proxy's, and SQLAlchemy's pre-ping notices and closes
            # them. (Disposing would orphan connections other threads hold, which then leak as ResourceWarnings.)
            self.proxy.cut()
        else:
            dispose_engines()  # SQLite: no open handle may keep the moved file alive
            for suffix in ("", "-wal", "-shm"):
                path = Path(f"{self._file}{suffix}")
                if path.exists():
                    os.replace(path, f"{path}.away")
            self._file.mkdir()
        self.down = True

    def restore(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        else:
            self._file.rmdir()
            for suffix in ("", "-wal", "-shm"):
                away = Path(f"{self._file}{suffix}.away")
                if away.exists():
                    os.replace(away, f"{self._file}{suffix}")
            dispose_engines()
        self.down = False

    def close(self) -> None:
        if self.down:
            self.restore()
        if self.proxy is not None:
            self.proxy.cut()
