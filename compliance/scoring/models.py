"""Stored scores (SPEC §7) and the monthly case figures that feed the performance part.

A stored score is the engine's result for one person and period, with the rulebook version
it used and the fingerprint of its inputs: recomputing the same inputs finds the same
fingerprint and writes nothing; changed inputs replace the row (an audited update). Scores
are written by ``operations.py`` only.

Who sees a score: the person, their unit lead, and HR and admins of the centre. Inspectors
record inspections; they do not read people's evaluations (API.md: roles).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..db import AuditedMixin, TimestampMixin, utcnow
from ..extensions import db
from ..org.models import Department, Staff

if TYPE_CHECKING:
    from ..auth.models import User

_HUNDRED = Decimal(100)


class Hundredths(sa.types.TypeDecorator):
    """A score with two decimals stored exactly as an integer number of hundredths, so that
    SQLite and PostgreSQL give back the same Decimal and SQL can sum and average them."""

    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * _HUNDRED).to_integral_value())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / _HUNDRED).quantize(Decimal("0.01"))


def score_scope_clause(model, user: User):
    """The one visibility rule of every score kind and of the case figures."""
    from ..auth.permissions import centre_clause

    if user.is_staff:
        return model.staff_id == user.staff_id if user.staff_id else sa.false()
    if user.is_unit_lead:
        return model.department_id == user.department_id if user.department_id else sa.false()
    if user.is_manager:
        return centre_clause(model.centre_id, user)
    return sa.false()


class ScoreScope:
    """Access to a person's evaluation records (scores, case figures)."""

    @classmethod
    def visible_clause(cls, user: User):
        return score_scope_clause(cls, user)

    def can_view(self, user: User) -> bool:
        if user.is_staff:
            return user.staff_id is not None and user.staff_id == self.staff_id
        if user.is_unit_lead:
            return user.department_id is not None and user.department_id == self.department_id
        return user.is_manager and user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)


class ScoreColumns(ScoreScope):
    """Columns every stored score has. ``parts`` maps a part to its value as text
    ("95.50", exact); ``deductions`` and ``reasons`` are the engine's lines as plain dicts
    (kind/code, points, ref_type, ref_id, detail, on)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    total: Mapped[Decimal] = mapped_column(Hundredths)
    parts: Mapped[dict] = mapped_column(sa.JSON)
    deductions: Mapped[list] = mapped_column(sa.JSON)
    deduction_points: Mapped[Decimal] = mapped_column(Hundredths)
    reasons: Mapped[list] = mapped_column(sa.JSON)
    assessed: Mapped[bool]
    eligible: Mapped[bool]
    rank_centre: Mapped[int | None]
    rank_department: Mapped[int | None]
    honour: Mapped[bool] = mapped_column(default=False)
    rulebook_version: Mapped[str] = mapped_column(sa.String(40))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def staff(cls) -> Mapped[Staff]:
        return relationship(Staff)

    @declared_attr
    def department(cls) -> Mapped[Department]:
        return relationship(Department)

    def part(self, name: str) -> Decimal | None:
        value = (self.parts or {}).get(name)
        return Decimal(value) if value is not None else None


class DailyResult(ScoreColumns, AuditedMixin, db.Model):
    """日常考评: 100 − attendance − conduct points of one day (parts attendance, conduct)."""

    __tablename__ = "score_daily"
    __table_args__ = (
        sa.UniqueConstraint("staff_id", "day"),
        sa.Index("ix_score_daily_centre_id_day", "centre_id", "day"),
    )

    day: Mapped[date]
    attendance_points: Mapped[Decimal] = mapped_column(Hundredths)
    conduct_points: Mapped[Decimal] = mapped_column(Hundredths)

    kind = "daily"


class QuarterlyResult(ScoreColumns, AuditedMixin, db.Model):
    """季度考评: six weighted parts; ``counts`` holds the figures behind them."""

    __tablename__ = "score_quarterly"
    __table_args__ = (
        sa.UniqueConstraint("staff_id", "year", "quarter"),
        sa.Index("ix_score_quarterly_centre_id_year", "centre_id", "year", "quarter"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
    )

    year: Mapped[int]
    quarter: Mapped[int]
    counts: Mapped[dict] = mapped_column(sa.JSON)
    rostered_days: Mapped[int]

    kind = "quarterly"


class AnnualResult(ScoreColumns, AuditedMixin, db.Model):
    """年度考评: the rostered-day-weighted mean of the quarterly totals (parts q1…q4)."""

    __tablename__ = "score_annual"
    __table_args__ = (
        sa.UniqueConstraint("staff_id", "year"),
        sa.Index("ix_score_annual_centre_id_year", "centre_id", "year"),
    )

    year: Mapped[int]
    assessed_quarters: Mapped[int]
    rostered_days: Mapped[int]

    kind = "annual"


RESULT_MODELS = {"daily": DailyResult, "quarterly": QuarterlyResult, "annual": AnnualResult}


def _attendance_index() -> sa.Index:
    """The sessions that cost points, found without reading the quarter's other sessions:
    scoring a quarter of 2,000 people reads ~17 k of its ~260 k session results (measured on
    SQLite: 0.88 s without this index, 0.16 s with it). Declared here, beside the one reader
    that needs it, so the attendance table's own model stays as the attendance module has
    it."""
    from ..attendance.models import SessionRecord

    return sa.Index("ix_attendance_session_centre_id_status_day", SessionRecord.centre_id,
                    SessionRecord.status, SessionRecord.day)


ATTENDANCE_STATUS_INDEX = _attendance_index()


class CaseFigure(ScoreScope, AuditedMixin, TimestampMixin, db.Model):
    """One person's monthly case figures from the business system (工作业绩): cases handled,
    handled on time, handled on the spot (即办). ``month`` is the first day of the month."""

    __table_args__ = (
        sa.UniqueConstraint("staff_id", "month"),
        sa.Index("ix_case_figure_centre_id_month", "centre_id", "month"),
        sa.CheckConstraint("handled >= 0", name="handled_not_negative"),
        sa.CheckConstraint("on_time >= 0 AND on_time <= handled", name="on_time_range"),
        sa.CheckConstraint("on_spot >= 0 AND on_spot <= handled", name="on_spot_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    month: Mapped[date]
    handled: Mapped[int]
    on_time: Mapped[int]
    on_spot: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(sa.String(20))  # api / import / form

    staff: Mapped[Staff] = relationship()

    @property
    def on_time_rate(self) -> Decimal | None:
        if not self.handled:
            return None
        return (Decimal(self.on_time) * _HUNDRED / self.handled).quantize(Decimal("0.1"))
