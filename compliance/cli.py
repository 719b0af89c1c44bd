"""Flask commands of API.md: init-db, create-user, seed-demo, backup, audit-verify."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from . import audit
from .extensions import db


def register_cli(app: Flask) -> None:
    for command in (init_db, create_user_command, seed_demo_command, backup_command,
                    restore_command, audit_verify, scheduler_command, run_job_command,
                    remind_deadlines):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or migrate the database named by COMPLIANCE_DATABASE_URL."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("database is at the latest migration")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["staff", "inspector", "unit_lead", "hr", "admin"]))
@click.option("--password", required=True)
@click.option("--staff-no")
@click.option("--department", "department_code")
@click.option("--centre", "centre_code", help="centre code (default: the only centre)")
@with_appcontext
def create_user_command(username, role, password, staff_no, department_code, centre_code):
    """Create a login with a role and its scope."""
    from .auth.models import Role, User
    from .auth.operations import create_user
    from .org.models import Centre, Department, Staff

    audit.acting_as("cli")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise click.UsageError(f"user {username} exists")
    role = Role(role)
    centre = None
    if centre_code:
        centre = db.session.scalars(sa.select(Centre).where(Centre.code == centre_code)).first()
        if centre is None:
            raise click.UsageError(f"no centre {centre_code}")
    staff = department = None
    if staff_no:
        staff = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first()
        if staff is None:
            raise click.UsageError(f"no staff number {staff_no}")
        centre = centre or db.session.get(Centre, staff.centre_id)
    if centre is None and role not in (Role.hr, Role.admin):
        centres = db.session.scalars(sa.select(Centre).limit(2)).all()
        if len(centres) != 1:
            raise click.UsageError("name the centre with --centre")
        centre = centres[0]
    if department_code:
        stmt = sa.select(Department).where(Department.code == department_code)
        if centre is not None:
            stmt = stmt.where(Department.centre_id == centre.id)
        department = db.session.scalars(stmt).first()
        if department is None:
            raise click.UsageError(f"no department {department_code}")
    if role is Role.staff and staff is None:
        raise click.UsageError("a staff login needs --staff-no")
    if role is Role.unit_lead and department is None:
        raise click.UsageError("a unit lead needs --department")
    try:
        create_user(username, password, role, centre_id=centre.id if centre else None,
                    department_id=department.id if department else None,
                    staff_id=staff.id if staff else None)
    except ValueError as exc:
        raise click.UsageError("the password needs at least 8 characters") from exc
    db.session.commit()
    click.echo(f"created {role.value} {username}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="do nothing when the database holds a centre")
@with_appcontext
def seed_demo_command(if_empty):
    """Load a realistic demo centre and print its logins."""
    from .demo import DEMO_PASSWORD, seed_demo
    from .org.models import Centre

    audit.acting_as("seed-demo")
    if db.session.scalar(sa.select(sa.func.count(Centre.id))):
        if if_empty:
            click.echo("database already holds data; demo not loaded")
            _print_logins()
            return
        raise click.UsageError("the database already holds a centre")
    seed_demo()
    db.session.commit()
    click.echo("demo centre loaded")
    _print_logins()


def _print_logins():
    from .demo import DEMO_PASSWORD

    click.echo("demo logins (password %s):" % DEMO_PASSWORD)
    for name, role in (("admin", "admin"), ("hr", "hr"), ("inspector", "inspector"),
                       ("lead", "unit_lead, 市税务局"), ("staff", "staff, S1001")):
        click.echo(f"  {name:<10} {role}")


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path):
    """Write a consistent, restorable copy of the database to PATH.

    SQLite: the online backup API (consistent while the app writes). PostgreSQL: pg_dump in
    its custom format (one snapshot), restored with ``restore``.
    """
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        target = path + ".partial"
        source = sqlite3.connect(url.database)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        os.replace(target, path)
    elif url.get_backend_name() == "postgresql":
        if not shutil.which("pg_dump"):
            raise click.ClickException("pg_dump is not installed")
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "-f", path,
                        _libpq_url(url)], check=True)
    else:
        raise click.ClickException(f"no backup method for {url.get_backend_name()}")
    # Photos and snapshots after the database: files are only ever added (or, for unflagged
    # snapshots, deleted by retention), so every file the copy refers to is in the archive.
    archive = _archive_uploads(current_app.config["UPLOAD_FOLDER"], path)
    click.echo(f"backup written to {path} (uploads: {archive})")


def _uploads_archive(path: str) -> str:
    return path + ".uploads.tar"


def _archive_uploads(folder: str, path: str) -> str:
    import tarfile

    target = _uploads_archive(path)
    with tarfile.open(target + ".partial", "w") as tar:
        if os.path.isdir(folder):
            tar.add(folder, arcname=".")
    os.replace(target + ".partial", target)
    return target


def _restore_uploads(folder: str, path: str) -> bool:
    """Put back the photos and snapshots saved beside a backup (files only; a path that would
    leave the upload folder is refused by tarfile's ``data`` filter)."""
    import tarfile

    archive = _uploads_archive(path)
    if not os.path.exists(archive):
        return False
    os.makedirs(folder, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return True


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="replace the current database without asking")
@with_appcontext
def restore_command(path, yes):
    """Replace the database with a copy written by ``backup`` (stop the app first)."""
    if not yes:
        click.confirm("This replaces every record in the database. Continue?", abort=True)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(dir=os.path.dirname(url.database) or ".") as tmp:
            staged = os.path.join(tmp, "restore.sqlite3")
            shutil.copyfile(path, staged)
            for suffix in ("-wal", "-shm"):
                if os.path.exists(url.database + suffix):
                    os.remove(url.database + suffix)
            os.replace(staged, url.database)
    elif url.get_backend_name() == "postgresql":
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        "-d", _libpq_url(url), path], check=True)
    else:
        raise click.ClickException(f"no restore method for {url.get_backend_name()}")
    if _restore_uploads(current_app.config["UPLOAD_FOLDER"], path):
        click.echo("photos and snapshots restored")
    click.echo("database restored; run audit-verify to check it")


@click.command("audit-verify")
@with_appcontext
def audit_verify():
    """Recompute the audit chain; report the first tampered entry (exit 1)."""
    checked, bad = audit.verify_chain()
    if bad is not None:
        click.echo(f"audit chain BROKEN at entry {bad} (after {checked} good entries)", err=True)
        raise SystemExit(1)
    click.echo(f"audit chain intact: {checked} entries")


@click.command("scheduler")
@click.option("--once", is_flag=True, help="run queued jobs once and exit (for tests)")
def scheduler_command(once):
    """Run the scheduled jobs in the foreground (one process per deployment)."""
    import logging

    from flask import current_app as app

    from .jobs import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(app._get_current_object(), once=once)


@click.command("run-job")
@click.argument("name")
@with_appcontext
def run_job_command(name):
    """Run one registered job now and print its result."""
    from .jobs import REGISTRY, execute

    if name not in REGISTRY:
        raise click.UsageError(f"unknown job {name}; known: {', '.join(sorted(REGISTRY))}")
    run = execute(current_app._get_current_object(), name, trigger="manual", requested_by="cli")
    click.echo(f"{name}: {run.status} {run.result or run.error}")
    if run.status != "succeeded":
        raise SystemExit(1)



@click.command("remind-deadlines")
@click.option("--date", "day", help="YYYY-MM-DD (default: today in Asia/Shanghai)")
@with_appcontext
def remind_deadlines(day):
    """Remind the people responsible for overdue complaints and bad-review cases (once a
    day per case and person; running it twice reminds once)."""
    from datetime import date

    from .cases.reminders import send_deadline_reminders
    from .timeutil import local_today

    audit.acting_as("remind-deadlines")
    today = date.fromisoformat(day) if day else local_today(
        current_app.config.get("COMPLIANCE_TIMEZONE", "Asia/Shanghai"))
    created = send_deadline_reminders(today)
    db.session.commit()
    click.echo(f"{created} reminders for {today.isoformat()}")
