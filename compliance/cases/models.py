"""Reviews (好差评), rectification cases of bad reviews and complaints (SPEC §6; seed 002 篇一,
seed 004 第十条四).

Who sees what (one rule for pages, API and exports): a staff login the records about itself,
a unit lead its department's, HR and admin their centre's; inspectors handle no citizen
cases. The complainant's name and contact are masked for everyone but HR and admin
(``compliance.cases.masking``).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import AuditedMixin, TimestampMixin, enum_column, utcnow
from ..extensions import db
from ..org.models import Department, Staff, Window

if TYPE_CHECKING:
    from ..auth.models import User

# Seed 002 篇一: the five levels of a review, best first.
LEVEL_NAMES = {5: _l("Very satisfied"), 4: _l("Satisfied"), 3: _l("Basically satisfied"),
               2: _l("Dissatisfied"), 1: _l("Very dissatisfied")}
LEVEL_NAMES_ZH = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class ReviewChannel(enum.Enum):
    device = "device"  # 评价器 at the counter
    qr = "qr"  # 二维码
    online = "online"  # 网上办事大厅 / app
    phone = "phone"  # 电话回访

    @property
    def label(self):
        return {"device": _l("Counter device"), "qr": _l("QR code"), "online": _l("Online"),
                "phone": _l("Phone follow-up")}[self.value]


class ReviewCaseState(enum.Enum):
    open = "open"  # waiting for the follow-up contact (回访核实)
    followed_up = "followed_up"
    pending_approval = "pending_approval"  # concluded as mistaken/malicious; HR to approve
    concluded = "concluded"
    closed = "closed"  # the result was reported back (整改反馈)

    @property
    def label(self):
        return {"open": _l("Awaiting follow-up"), "followed_up": _l("Followed up"),
                "pending_approval": _l("Awaiting HR approval"), "concluded": _l("Concluded"),
                "closed": _l("Closed")}[self.value]

    @property
    def is_open(self) -> bool:
        return self in (ReviewCaseState.open, ReviewCaseState.followed_up,
                        ReviewCaseState.pending_approval)


class ReviewConclusion(enum.Enum):
    substantiated = "substantiated"  # 属实: rectify and report back
    unsubstantiated = "unsubstantiated"  # 不属实
    malicious = "malicious"  # 误评/恶意差评: excluded once HR approves

    @property
    def label(self):
        return {"substantiated": _l("Substantiated"),
                "unsubstantiated": _l("Not substantiated"),
                "malicious": _l("Mistaken or malicious")}[self.value]


class ComplaintChannel(enum.Enum):
    on_site = "on_site"
    phone = "phone"
    comment_book = "comment_book"
    letter = "letter"
    online = "online"
    hotline_12345 = "hotline_12345"

    @property
    def label(self):
        return {"on_site": _l("On site"), "phone": _l("Phone"),
                "comment_book": _l("Comment book"), "letter": _l("Letter"),
                "online": _l("Online"), "hotline_12345": _l("12345 hotline")}[self.value]


class ComplaintCategory(enum.Enum):
    """What the complaint is about. The codes of conduct the rulebook's seed-003 table names
    (``citizen_conflict``, ``bribery``, ``unauthorised_approval``, ``overdue``) are kept as is so
    its ``complaint:<category>:<outcome>`` patterns match."""

    attitude = "attitude"
    efficiency = "efficiency"
    citizen_conflict = "citizen_conflict"
    bribery = "bribery"
    unauthorised_approval = "unauthorised_approval"
    overdue = "overdue"
    discipline = "discipline"
    other = "other"

    @property
    def label(self):
        return {"attitude": _l("Service attitude"), "efficiency": _l("Slow or inefficient"),
                "citizen_conflict": _l("Conflict with a citizen"),
                "bribery": _l("Soliciting or taking favours"),
                "unauthorised_approval": _l("Irregular approval"),
                "overdue": _l("Overdue case"), "discipline": _l("Work discipline"),
                "other": _l("Other")}[self.value]


class ComplaintState(enum.Enum):
    received = "received"
    assigned = "assigned"
    investigating = "investigating"
    concluded = "concluded"
    answered = "answered"  # feedback given to the complainant
    closed = "closed"

    @property
    def label(self):
        return {"received": _l("Received"), "assigned": _l("Assigned"),
                "investigating": _l("Investigating"), "concluded": _l("Concluded"),
                "answered": _l("Answered"), "closed": _l("Closed")}[self.value]

    @property
    def next(self) -> ComplaintState | None:
        """The one state a complaint may move to from this one (SPEC §6)."""
        order = list(ComplaintState)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None

    def may_become(self, target: ComplaintState) -> bool:
        return self.next is target

    @property
    def is_open(self) -> bool:
        return self is not ComplaintState.closed


class ComplaintConclusion(enum.Enum):
    substantiated = "substantiated"  # 属实
    partly = "partly"  # 部分属实
    unsubstantiated = "unsubstantiated"  # 不属实
    misunderstanding = "misunderstanding"  # 误解

    @property
    def label(self):
        return {"substantiated": _l("Substantiated"), "partly": _l("Partly substantiated"),
                "unsubstantiated": _l("Not substantiated"),
                "misunderstanding": _l("Misunderstanding")}[self.value]


class CaseScope:
    """Shared access rule of reviews, review cases and complaints (``centre_id``,
    ``staff_id``, ``department_id`` columns)."""

    @classmethod
    def visible_clause(cls, user: User):
        from ..auth.permissions import centre_clause

        if user.is_staff:
            return cls.staff_id == user.staff_id if user.staff_id else sa.false()
        if user.is_unit_lead:
            return cls.department_id == user.department_id if user.department_id \
                else sa.false()
        if user.is_manager:
            return centre_clause(cls.centre_id, user)
        return sa.false()

    def can_view(self, user: User) -> bool:
        if user.is_staff:
            return user.staff_id is not None and self.staff_id == user.staff_id
        if user.is_unit_lead:
            return user.department_id is not None and self.department_id == user.department_id
        return user.is_manager and user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)

    def can_handle(self, user: User) -> bool:
        """Follow up and investigate: HR/admin of the centre or the unit lead of the unit."""
        return self.can_edit(user) or (
            user.is_unit_lead and user.department_id is not None
            and self.department_id == user.department_id)


class Review(CaseScope, AuditedMixin, TimestampMixin, db.Model):
    """One evaluation of one service (一事一评), five levels; ≤ the rulebook's
    ``bad_review_max_level`` is a bad review (差评) and opens a rectification case."""

    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        sa.UniqueConstraint("centre_id", "external_id"),
        sa.Index("ix_review_staff_id_day", "staff_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    at: Mapped[datetime]
    day: Mapped[date]  # local date of ``at`` in the centre's zone
    level: Mapped[int]
    bad: Mapped[bool]
    channel: Mapped[ReviewChannel] = mapped_column(enum_column(ReviewChannel))
    real_name: Mapped[bool]
    citizen_name: Mapped[str | None] = mapped_column(sa.String(100))
    citizen_contact: Mapped[str | None] = mapped_column(sa.String(100))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The review platform's own id: the natural key that makes re-imports change nothing.
    external_id: Mapped[str | None] = mapped_column(sa.String(64))
    # Set only when HR approved a mistaken/malicious conclusion (误评/恶意差评).
    excluded: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    staff: Mapped[Staff] = relationship()
    window: Mapped[Window | None] = relationship()
    department: Mapped[Department] = relationship()
    case: Mapped[ReviewCase | None] = relationship(back_populates="review")

    @property
    def level_name(self):
        return LEVEL_NAMES[self.level]


class ReviewCase(CaseScope, AuditedMixin, TimestampMixin, db.Model):
    """The rectification case of one bad review: follow-up contact, conclusion, report back."""

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id"), unique=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    opened_on: Mapped[date]
    contact_due: Mapped[date]
    conclude_due: Mapped[date]
    state: Mapped[ReviewCaseState] = mapped_column(enum_column(ReviewCaseState),
                                                   default=ReviewCaseState.open)
    followed_up_at: Mapped[datetime | None]
    followup_note: Mapped[str] = mapped_column(sa.Text, default="")
    conclusion: Mapped[ReviewConclusion | None] = mapped_column(enum_column(ReviewConclusion))
    concluded_at: Mapped[datetime | None]
    conclusion_note: Mapped[str] = mapped_column(sa.Text, default="")
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finding.id"))

    review: Mapped[Review] = relationship(back_populates="case")
    staff: Mapped[Staff] = relationship()
    department: Mapped[Department] = relationship()
    steps: Mapped[list[CaseStep]] = relationship(order_by="CaseStep.id",
                                                 foreign_keys="CaseStep.review_case_id")

    kind = "review"

    @property
    def due(self) -> date | None:
        """The deadline of the next step: the follow-up contact of a real-name review, then
        the conclusion (HR's approval of a malicious conclusion included)."""
        if self.state is ReviewCaseState.open and self.review.real_name:
            return self.contact_due
        if self.state.is_open:
            return self.conclude_due
        return None

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and today > self.due

    def can_approve(self, user: User) -> bool:
        """HR (or admin) approves or rejects a mistaken/malicious conclusion."""
        return self.can_edit(user) and self.state is ReviewCaseState.pending_approval


class Complaint(CaseScope, AuditedMixin, TimestampMixin, db.Model):
    """A complaint from any channel, moved through received → … → closed (SPEC §6)."""

    __table_args__ = (
        sa.CheckConstraint("staff_id IS NOT NULL OR window_id IS NOT NULL", name="has_subject"),
    )
    __audit_secret__ = ("complainant", "contact")

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    channel: Mapped[ComplaintChannel] = mapped_column(enum_column(ComplaintChannel))
    complainant: Mapped[str | None] = mapped_column(sa.String(100))
    contact: Mapped[str | None] = mapped_column(sa.String(100))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    category: Mapped[ComplaintCategory] = mapped_column(enum_column(ComplaintCategory))
    text: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime]
    received_on: Mapped[date]
    state: Mapped[ComplaintState] = mapped_column(enum_column(ComplaintState),
                                                  default=ComplaintState.received)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    assign_due: Mapped[date]
    conclude_due: Mapped[date]
    answer_due: Mapped[date]
    close_due: Mapped[date]
    conclusion: Mapped[ComplaintConclusion | None] = mapped_column(
        enum_column(ComplaintConclusion))
    feedback: Mapped[str] = mapped_column(sa.Text, default="")  # answer to the complainant
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finding.id"))

    staff: Mapped[Staff | None] = relationship()
    window: Mapped[Window | None] = relationship()
    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship()
    steps: Mapped[list[CaseStep]] = relationship(order_by="CaseStep.id",
                                                 foreign_keys="CaseStep.complaint_id")

    kind = "complaint"

    @property
    def due(self) -> date | None:
        """Deadline of the next step, each counted in working days from receipt."""
        return {ComplaintState.received: self.assign_due,
                ComplaintState.assigned: self.conclude_due,
                ComplaintState.investigating: self.conclude_due,
                ComplaintState.concluded: self.answer_due,
                ComplaintState.answered: self.close_due}.get(self.state)

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and today > self.due

    def can_move(self, user: User, target: ComplaintState) -> bool:
        """Assigning and closing are HR's; the assignee or the unit lead investigates,
        concludes and answers as well."""
        if target in (ComplaintState.assigned, ComplaintState.closed):
            return self.can_edit(user)
        return self.can_handle(user) or (
            self.assignee_id is not None and self.assignee_id == user.id)


class CaseStep(AuditedMixin, db.Model):
    """One step of a complaint or a review case: who, when, from which state to which, and a
    note. Steps are never changed."""

    __table_args__ = (
        sa.CheckConstraint("(complaint_id IS NULL) <> (review_case_id IS NULL)",
                           name="one_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    review_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_case.id"),
                                                       index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def label(self):
        return STEP_LABELS.get(self.action, self.action)


STEP_LABELS = {
    "received": _l("Received"), "assigned": _l("Assigned"),
    "investigating": _l("Investigation started"), "concluded": _l("Concluded"),
    "answered": _l("Answer given to the complainant"), "closed": _l("Closed"),
    "opened": _l("Case opened"), "followed_up": _l("Follow-up contact recorded"),
    "approval_requested": _l("Concluded as mistaken or malicious; HR approval requested"),
    "approved": _l("HR approved: the review no longer counts"),
    "rejected": _l("HR rejected the mistaken/malicious conclusion"),
    "reported_back": _l("Rectification reported back"),
}
