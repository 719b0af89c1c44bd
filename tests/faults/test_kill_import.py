"""``kill -9`` of the server in the middle of a large import: no partial import is left, the
audit chain still verifies, and the same import run again succeeds (SPEC §10)."""
from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
import urllib.request
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from compliance.audit import verify_chain
from compliance.extensions import db
from compliance.org.models import Staff
from tests.conftest import api_token
from tests.faults.server import Gunicorn

ROWS = 8_000


def _staff_csv() -> bytes:
    lines = ["工号,姓名,性别,部门编码,用工类型,窗口编码"]
    lines += [f"K{n:06d},导入员工{n},{'女' if n % 2 else '男'},ZH,direct,A01"
              for n in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def _multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
               f"filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n".encode())
    body.write(content)
    body.write(f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def _post_import(server: Gunicorn, token: dict, content: bytes) -> tuple[int, dict]:
    body, content_type = _multipart("file", "staff.csv", content)
    request = urllib.request.Request(f"{server.url}/api/v1/staff/import", data=body,
                                     method="POST",
                                     headers={**token, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _import_is_writing(database_url: str) -> bool:
    """True while another connection holds an open write transaction on the staff table."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        probe = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # "database is locked": the import holds the lock
            return True
        finally:
            probe.close()
    with db.engine.connect() as conn:
        held = conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON l.relation = c.oid "
            "WHERE c.relname = 'staff' AND l.mode = 'RowExclusiveLock' "
            "AND l.pid <> pg_backend_pid()")).scalar()
        conn.rollback()
        return bool(held)


def _staff_count() -> int:
    db.session.rollback()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Staff))
    db.session.rollback()
    return count


def test_kill_during_a_large_import_leaves_nothing_and_the_rerun_succeeds(
        app_ctx, client, world, database_url, tmp_path):
    token = api_token(client, "hr_a")
    before = _staff_count()
    db.session.rollback()
    content = _staff_csv()

    server = Gunicorn(database_url, tmp_path)
    outcome: dict = {}
    sender = threading.Thread(
        target=lambda: outcome.update(answer=_post_import(server, token, content)),
        daemon=True)
    try:
        sender.start()
        deadline = time.monotonic() + 120
        while not _import_is_writing(database_url):
            assert "answer" not in outcome, "the import ended before it could be interrupted"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        server.kill()
    finally:
        server.stop()
    sender.join(timeout=30)
    assert "answer" not in outcome or outcome["answer"][0] != 200

    assert _staff_count() == before  # all or nothing: nothing
    assert verify_chain()[1] is None
    db.session.rollback()

    server = Gunicorn(database_url, tmp_path)
    try:
        status, report = _post_import(server, token, content)
        assert status == 200, report
        assert report["created"] == ROWS
        assert _staff_count() == before + ROWS
        status, again = _post_import(server, token, content)  # the same file changes nothing
        assert status == 200 and again["created"] == 0 and again["unchanged"] == ROWS
    finally:
        server.stop()
    assert verify_chain()[1] is None
    db.session.rollback()
