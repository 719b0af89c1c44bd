"""What people ask for or declare about their attendance: leave (请休假, SPEC §3.3), punch
corrections (补卡) and temporary absences from post (暂离, SPEC §3.2).

Each record belongs to one person and is seen by the same people as the person's other
attendance records: the person, the unit lead of their department, and the centre's HR,
admin and inspectors. A unit lead or HR decides leave and corrections.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import AuditedMixin, TimestampMixin, enum_column
from ..extensions import db
from ..org.models import Staff, Window
from .models import _staff_rule_clause, staff_rule_allows


class HalfDay(enum.Enum):
    """The granularity of leave (SPEC §3.3): a session is the morning or the afternoon half."""

    am = "am"
    pm = "pm"

    @property
    def label(self):
        return {"am": _l("Morning"), "pm": _l("Afternoon")}[self.value]

    @property
    def order(self) -> int:
        return 0 if self is HalfDay.am else 1


def _half_day_column(name: str) -> sa.Enum:
    # Two half-day columns in one table need two differently named check constraints.
    return sa.Enum(HalfDay, values_callable=lambda members: [m.value for m in members],
                   native_enum=False, create_constraint=True, validate_strings=True, length=2,
                   name=name)


class LeaveType(enum.Enum):
    personal = "personal"  # 事假
    sick = "sick"  # 病假
    annual = "annual"  # 年休假
    compensatory = "compensatory"  # 调休
    marriage = "marriage"  # 婚假
    maternity = "maternity"  # 产假
    bereavement = "bereavement"  # 丧假
    official = "official"  # 公出: official business, counts as present

    @property
    def label(self):
        return {"personal": _l("Personal leave"), "sick": _l("Sick leave"),
                "annual": _l("Annual leave"), "compensatory": _l("Compensatory leave"),
                "marriage": _l("Marriage leave"), "maternity": _l("Maternity leave"),
                "bereavement": _l("Bereavement leave"),
                "official": _l("Official business")}[self.value]


class RequestState(enum.Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"

    @property
    def label(self):
        return {"pending": _l("Pending"), "approved": _l("Approved"),
                "rejected": _l("Rejected"), "cancelled": _l("Cancelled")}[self.value]

    @property
    def is_pending(self) -> bool:
        return self is RequestState.pending

    @property
    def is_approved(self) -> bool:
        return self is RequestState.approved


class _PersonalRecord:
    """Visibility of a record about one person (the rule of their other attendance records)."""

    @classmethod
    def visible_clause(cls, user):
        return _staff_rule_clause(cls.staff_id, cls.department_id, cls.centre_id, user)

    def can_view(self, user) -> bool:
        return staff_rule_allows(user, self.staff_id, self.department_id, self.centre_id)

    def can_decide(self, user) -> bool:
        """The unit lead of the person's department, or HR/admin of the centre."""
        if user.is_unit_lead:
            return user.department_id is not None and user.department_id == self.department_id
        return user.is_manager and user.in_centre(self.centre_id)

    def can_cancel(self, user) -> bool:
        """The person (or whoever may decide) withdraws a request."""
        return (user.is_staff and user.staff_id == self.staff_id) or self.can_decide(user)


class LeaveRequest(_PersonalRecord, AuditedMixin, TimestampMixin, db.Model):
    """A leave request from a first to a last half-day session, both included (SPEC §3.3).

    Seconded staff name a substitute (替岗人员, seed 004 第十二条二(二)); when the leave is
    approved, the substitute is rostered into the leave's rostered sessions at the
    leave-taker's window (``RosterEntry`` cover), and that roster goes again when the leave is
    rejected or cancelled.
    """

    __table_args__ = (
        sa.CheckConstraint("from_date <= to_date", name="dates_ordered"),
        sa.Index("ix_leave_request_staff_id_from_date", "staff_id", "from_date"),
        sa.Index("ix_leave_request_centre_id_from_date", "centre_id", "from_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    type: Mapped[LeaveType] = mapped_column(enum_column(LeaveType))
    from_date: Mapped[date]
    from_session: Mapped[HalfDay] = mapped_column(_half_day_column("from_halfday"))
    to_date: Mapped[date]
    to_session: Mapped[HalfDay] = mapped_column(_half_day_column("to_halfday"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    substitute_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState),
                                                default=RequestState.pending)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])
    substitute: Mapped[Staff | None] = relationship(foreign_keys=[substitute_id])

    def covers(self, day: date, half: HalfDay) -> bool:
        """Whether the half-day ``half`` of ``day`` lies within the leave."""
        key = (day, half.order)
        return (self.from_date, self.from_session.order) <= key <= \
            (self.to_date, self.to_session.order)

    @property
    def half_days(self) -> float:
        """Length in days (a half-day session counts 0.5), calendar days included."""
        sessions = ((self.to_date - self.from_date).days * 2 + self.to_session.order
                    - self.from_session.order + 1)
        return sessions / 2


class CorrectionKind(enum.Enum):
    in_ = "in"
    out = "out"

    @property
    def label(self):
        return {"in": _l("Clock-in"), "out": _l("Clock-out")}[self.value]


class PunchCorrection(_PersonalRecord, AuditedMixin, TimestampMixin, db.Model):
    """A request to record a missing clock-in or clock-out (补卡, SPEC §3.2); at most the
    rulebook's ``corrections_per_month`` are approved per person and month."""

    __table_args__ = (
        sa.Index("ix_punch_correction_staff_id_day", "staff_id", "day"),
        sa.Index("ix_punch_correction_centre_id_day", "centre_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    day: Mapped[date]
    session: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[CorrectionKind] = mapped_column(enum_column(CorrectionKind))
    at: Mapped[datetime]  # the instant asked for (day + local time of the centre)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState),
                                                default=RequestState.pending)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    staff: Mapped[Staff] = relationship()


class TemporaryAbsence(_PersonalRecord, AuditedMixin, TimestampMixin, db.Model):
    """A temporary absence from post (暂离: the 暂停服务牌 is shown), open while away.

    Longer than the rulebook's ``temporary_absence_notify_minutes`` (10) needs the unit lead
    told (seed 003); ``lead_told_at`` records when they were (by the system's notification or
    by the person ticking that they told the lead).
    """

    __table_args__ = (
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        sa.Index("ix_temporary_absence_staff_id_started_at", "staff_id", "started_at"),
        sa.Index("ix_temporary_absence_centre_id_started_at", "centre_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    lead_told: Mapped[bool] = mapped_column(default=False)
    lead_told_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    staff: Mapped[Staff] = relationship()
    window: Mapped[Window | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def covers(self, instant: datetime) -> bool:
        return self.started_at <= instant and (self.ended_at is None or instant < self.ended_at)
