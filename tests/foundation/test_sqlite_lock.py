"""The SQLite write lock file (compliance/sqlite_lock.py): every writing transaction of the
application holds it from its BEGIN IMMEDIATE to its commit or rollback, a second writer
waits for it in the kernel, and a thread never waits for a lock it holds itself."""
from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
import sqlalchemy as sa

from compliance.extensions import db
from compliance.org.models import Centre
from compliance.sqlite_lock import WriteLockedConnection, connection_factory


@pytest.fixture
def sqlite_ctx(app_ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock file is SQLite's")
    return app_ctx


def lock_is_free() -> bool:
    """Whether another process could take the lock file now (probing it with a new open)."""
    fd = os.open(db.engine.url.database + "-writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_connections_of_a_database_file_take_its_lock_file(sqlite_ctx):
    raw = db.session.connection().connection.dbapi_connection
    assert isinstance(raw, WriteLockedConnection)
    assert raw.lock_path == os.path.abspath(db.engine.url.database) + "-writelock"
    assert connection_factory(":memory:") is None and connection_factory(None) is None


def test_a_write_transaction_holds_the_lock_until_commit_or_rollback(sqlite_ctx):
    assert lock_is_free()
    db.session.add(Centre(code="L1", name="一号", timezone="Asia/Shanghai"))
    db.session.flush()
    assert not lock_is_free()
    db.session.commit()
    assert lock_is_free()

    db.session.execute(sa.select(Centre.id)).all()  # outside a request: a writing transaction
    assert not lock_is_free()
    db.session.rollback()
    assert lock_is_free()


def test_a_second_writer_waits_for_the_first_and_then_writes(sqlite_ctx, app):
    db.session.add(Centre(code="W1", name="一号", timezone="Asia/Shanghai"))
    db.session.flush()  # this thread now holds the write lock
    done = threading.Event()
    failure = []

    def second_writer():
        try:
            with app.app_context():
                db.session.add(Centre(code="W2", name="二号", timezone="Asia/Shanghai"))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported to the test below
            failure.append(exc)
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)
    assert not done.is_set()  # waiting for the lock, not failing with "database is locked"
    db.session.commit()
    thread.join(timeout=10)
    assert done.is_set() and not failure
    codes = db.session.scalars(sa.select(Centre.code).order_by(Centre.code)).all()
    assert codes == ["W1", "W2"]
    db.session.commit()
    assert lock_is_free()


def test_a_thread_never_waits_for_its_own_lock(sqlite_ctx):
    """A second connection of the thread that holds the lock goes on without the lock file
    (SQLite's busy handler still guards the database itself)."""
    db.session.add(Centre(code="N1", name="一号", timezone="Asia/Shanghai"))
    db.session.flush()
    other = db.engine.raw_connection()
    try:
        raw = other.dbapi_connection
        started = time.monotonic()
        raw.take_write_lock()  # returns at once: this thread holds the lock already
        assert time.monotonic() - started < 1
        assert raw._locked is False
    finally:
        other.close()
    db.session.commit()
    assert lock_is_free()


def test_closing_a_connection_lets_the_lock_go(sqlite_ctx):
    other = db.engine.raw_connection()
    raw = other.dbapi_connection
    raw.take_write_lock()
    assert not lock_is_free()
    other.invalidate()  # closes the DBAPI connection
    assert lock_is_free()
