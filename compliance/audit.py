"""Append-only, hash-chained audit log (SPEC §10).

Every insert, update and delete of a model marked ``AuditedMixin`` is written by a session
hook in the same transaction as the change, so no code path can change a record without its
entry. Each entry stores who, when, what, the values before and after, and the hash of the
previous entry; ``verify_chain`` recomputes the chain and names the first entry that no longer
matches. Entries are never updated or deleted by the application.
"""
from __future__ import annotations

import decimal
import enum
import hashlib
import json
from datetime import date, datetime, time, timezone
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import AuditedMixin, utcnow
from .extensions import db

GENESIS = "0" * 64
SECRET = "***"


class AuditEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(100))
    centre_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    entity: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[str | None] = mapped_column(sa.String(60))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_entry_entity_entity_id", "entity", "entity_id"),)


class AuditLogIsAppendOnly(Exception):
    pass


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return value


def entry_hash(fields: dict, prev_hash: str) -> str:
    canonical = json.dumps(
        {**fields, "prev_hash": prev_hash}, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _hashed_fields(row: dict) -> dict:
    return {
        "at": _plain(row["at"]),
        "actor_id": row["actor_id"],
        "actor": row["actor"],
        "centre_id": row["centre_id"],
        "action": row["action"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "before": row["before"],
        "after": row["after"],
        "remote_addr": row["remote_addr"],
    }


def current_actor() -> tuple[int | None, str]:
    """The user of the request, or the CLI/job name set with ``acting_as``."""
    override = g.get("audit_actor") if _has_app_g() else None
    if override:
        return override
    if has_request_context():
        from flask_login import current_user

        if current_user and getattr(current_user, "is_authenticated", False):
            return current_user.id, current_user.username
        return None, "anonymous"
    return None, "system"


def _has_app_g() -> bool:
    from flask import has_app_context

    return has_app_context()


def acting_as(name: str, user_id: int | None = None) -> None:
    """Name the actor for changes made outside a request (CLI commands, scheduled jobs)."""
    g.audit_actor = (user_id, name)


def snapshot(obj) -> dict:
    state = inspect(obj)
    secret = set(getattr(obj, "__audit_secret__", ()))
    return {
        attr.key: (SECRET if attr.key in secret else _plain(getattr(obj, attr.key)))
        for attr in state.mapper.column_attrs
    }


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    secret = set(getattr(obj, "__audit_secret__", ()))
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if _plain(old) == _plain(new):
            continue
        before[attr.key] = SECRET if attr.key in secret else _plain(old)
        after[attr.key] = SECRET if attr.key in secret else _plain(new)
    return before, after


def _centre_of(obj) -> int | None:
    if obj.__class__.__name__ == "Centre":
        return obj.id
    return getattr(obj, "centre_id", None)


def _primary_key(obj) -> str:
    ident = inspect(obj).identity
    return ",".join(str(part) for part in ident) if ident else ""


def _lock_chain(connection) -> None:
    """Serialise appends so the chain stays linear (SQLite already has one writer)."""
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK)


def append(connection, entries: list[dict]) -> None:
    """Write entries (dicts of the hashed fields) at the end of the chain."""
    if not entries:
        return
    _lock_chain(connection)
    prev = connection.execute(_LAST_HASH).scalar()
    prev = prev or GENESIS
    rows = []
    for entry in entries:
        digest = entry_hash(_hashed_fields(entry), prev)
        rows.append({**entry, "prev_hash": prev, "hash": digest})
        prev = digest
    for row in rows:  # one by one: ids must follow chain order on every engine
        connection.execute(_INSERT, row)


# built once (every audited write runs them)
_LOCK = sa.text("SELECT pg_advisory_xact_lock(7262001)")
_LAST_HASH = (sa.select(AuditEntry.__table__.c.hash)
              .order_by(AuditEntry.__table__.c.id.desc()).limit(1))
_INSERT = AuditEntry.__table__.insert()


def _base_entry(action: str, entity: str, entity_id: str | None, centre_id: int | None) -> dict:
    actor_id, actor = current_actor()
    remote = request.remote_addr if has_request_context() else None
    # Microseconds are dropped: SQLite and PostgreSQL then give back the same instant.
    now = utcnow().replace(microsecond=0)
    return {
        "at": now,
        "actor_id": actor_id,
        "actor": actor,
        "centre_id": centre_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "remote_addr": remote,
    }


def log_event(action: str, entity: str, entity_id=None, *, centre_id=None, before=None,
              after=None, session: Session | None = None) -> None:
    """Record an action that is not a row change (a login, an export, an approval note)."""
    session = session or db.session
    entry = _base_entry(action, entity, None if entity_id is None else str(entity_id), centre_id)
    entry.update(before=before, after=after)
    append(session.connection(), [entry])


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, flush_context) -> None:
    entries = []
    for obj in session.new:
        if isinstance(obj, AuditedMixin):
            entry = _base_entry("create", obj.__tablename__, _primary_key(obj), _centre_of(obj))
            entry.update(before=None, after=snapshot(obj))
            entries.append(entry)
    for obj in session.dirty:
        if isinstance(obj, AuditedMixin) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if before or after:
                entry = _base_entry("update", obj.__tablename__, _primary_key(obj), _centre_of(obj))
                entry.update(before=before, after=after)
                entries.append(entry)
    for obj in session.deleted:
        if isinstance(obj, AuditedMixin):
            entry = _base_entry("delete", obj.__tablename__, _primary_key(obj), _centre_of(obj))
            entry.update(before=snapshot(obj), after=None)
            entries.append(entry)
    if entries:
        append(session.connection(), entries)


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


def verify_chain(session: Session | None = None, batch: int = 5000) -> tuple[int, int | None]:
    """Recompute the chain. Returns (entries checked, id of the first bad entry or None)."""
    session = session or db.session
    table = AuditEntry.__table__
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.execute(
            sa.select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch)
        ).mappings().all()
        if not rows:
            return checked, None
        for row in rows:
            row = dict(row)
            if row["prev_hash"] != prev or entry_hash(_hashed_fields(row), prev) != row["hash"]:
                return checked, row["id"]
            prev = row["hash"]
            checked += 1
            last_id = row["id"]
