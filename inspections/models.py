"""Checklist template versions, inspections with their answers and photos, spot-check tasks
(SPEC §4). Findings themselves are the core's ``conduct.Finding``; an inspection links each
failed answer to the finding it made."""
from __future__ import annotations

import enum
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from compliance.conduct.models import Evidence, Finding
from compliance.db import AuditedMixin, TimestampMixin, enum_column, utcnow
from compliance.extensions import db
from compliance.org.models import Staff, Window

from . import catalogue

if TYPE_CHECKING:
    from compliance.auth.models import User


def in_english() -> bool:
    return str(get_locale()) == "en"


class TemplateSubject(enum.Enum):
    person = "person"
    window = "window"
    zone = "zone"

    @property
    def label(self):
        return {"person": _l("Person on duty"), "window": _l("Window"),
                "zone": _l("Hall zone")}[self.value]


class ChecklistTemplate(AuditedMixin, db.Model):
    """One version of a centre's checklist template: a complete document in the shape of the
    ``checklists/*.toml`` files. A version never changes; editing stores the next one, and an
    inspection keeps the version it was answered against."""

    __table_args__ = (sa.UniqueConstraint("centre_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[int]
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[TemplateSubject] = mapped_column(enum_column(TemplateSubject))
    document: Mapped[dict] = mapped_column(sa.JSON)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @cached_property
    def catalogue(self) -> catalogue.CatalogueTemplate:
        """The parsed document. It was validated against the rules in force when it was
        stored, so the disqualifier keys it names are taken as they are."""
        named = {raw.get("disqualifier") for section in self.document["sections"]
                 for raw in section["items"]} - {None}
        return catalogue.template_from_document(self.document, f"{self.code} v{self.version}",
                                                disqualifiers=named)

    @property
    def title(self) -> str:
        return self.title_en if in_english() else self.title_zh

    def item(self, code: str) -> catalogue.CatalogueItem | None:
        try:
            return self.catalogue.item(code)
        except KeyError:
            return None

    @staticmethod
    def visible_clause(user: User):
        from compliance.auth.permissions import centre_clause

        # The checklists are the centre's published standard: every role of the centre reads them.
        return centre_clause(ChecklistTemplate.centre_id, user)

    def can_view(self, user: User) -> bool:
        return user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)


class InspectionKind(enum.Enum):
    patrol = "patrol"  # 日常巡查
    spot_check = "spot_check"  # 明查暗访, made for a drawn task

    @property
    def label(self):
        return {"patrol": _l("Patrol"), "spot_check": _l("Spot check")}[self.value]


class AnswerResult(enum.Enum):
    passed = "pass"
    failed = "fail"
    not_applicable = "na"

    @property
    def label(self):
        return {"pass": _l("Pass"), "fail": _l("Fail"), "na": _l("N/A")}[self.value]


class Inspection(AuditedMixin, TimestampMixin, db.Model):
    """One patrol inspection of a window and (for person templates) the person on duty.

    ``client_id`` is made by the tablet before the first submit, so a retried submit finds the
    inspection it already made instead of making a second one.
    """

    __table_args__ = (
        sa.UniqueConstraint("centre_id", "client_id"),
        sa.CheckConstraint("score >= 0", name="score_not_negative"),
        sa.Index("ix_inspection_staff_id_day", "staff_id", "day"),
        sa.Index("ix_inspection_centre_id_day", "centre_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_template.id"), index=True)
    kind: Mapped[InspectionKind] = mapped_column(enum_column(InspectionKind))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("spot_check_task.id"),
                                                unique=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("window.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    inspector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    inspector_name: Mapped[str] = mapped_column(sa.String(100))
    at: Mapped[datetime]
    day: Mapped[date]  # local date of ``at`` in the centre's zone
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    score: Mapped[int]
    failed_points: Mapped[int]
    passed: Mapped[int]
    failed: Mapped[int]
    not_applicable: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    template: Mapped[ChecklistTemplate] = relationship()
    window: Mapped[Window] = relationship()
    staff: Mapped[Staff | None] = relationship()
    task: Mapped[SpotCheckTask | None] = relationship(back_populates="inspection")
    answers: Mapped[list[InspectionAnswer]] = relationship(
        back_populates="inspection", order_by="InspectionAnswer.id")
    photos: Mapped[list[InspectionPhoto]] = relationship(
        back_populates="inspection", order_by="InspectionPhoto.id")

    @property
    def answered(self) -> int:
        """Items answered pass or fail (not-applicable items are excluded, SPEC §7)."""
        return self.passed + self.failed

    @property
    def findings(self) -> list[Finding]:
        return [a.finding for a in self.answers if a.finding is not None]

    def answer(self, item_code: str) -> InspectionAnswer | None:
        return next((a for a in self.answers if a.item_code == item_code), None)

    @staticmethod
    def visible_clause(user: User):
        from compliance.auth.permissions import centre_clause

        if user.is_staff:
            return Inspection.staff_id == user.staff_id if user.staff_id else sa.false()
        if user.is_unit_lead:
            return Inspection.department_id == user.department_id
        return centre_clause(Inspection.centre_id, user)

    def can_view(self, user: User) -> bool:
        if user.is_staff:
            return user.staff_id is not None and self.staff_id == user.staff_id
        if user.is_unit_lead:
            return self.department_id == user.department_id
        return user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        """Adding photos: the inspector who made it, or HR/admin of the centre."""
        if not user.in_centre(self.centre_id):
            return False
        return user.is_manager or (user.is_inspector and self.inspector_id == user.id)


class InspectionAnswer(AuditedMixin, db.Model):
    """One item's answer. A failure links the finding it made (its evidence hangs there)."""

    __table_args__ = (sa.UniqueConstraint("inspection_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id"))
    item_code: Mapped[str] = mapped_column(sa.String(80))
    result: Mapped[AnswerResult] = mapped_column(enum_column(AnswerResult))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finding.id"), unique=True)

    inspection: Mapped[Inspection] = relationship(back_populates="answers")
    finding: Mapped[Finding | None] = relationship()

    @property
    def centre_id(self) -> int:  # the audit log files the entry under the centre
        return self.inspection.centre_id


class InspectionPhoto(AuditedMixin, db.Model):
    """A photo taken during an inspection: the image is a core ``Evidence`` record, attached
    to the finding of the failed item it shows (and so served to whoever may see that
    finding); a photo of no item stays with the inspection, for inspectors and managers."""

    __table_args__ = (sa.UniqueConstraint("inspection_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id"))
    item_code: Mapped[str | None] = mapped_column(sa.String(80))
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id"), unique=True)
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="photos")
    evidence: Mapped[Evidence] = relationship()

    @property
    def centre_id(self) -> int:
        return self.inspection.centre_id

    def can_view(self, user: User) -> bool:
        finding = self.evidence.finding
        if finding is not None:
            return finding.can_view(user)
        return (user.is_manager or user.is_inspector) and user.in_centre(
            self.inspection.centre_id)


class TaskState(enum.Enum):
    open = "open"
    done = "done"
    cancelled = "cancelled"

    @property
    def label(self):
        return {"open": _l("To do"), "done": _l("Done"),
                "cancelled": _l("Cancelled")}[self.value]


class SpotCheckTask(AuditedMixin, TimestampMixin, db.Model):
    """A spot check (明查暗访) drawn for a window at a time of day. It is due at that time; an
    open task past it shows as overdue. The inspection made for it closes it."""

    __table_args__ = (sa.Index("ix_spot_check_task_centre_id_day", "centre_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    day: Mapped[date]
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("window.id"), index=True)
    due_at: Mapped[datetime]
    state: Mapped[TaskState] = mapped_column(enum_column(TaskState), default=TaskState.open)
    drawn_by: Mapped[str] = mapped_column(sa.String(100))
    done_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")

    window: Mapped[Window] = relationship()
    inspection: Mapped[Inspection | None] = relationship(back_populates="task")

    def is_overdue(self, now: datetime) -> bool:
        return self.state is TaskState.open and now > self.due_at

    def done_late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due_at

    @staticmethod
    def visible_clause(user: User):
        from compliance.auth.permissions import centre_clause

        # Unannounced checks (暗访): never shown to the people being checked or their leads.
        if not (user.is_inspector or user.is_manager):
            return sa.false()
        return centre_clause(SpotCheckTask.centre_id, user)

    def can_view(self, user: User) -> bool:
        return (user.is_inspector or user.is_manager) and user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)
