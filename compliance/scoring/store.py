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


# Parsed rulebooks by fingerprint (the hash of the document, so an entry never goes stale):
# a process reads a version's document once, not in every request that needs its rules.
_PARSED: dict[str, Rules] = {}
_PARSED_MAX = 256


def _rules_of_version(version_id: int, fingerprint_: str) -> Rules:
    rules = _PARSED.get(fingerprint_)
    if rules is None:
        document = db.session.execute(_DOCUMENT, {"id": version_id}).scalar_one()
        rules = Rules.from_doc(document)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[fingerprint_] = rules
    return rules


def version_for(centre_id: int | None, day: date) -> RulebookVersion | None:
    stmt = (sa.select(RulebookVersion)
            .where(RulebookVersion.effective_from <= day)
            .where(sa.or_(RulebookVersion.centre_id == centre_id,
                          RulebookVersion.centre_id.is_(None)))
            # A centre's own version wins over a deployment-wide one of the same date.
            .order_by(RulebookVersion.effective_from.desc(),
                      RulebookVersion.centre_id.is_(None)))
    return db.session.scalars(stmt.limit(1)).first()


def _timeline(centre_id: int | None) -> list[tuple[date, bool, int, str]]:
    """``(effective_from, centre's own, id, fingerprint)`` of the versions that apply to a
    centre, in the order ``version_for`` resolves them (a centre's own version wins over an
    every-centre one of the same date)."""
    rows = db.session.execute(_TIMELINE, {"centre": centre_id})
    return sorted((r.effective_from, r.centre_id is not None, r.id, r.fingerprint) for r in rows)


def rules_for(centre_id: int | None, day: date) -> Rules:
    """The rules in force in a centre on a day: the latest version effective on or before
    it, else the defaults (same rule as :func:`version_for`). The centre's versions are read
    once per request or job, so scoring a year of days costs one query; a version's document
    is parsed once per process."""
    from bisect import bisect_right

    cache = g.setdefault("_rules_cache", {}) if has_app_context() else {}
    key = (centre_id, day)
    if key not in cache:
        timeline = cache.get(("timeline", centre_id))
        if timeline is None:
            timeline = cache[("timeline", centre_id)] = _timeline(centre_id)
        index = bisect_right([entry[0] for entry in timeline], day)
        if index == 0:
            cache[key] = _default_rules()
        else:
            _day, _own, version_id, print_ = timeline[index - 1]
            cache[key] = _rules_of_version(version_id, print_)
    return cache[key]


# built once (read on the clock-in's hot path)
_TABLE = RulebookVersion.__table__
_TIMELINE = (sa.select(_TABLE.c.effective_from, _TABLE.c.centre_id, _TABLE.c.id,
                       _TABLE.c.fingerprint)
             .where(sa.or_(_TABLE.c.centre_id == sa.bindparam("centre"),
                           _TABLE.c.centre_id.is_(None))))
_DOCUMENT = sa.select(_TABLE.c.document).where(_TABLE.c.id == sa.bindparam("id"))


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
