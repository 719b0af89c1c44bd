"""Storing the engine's results (SPEC §7: recomputing the same inputs changes nothing).

Each stored row is compared with its recomputation on the columns that can differ: the
fingerprint (which covers the rulebook and every input, so the parts, deductions and reasons
follow from it), the rank and honour (which depend on the others), the department and the
version. Equal rows are left alone — no write, no audit entry. New rows are inserted in bulk
(ARCHITECTURE: Core inserts) with one audit entry for the batch; a changed row is updated
and a row whose person no longer has a score is deleted through the ORM, so each of those
has its own audit entry with the values before and after.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..audit import log_event
from ..db import utcnow
from ..extensions import db
from .engine import Deduction, Reason

CHUNK = 5000
_CENT = Decimal("0.01")
COMPARED = ("department_id", "fingerprint", "rulebook_version", "total", "eligible",
            "assessed", "rank_centre", "rank_department", "honour")


@dataclass
class SaveReport:
    computed: int = 0
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    removed: int = 0

    def add(self, other: SaveReport) -> SaveReport:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def absorb(self, dependent: SaveReport) -> SaveReport:
        """Count the writes of scores recomputed because these changed (the annual scores
        after a quarter), not their number: ``computed`` stays the requested kind's."""
        self.created += dependent.created
        self.replaced += dependent.replaced
        self.removed += dependent.removed
        return self

    @property
    def changed(self) -> int:
        return self.created + self.replaced + self.removed

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _ref(value: Any) -> Any:
    return value if value is None or isinstance(value, (int, str)) else str(value)


def deduction_dict(line: Deduction) -> dict:
    return {"kind": line.kind, "points": format(line.points.normalize(), "f"),
            "ref_type": line.ref_type, "ref_id": _ref(line.ref_id), "detail": line.detail,
            "on": line.on.isoformat() if line.on else None}


def reason_dict(reason: Reason) -> dict:
    return {"code": reason.code, "ref_type": reason.ref_type, "ref_id": _ref(reason.ref_id),
            "detail": reason.detail, "on": reason.on.isoformat() if reason.on else None}


def common_row(score, centre_id: int, staff_id: int) -> dict:
    """The columns every stored score has, from an engine result."""
    return {
        "centre_id": centre_id, "department_id": score.department_id, "staff_id": staff_id,
        "total": score.total,
        "parts": {k: format(v.quantize(_CENT), "f") for k, v in score.parts.items()},
        "deductions": [deduction_dict(d) for d in score.deductions],
        "deduction_points": score.deduction_points,
        "reasons": [reason_dict(r) for r in score.reasons],
        "assessed": score.assessed, "eligible": score.eligible,
        "rank_centre": score.rank_centre, "rank_department": score.rank_department,
        "honour": score.honour, "rulebook_version": score.rulebook_version,
        "fingerprint": score.inputs_fingerprint,
    }


def _same(old, row: dict) -> bool:
    for name in COMPARED:
        value = getattr(old, name)
        new = row[name]
        if isinstance(new, Decimal):
            new = new.quantize(_CENT)
        if value != new:
            return False
    return True


def _loaded(model, ids: list[int]):
    """The ORM objects of ``ids``, a chunk at a time (their changes are audited row by row)."""
    for start in range(0, len(ids), CHUNK):
        yield from db.session.scalars(sa.select(model).where(
            model.id.in_(ids[start:start + CHUNK])))


def save(model, centre_id: int, where: list, key: tuple[str, ...], rows: dict[tuple, dict],
         scope: dict) -> SaveReport:
    """Make the stored rows of ``model`` within ``where`` (one centre) equal to ``rows``
    (keyed by the ``key`` columns), writing only what differs."""
    report = SaveReport(computed=len(rows))
    key_columns = [getattr(model, k) for k in key]
    stmt = sa.select(model.id, *key_columns, *[getattr(model, c) for c in COMPARED]).where(
        model.centre_id == centre_id, *where)
    existing = {tuple(getattr(r, k) for k in key): r for r in db.session.execute(stmt)}
    now = utcnow()
    created: list[dict] = []
    replaced: dict[int, dict] = {}
    for row_key, row in rows.items():
        old = existing.pop(row_key, None)
        if old is None:
            created.append({**row, "computed_at": now})
        elif _same(old, row):
            report.unchanged += 1
        else:
            replaced[old.id] = row
    for start in range(0, len(created), CHUNK):
        db.session.execute(sa.insert(model.__table__), created[start:start + CHUNK])
    report.created = len(created)
    for obj in _loaded(model, list(replaced)):
        for name, value in replaced[obj.id].items():
            setattr(obj, name, value)
        obj.computed_at = now
    report.replaced = len(replaced)
    stale = [r.id for r in existing.values()]
    for obj in _loaded(model, stale):
        db.session.delete(obj)
    report.removed = len(stale)
    db.session.flush()
    if created:
        versions = sorted({r["rulebook_version"] for r in created})
        log_event("compute", model.__tablename__, None, centre_id=centre_id,
                  after={**scope, "created": len(created), "rulebook_versions": versions})
    return report
