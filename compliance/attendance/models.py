"""Attendance records (SPEC §3, seed 004 第十二条): shifts as data, the roster, punches and
their import batches, and the stored session results.

Leave requests, punch corrections and temporary absences (the requests people make) are in
``requests.py``. Session results (``SessionRecord``) are derived: ``compute.py`` rebuilds them
from the stored inputs whenever an input changes, so they are not audited themselves.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import AuditedMixin, TimestampMixin, enum_column, utcnow
from ..extensions import db
from ..org.models import Staff, Window
from .rules import SessionDef, SessionStatus, ShiftDef

if TYPE_CHECKING:
    from ..auth.models import User


def _staff_rule_clause(column_staff_id, column_department_id, column_centre_id, user: User):
    """Who may see a person's attendance record: the person, their unit lead, or the
    managers and inspectors of the centre (the rule of ``Staff.visible_clause``)."""
    from ..auth.permissions import centre_clause

    if user.is_staff:
        return column_staff_id == user.staff_id if user.staff_id else sa.false()
    if user.is_unit_lead:
        return column_department_id == user.department_id if user.department_id else sa.false()
    return centre_clause(column_centre_id, user)


def staff_rule_allows(user: User, staff_id: int, department_id: int, centre_id: int) -> bool:
    if user.is_staff:
        return user.staff_id is not None and user.staff_id == staff_id
    if user.is_unit_lead:
        return user.department_id is not None and user.department_id == department_id
    return user.in_centre(centre_id)


# --- shifts -------------------------------------------------------------------------------

class Shift(AuditedMixin, TimestampMixin, db.Model):
    """A shift of a centre (班次), with its ordered sessions (SPEC §3.1: shifts are data)."""

    __table_args__ = (sa.UniqueConstraint("centre_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)

    sessions: Mapped[list[ShiftSession]] = relationship(
        back_populates="shift", order_by="ShiftSession.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Shift {self.code}>"

    @property
    def label(self) -> str:
        from flask_babel import get_locale

        if self.name_en and str(get_locale()) == "en":
            return self.name_en
        return self.name

    def definition(self) -> ShiftDef:
        """The pure rules' view of this shift."""
        return ShiftDef(self.code, tuple(s.definition() for s in self.sessions))

    @property
    def session_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sessions)

    @staticmethod
    def visible_clause(user: User):
        from ..auth.permissions import centre_clause

        return centre_clause(Shift.centre_id, user)

    def can_view(self, user: User) -> bool:
        return user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)


class ShiftSession(AuditedMixin, db.Model):
    """One session of a shift (am, pm…) in local wall-clock times of the centre."""

    __table_args__ = (
        sa.UniqueConstraint("shift_id", "name"),
        sa.UniqueConstraint("shift_id", "position"),
        sa.CheckConstraint("start_time < end_time", name="start_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shift.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(16))
    start_time: Mapped[time] = mapped_column(sa.Time)
    end_time: Mapped[time] = mapped_column(sa.Time)
    clock_in_by: Mapped[time] = mapped_column(sa.Time)
    clock_out_from: Mapped[time] = mapped_column(sa.Time)

    shift: Mapped[Shift] = relationship(back_populates="sessions")

    @property
    def centre_id(self) -> int:  # the audit log files a session under its shift's centre
        return self.shift.centre_id if self.shift else None

    def definition(self) -> SessionDef:
        return SessionDef(self.name, self.start_time, self.end_time, self.clock_in_by,
                          self.clock_out_from)


# --- roster -------------------------------------------------------------------------------

def split_sessions(text: str | None) -> tuple[str, ...] | None:
    """Stored session subsets: NULL = every session of the shift, "" = none, "am,pm"."""
    if text is None:
        return None
    return tuple(name for name in text.split(",") if name)


def join_sessions(names) -> str | None:
    if names is None:
        return None
    return ",".join(names)


class RosterEntry(AuditedMixin, TimestampMixin, db.Model):
    """Who works on which local day (排班), on which shift, at which window.

    ``sessions`` limits the entry to some sessions of the shift (NULL: all of them; "" none of
    its own, when the entry exists only for a cover). A *cover* (替岗) is the part of a day a
    person sits at another person's window during that person's approved leave:
    ``cover_sessions`` at ``cover_window_id`` for ``cover_leave_id``; it is created when the
    leave is approved and removed when it is rejected or cancelled (SPEC §3.3).
    """

    __table_args__ = (
        sa.UniqueConstraint("staff_id", "day"),
        sa.Index("ix_roster_entry_centre_id_day", "centre_id", "day"),
        sa.Index("ix_roster_entry_cover_leave_id", "cover_leave_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    day: Mapped[date]
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shift.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id"), index=True)
    sessions: Mapped[str | None] = mapped_column(sa.String(100))
    cover_leave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leave_request.id"))
    cover_window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id"))
    cover_sessions: Mapped[str | None] = mapped_column(sa.String(100))

    staff: Mapped[Staff] = relationship()
    shift: Mapped[Shift] = relationship()
    window: Mapped[Window | None] = relationship(foreign_keys=[window_id])
    cover_window: Mapped[Window | None] = relationship(foreign_keys=[cover_window_id])

    def own_sessions(self) -> tuple[str, ...]:
        names = split_sessions(self.sessions)
        return self.shift.session_names if names is None else names

    def covered_sessions(self) -> tuple[str, ...]:
        return split_sessions(self.cover_sessions) or ()

    def rostered_sessions(self) -> frozenset[str]:
        return frozenset(self.own_sessions()) | frozenset(self.covered_sessions())

    def window_id_for(self, session: str) -> int | None:
        """The window the person sits at in a session of this day."""
        if session in self.covered_sessions():
            return self.cover_window_id
        return self.window_id

    @staticmethod
    def visible_clause(user: User):
        return RosterEntry.staff_id.in_(sa.select(Staff.id).where(Staff.visible_clause(user)))

    def can_view(self, user: User) -> bool:
        return self.staff.can_view(user)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)


# --- punches ------------------------------------------------------------------------------

class PunchSource(enum.Enum):
    web = "web"  # the one-tap page on the window PC
    device = "device"  # a time clock's file
    import_ = "import"  # a file of another kind (a spreadsheet kept by hand)
    api = "api"
    correction = "correction"  # an approved punch correction (补卡)

    @property
    def label(self):
        return {"web": _l("Window PC"), "device": _l("Time clock"), "import": _l("File import"),
                "api": _l("API"), "correction": _l("Correction")}[self.value]


class PunchBatch(AuditedMixin, db.Model):
    """One bulk load of punches (a device file, an import, a bulk API call).

    Its punches are written in bulk (ARCHITECTURE: Core inserts / COPY), so the audit log
    holds this batch — who, when, the file's SHA-256 and the counts — and every punch names
    its batch, instead of one entry per punch.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    source: Mapped[PunchSource] = mapped_column(enum_column(PunchSource))
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    days: Mapped[int] = mapped_column(default=0)  # (person, day)s recomputed after the load
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()

    @staticmethod
    def visible_clause(user: User):
        """A load is the centre's business: its HR and admins (and a deployment admin)."""
        from ..auth.permissions import centre_clause

        if not user.is_manager:
            return sa.false()
        return centre_clause(PunchBatch.centre_id, user)

    def can_view(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)


class Punch(AuditedMixin, db.Model):
    """One clock-in or clock-out (打卡), recorded to the second in UTC.

    At most one per person and instant, and never two of one person within the rulebook's
    duplicate window (60 s): every writer drops the later one (SPEC §3.2), so a re-import
    adds nothing.
    """

    __table_args__ = (sa.UniqueConstraint("staff_id", "at"),)

    # Reads go through the person (the unique index starts with staff_id); no other index, so
    # that a device file of a million punches loads fast.
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    at: Mapped[datetime]
    source: Mapped[PunchSource] = mapped_column(enum_column(PunchSource))
    device: Mapped[str | None] = mapped_column(sa.String(64))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("punch_batch.id"))
    correction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("punch_correction.id"))

    staff: Mapped[Staff] = relationship()

    @staticmethod
    def visible_clause(user: User):
        return Punch.staff_id.in_(sa.select(Staff.id).where(Staff.visible_clause(user)))

    def can_view(self, user: User) -> bool:
        return self.staff.can_view(user)


# --- stored results -----------------------------------------------------------------------

class SessionRecord(db.Model):
    """The stored result of one session of one person on one local day (SPEC §3.2).

    Derived from the roster, punches, leave, corrections and temporary absences by
    ``compute.py``; computing a day twice gives the same rows. ``issues`` is a comma list in
    the order of ``rules.Issue``. Days with neither roster nor punches have no rows (their
    sessions are ``off``). ``centre_id``, ``department_id`` and ``window_id`` are copies for
    fast per-day and per-department reads, so they carry no foreign keys.
    """

    __tablename__ = "attendance_session"
    __table_args__ = (
        sa.UniqueConstraint("staff_id", "day", "session"),
        sa.Index("ix_attendance_session_centre_id_day", "centre_id", "day"),
        sa.Index("ix_attendance_session_department_id_day", "department_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int]
    department_id: Mapped[int]
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    day: Mapped[date]
    session: Mapped[str] = mapped_column(sa.String(16))
    position: Mapped[int] = mapped_column(default=0)
    shift_code: Mapped[str | None] = mapped_column(sa.String(32))
    window_id: Mapped[int | None]
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus))
    issues: Mapped[str] = mapped_column(sa.String(64), default="")
    clock_in: Mapped[datetime | None]
    clock_out: Mapped[datetime | None]
    late_minutes: Mapped[int] = mapped_column(default=0)
    early_minutes: Mapped[int] = mapped_column(default=0)
    extended_minutes: Mapped[int] = mapped_column(default=0)
    away_minutes: Mapped[int] = mapped_column(default=0)
    leave_type: Mapped[str | None] = mapped_column(sa.String(16))

    staff: Mapped[Staff] = relationship()

    @property
    def issue_list(self) -> tuple[str, ...]:
        return tuple(i for i in self.issues.split(",") if i)

    @staticmethod
    def visible_clause(user: User):
        return _staff_rule_clause(SessionRecord.staff_id, SessionRecord.department_id,
                                  SessionRecord.centre_id, user)

    def can_view(self, user: User) -> bool:
        return staff_rule_allows(user, self.staff_id, self.department_id, self.centre_id)


class PendingDay(db.Model):
    """A person's local day whose stored results (``SessionRecord``) are not yet recomputed
    after a punch from the API (``pending.py``): the clock-in API records the punch and marks
    the day here in the same transaction instead of recomputing on the request path. Every
    reader of stored results settles the pending days of its range first, and a job settles
    the rest every minute, so nobody reads a stale day. Bookkeeping, not a record of its own:
    the punch that caused it is the audited row."""

    __tablename__ = "attendance_pending_day"
    __table_args__ = (sa.Index("ix_attendance_pending_day_centre_id_day", "centre_id", "day"),)

    staff_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(primary_key=True)
    centre_id: Mapped[int]
