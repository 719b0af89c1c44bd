"""Declarative base, constraint naming convention and shared column types.

Instants are stored in UTC with their zone (``UTCDateTime``); the local date of an instant is
always computed from the centre's zone (see ``compliance.timeutil``), never the server clock.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """An aware datetime stored as UTC; naive values are refused rather than guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: instants must carry their zone")
        value = value.astimezone(timezone.utc)
        # SQLite keeps no zone: store UTC wall time.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> sa.Enum:
    """A portable enum type storing the enum's values, checked by a named constraint."""
    return sa.Enum(
        enum_cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
        name=enum_cls.__name__.lower(),
        **kwargs,
    )


# Endpoints whose requests read first and then write in a transaction of their own
# (``begin_write_phase``): on SQLite their first transaction is a plain BEGIN, so the token
# check, the lookups and the body's validation do not hold the database's single write lock
# (the clock-in API under load, issue 8). Any other writing request takes the lock at its
# first statement (BEGIN IMMEDIATE, see ``compliance._configure_engine``).
READ_FIRST_ENDPOINTS: set[str] = set()


def begin_write_phase() -> None:
    """For a ``READ_FIRST_ENDPOINTS`` view: end the reading transaction (it wrote nothing)
    so that the next statement opens the writing one. The request's actor is kept for the
    audit (the session's objects expire with the transaction). No-op elsewhere than SQLite
    (PostgreSQL takes row locks as it writes)."""
    from flask import g

    from . import audit
    from .extensions import db

    if db.session.get_bind().dialect.name != "sqlite" or g.get("_write_phase"):
        return
    g.audit_actor = audit.current_actor()
    g._write_phase = True
    db.session.commit()


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditedMixin:
    """Marks a model whose every insert, update and delete goes to the audit log.

    ``__audit_secret__`` names columns whose values are never written into the log (only the
    fact that they changed).
    """

    __audit_secret__: tuple[str, ...] = ()
