"""Backups: a copy taken while the app writes is consistent, restores, and passes audit-verify."""
import os
import subprocess
import threading
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from compliance import audit
from compliance.extensions import db
from compliance.org.models import Staff
from tests.conftest import api_token


def _counts(connection) -> dict[str, int]:
    return {table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            for table in db.metadata.sorted_tables}


def _open_copy(app, path):
    """An engine on the backup: the SQLite file itself, or a new PostgreSQL database restored
    from the dump (dropped by the returned cleanup)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return sa.create_engine(f"sqlite:///{path}"), lambda: None
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    target = url.set(database=name)
    subprocess.run(["pg_restore", "--no-owner", "-d",
                    target.set(drivername="postgresql").render_as_string(hide_password=False),
                    str(path)], check=True)
    engine = sa.create_engine(target)

    def cleanup():
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return engine, cleanup


def test_backup_while_writing_is_consistent_and_verifies(app_ctx, world, tmp_path):
    headers = api_token(app_ctx.test_client(), "hr_a")
    db.session.commit()
    stop = threading.Event()
    errors = []

    def writer():
        with app_ctx.app_context():
            client = app_ctx.test_client()
            n = 0
            while not stop.is_set() and n < 400:
                n += 1
                response = client.post("/api/v1/staff", headers=headers, json={
                    "staff_no": f"BK{n:04d}", "name": f"备份{n}", "gender": "F",
                    "department_code": "ZH", "employment": "direct"})
                if response.status_code != 201:
                    errors.append(response.get_json())

    thread = threading.Thread(target=writer)
    thread.start()
    path = tmp_path / "copy.bak"
    try:
        result = app_ctx.test_cli_runner().invoke(args=["backup", str(path)])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert errors == []
    engine, cleanup = _open_copy(app_ctx, path)
    try:
        with engine.connect() as conn:
            staff = conn.execute(sa.select(sa.func.count()).select_from(Staff.__table__)).scalar()
            created = conn.execute(sa.select(sa.func.count()).select_from(
                audit.AuditEntry.__table__).where(audit.AuditEntry.entity == "staff",
                                                  audit.AuditEntry.action == "create")).scalar()
            assert staff == created >= 4  # every person in the copy has its audit entry
        with sa.orm.Session(engine) as session:
            assert audit.verify_chain(session)[1] is None
    finally:
        cleanup()


def test_restore_brings_back_identical_counts(app_ctx, world, tmp_path):
    path = tmp_path / "copy.bak"
    runner = app_ctx.test_cli_runner()
    db.session.commit()
    with db.engine.connect() as conn:
        before = _counts(conn)
    photo = os.path.join(app_ctx.config["UPLOAD_FOLDER"], "photos", "backup-test.jpg")
    os.makedirs(os.path.dirname(photo), exist_ok=True)
    with open(photo, "wb") as handle:
        handle.write(b"evidence")
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    os.remove(photo)  # a lost disk: the photo must come back with the database
    client = app_ctx.test_client()
    client.post("/api/v1/staff", headers=api_token(client, "hr_a"), json={
        "staff_no": "LATE1", "name": "迟到者", "gender": "M", "department_code": "ZH",
        "employment": "direct"})
    db.session.remove()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        assert _counts(conn) == before
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
    with open(photo, "rb") as handle:
        assert handle.read() == b"evidence"
    os.remove(photo)


def test_a_tampered_uploads_archive_cannot_write_outside_the_upload_folder(tmp_path):
    import io
    import tarfile

    import pytest

    from compliance.cli import _restore_uploads

    backup = tmp_path / "copy.bak"
    with tarfile.open(f"{backup}.uploads.tar", "w") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    with pytest.raises(tarfile.FilterError):
        _restore_uploads(str(tmp_path / "uploads"), str(backup))
    assert not (tmp_path / "escaped.txt").exists()
