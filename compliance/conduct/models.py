"""Finding: one deduction against a person (or a window), with its evidence and every step of
its appeal. Patrol inspections, camera reviews and complaint cases all create findings through
``operations.record_finding``; the scoring engine reads them without knowing their source."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import AuditedMixin, TimestampMixin, enum_column, utcnow
from ..extensions import db
from ..org.models import Staff, Window

if TYPE_CHECKING:
    from ..auth.models import User


class FindingSource(enum.Enum):
    patrol = "patrol"
    spot_check = "spot_check"  # 明查暗访: caught in a spot check (seed 003 五.3)
    camera = "camera"
    complaint = "complaint"

    @property
    def label(self):
        return {"patrol": _l("Patrol"), "spot_check": _l("Spot check"), "camera": _l("Camera"),
                "complaint": _l("Complaint")}[self.value]


class FindingState(enum.Enum):
    open = "open"
    appealed = "appealed"
    upheld = "upheld"
    overturned = "overturned"

    @property
    def label(self):
        return {"open": _l("Open"), "appealed": _l("Under appeal"), "upheld": _l("Upheld"),
                "overturned": _l("Overturned")}[self.value]

    @property
    def is_standing(self) -> bool:
        """A finding stands from the moment it is recorded; only overturning removes it."""
        return self is not FindingState.overturned


class Severity(enum.Enum):
    minor = "minor"
    major = "major"
    critical = "critical"

    @property
    def label(self):
        return {"minor": _l("Minor"), "major": _l("Major"),
                "critical": _l("Critical")}[self.value]


class Finding(AuditedMixin, TimestampMixin, db.Model):
    __table_args__ = (
        sa.CheckConstraint("points >= 0", name="points_not_negative"),
        sa.CheckConstraint("staff_id IS NOT NULL OR window_id IS NOT NULL", name="has_subject"),
        sa.Index("ix_finding_staff_id_day", "staff_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    at: Mapped[datetime]
    day: Mapped[date]  # local date of ``at`` in the centre's zone
    source: Mapped[FindingSource] = mapped_column(enum_column(FindingSource))
    source_ref: Mapped[str] = mapped_column(sa.String(60))  # e.g. "inspection:12"
    # What was failed, copied from the checklist item so later template edits change nothing.
    item_code: Mapped[str] = mapped_column(sa.String(80))
    item_text_zh: Mapped[str] = mapped_column(sa.Text)
    item_text_en: Mapped[str] = mapped_column(sa.Text, default="")
    category: Mapped[str] = mapped_column(sa.String(40))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    points: Mapped[int]
    ten_prohibitions: Mapped[bool] = mapped_column(default=False)
    bars_quarterly: Mapped[bool] = mapped_column(default=False)
    bars_annual: Mapped[bool] = mapped_column(default=False)
    disqualifier: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    state: Mapped[FindingState] = mapped_column(enum_column(FindingState),
                                                default=FindingState.open)
    appeal_due: Mapped[date]

    staff: Mapped[Staff | None] = relationship()
    window: Mapped[Window | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(back_populates="finding",
                                                    order_by="Evidence.id")
    steps: Mapped[list[FindingStep]] = relationship(back_populates="finding",
                                                    order_by="FindingStep.id")

    @property
    def is_standing(self) -> bool:
        return self.state.is_standing

    @staticmethod
    def visible_clause(user: User):
        from ..auth.permissions import centre_clause

        if user.is_staff:
            return Finding.staff_id == user.staff_id if user.staff_id else sa.false()
        if user.is_unit_lead:
            return Finding.department_id == user.department_id
        return centre_clause(Finding.centre_id, user)

    def can_view(self, user: User) -> bool:
        if user.is_staff:
            return user.staff_id is not None and self.staff_id == user.staff_id
        if user.is_unit_lead:
            return self.department_id == user.department_id
        return user.in_centre(self.centre_id)

    def can_appeal(self, user: User) -> bool:
        """The person concerned appeals their own open finding (deadline checked on appeal)."""
        return (user.is_staff and self.staff_id is not None and self.staff_id == user.staff_id
                and self.state is FindingState.open)

    def can_decide(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id) and \
            self.state is FindingState.appealed


class FindingStep(db.Model):
    """One step in a finding's life: recorded, appealed, upheld, overturned; never changed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    finding: Mapped[Finding] = relationship(back_populates="steps")

    @property
    def label(self):
        return {"recorded": _l("Recorded"), "appealed": _l("Appealed"),
                "upheld": _l("Appeal rejected, finding upheld"),
                "overturned": _l("Overturned")}.get(self.action, self.action)


class Evidence(AuditedMixin, db.Model):
    """A stored image backing a finding: a patrol photo or a camera snapshot.

    Files live under the upload folder; ``path`` is relative to it. They are served only after
    the finding's own ``can_view`` check.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # photo / snapshot
    source_ref: Mapped[str] = mapped_column(sa.String(60))
    path: Mapped[str] = mapped_column(sa.String(300))
    thumb_path: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    finding: Mapped[Finding | None] = relationship(back_populates="evidence")
