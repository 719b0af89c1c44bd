"""Rulebook versions kept in the database (SPEC §7: HR changes settings from a given date).

A version is a complete rulebook document (the defaults merged with HR's changes), valid from
``effective_from`` in one centre (or every centre when ``centre_id`` is empty). The rules for a
day are the latest version effective on or before it; with no stored version, the defaults.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Mapped, mapped_column

from ..db import AuditedMixin, utcnow
from ..extensions import db
from .rulebook import RulebookError, Rules, fingerprint, load_default, merge, problems


class RulebookVersion(AuditedMixin, db.Model):
    __table_args__ = (sa.UniqueConstraint("centre_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    effective_from: Mapped[date]
    document: Mapped[dict] = mapped_column(sa.JSON)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return Rules.default()


@lru_cache(maxsize=64)
def _rules_from(fingerprint_: str, document_json: str) -> Rules:
    import json

    return Rules.from_doc(json.loads(document_json))


def version_for(centre_id: int | None, day: date) -> RulebookVersion | None:
    stmt = (sa.select(RulebookVersion)
            .where(RulebookVersion.effective_from <= day)
            .where(sa.or_(RulebookVersion.centre_id == centre_id,
                          RulebookVersion.centre_id.is_(None)))
            # A centre's own version wins over a deployment-wide one of the same date.
            .order_by(RulebookVersion.effective_from.desc(),
                      RulebookVersion.centre_id.is_(None)))
    return db.session.scalars(stmt.limit(1)).first()


def rules_for(centre_id: int | None, day: date) -> Rules:
    """The rules in force in a centre on a day (cached per request or job)."""
    cache = g.setdefault("_rules_cache", {}) if has_app_context() else {}
    key = (centre_id, day)
    if key not in cache:
        version = version_for(centre_id, day)
        if version is None:
            cache[key] = _default_rules()
        else:
            import json

            cache[key] = _rules_from(version.fingerprint,
                                     json.dumps(version.document, sort_keys=True))
    return cache[key]


def save_version(centre_id: int | None, effective_from: date, changes: dict, note: str,
                 actor: str) -> RulebookVersion:
    """Store a new version: the rules in force on that day with ``changes`` applied.

    Raises ``RulebookError`` listing every invalid setting; nothing is stored then.
    """
    base = version_for(centre_id, effective_from)
    document = merge(base.document if base else load_default(), changes)
    # One version name per stored version (unique per centre and date), so a score's
    # rulebook_version names exactly the rules it used.
    document["version"] = effective_from.isoformat() + (f"@{centre_id}" if centre_id else "")
    found = problems(document)
    if found:
        raise RulebookError([p.text for p in found], found)
    version = RulebookVersion(centre_id=centre_id, effective_from=effective_from,
                              document=document, fingerprint=fingerprint(document), note=note,
                              created_by=actor)
    db.session.add(version)
    db.session.flush()
    if has_app_context():
        g.pop("_rules_cache", None)
    return version
