"""One writer at a time on a SQLite database, queued by the kernel rather than by SQLite's
busy handler.

SQLite lets one transaction write at a time. A second writer waits in the busy handler,
which sleeps in growing steps (1, 2, 5, 10 … 100 ms) between tries, and a newcomer can take
the lock ahead of a writer that is asleep. Under a steady stream of short writes (time clocks
sending punches from every window, issue 8) that costs throughput and makes the slowest
requests wait hundreds of milliseconds.

So every writing transaction of the application (the ``BEGIN IMMEDIATE`` of
``compliance._configure_engine``) first takes an exclusive ``flock`` on a file beside the
database, ``<database>-writelock``. ``flock`` blocks in the kernel and wakes a waiter as soon
as the holder lets go; the lock goes with the transaction's commit or rollback, and with the
process if it dies (the kernel drops it with the file descriptor). SQLite's busy handler is
still there for writers outside the application (the ``sqlite3`` shell, a backup).

A thread that already holds the lock through another connection (a nested session) does not
wait for itself: that connection goes on without the file lock, as before it existed.
"""
from __future__ import annotations

import os
import sqlite3
import threading

try:
    import fcntl
except ImportError:  # not a POSIX system: SQLite's busy handler alone
    fcntl = None

_held = threading.local()  # .count: the file locks this thread holds


class WriteLockedConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions queue on the lock file ``lock_path``
    (set on the subclass made per database by :func:`connection_factory`)."""

    lock_path: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._locked = False

    def take_write_lock(self) -> None:
        """Before ``BEGIN IMMEDIATE``: wait for the file lock (no-op when held already)."""
        if self._locked or getattr(_held, "count", 0):
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._locked = True
        _held.count = getattr(_held, "count", 0) + 1

    def _release(self) -> None:
        if self._locked:
            self._locked = False
            _held.count -= 1
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self):
        try:
            return super().commit()
        finally:
            self._release()

    def rollback(self):
        try:
            return super().rollback()
        finally:
            self._release()

    def close(self):
        try:
            return super().close()
        finally:
            self._release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


def connection_factory(database: str | None) -> type[WriteLockedConnection] | None:
    """The connection class for a database file, or None (in memory, or no ``flock``)."""
    if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = os.path.abspath(database) + "-writelock"
    return type("WriteLockedConnection", (WriteLockedConnection,), {"lock_path": path})
