"""Inspection workflows (SPEC §4): recording an inspection with its findings, adding photos,
the checklist item of a finding made elsewhere, and the tallies scoring reads (SPEC §7).

Findings enter only through ``compliance.conduct.operations.record_finding``. Operations
validate everything before writing and ``flush()``; the request or job commits.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _

from compliance.attendance import duty
from compliance.audit import current_actor
from compliance.conduct.models import Evidence, Finding, FindingSource, FindingState, Severity
from compliance.conduct.operations import FindingItem, record_finding
from compliance.db import utcnow
from compliance.errors import Conflict, Forbidden, Invalid
from compliance.extensions import db
from compliance.org.models import Centre, Staff, Window
from compliance.scoring.engine import InspectionTally
from compliance.timeutil import local_date
from compliance.uploads import decode_upload, store_image

from . import catalogue
from .models import (AnswerResult, ChecklistTemplate, Inspection, InspectionAnswer,
                     InspectionKind, InspectionPhoto, SpotCheckTask, TaskState, TemplateSubject)
from .template_store import current_template, current_templates, ensure_default_templates, \
    template_version

# A tablet's clock may run a little ahead of the server's; an inspection further in the
# future than this is refused.
CLOCK_SKEW = timedelta(minutes=10)
# How many missing item codes an error message lists before "…".
LISTED_MISSING = 8


@dataclass(frozen=True)
class AnswerData:
    item: str
    result: AnswerResult
    note: str = ""


@dataclass(frozen=True)
class InspectionData:
    """What the tablet (or an API caller) submits."""

    template: str
    at: datetime
    answers: list[AnswerData] = field(default_factory=list)
    window_code: str | None = None
    staff_no: str | None = None
    template_version: int | None = None
    client_id: str | None = None
    task_id: int | None = None
    note: str = ""

    def payload_hash(self) -> str:
        """The submission without its client id: a retry must send the same content."""
        body = asdict(self)
        body.pop("client_id")
        body["at"] = self.at.astimezone(timezone.utc).isoformat()
        body["answers"] = sorted((a.item, a.result.value, a.note.strip()) for a in self.answers)
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False,
                                         default=str).encode()).hexdigest()


def finding_item_of(item: catalogue.CatalogueItem) -> FindingItem:
    """The facts a finding copies from a checklist item (later edits change nothing)."""
    return FindingItem(code=item.code, text_zh=item.text_zh, text_en=item.text_en,
                       category=item.category, severity=Severity(item.severity),
                       points=item.points, ten_prohibitions=item.ten_prohibitions,
                       bars_quarterly=item.bars_quarterly, bars_annual=item.bars_annual,
                       disqualifier=item.disqualifier)


def finding_item(centre_id: int, item_code: str) -> FindingItem:
    """The item of the centre's current checklists with this code, as a finding needs it
    (the camera review confirms a flag with, e.g., 十不准·无故离岗 ``ten_prohibitions.01``).

    Raises ``Invalid`` naming the item when no current checklist has it.
    """
    ensure_default_templates(centre_id)
    for template in current_templates(centre_id):
        item = template.item(item_code)
        if item is not None:
            return finding_item_of(item)
    message = _("Unknown checklist item %(code)s.", code=item_code)
    raise Invalid(message, {"item": message})


def person_on_duty(window: Window, at: datetime) -> Staff | None:
    """Who the roster has at the window at that instant (SPEC §4: filled in, changeable);
    outside service hours, the person of the nearest session of the day."""
    return duty.person_on_duty(window, at)


def in_service(window: Window, at: datetime) -> bool:
    """Someone is rostered at the window in a session whose service hours hold ``at``."""
    person = duty.person_on_duty(window, at)
    return person is not None and duty.presence(person, at).session is not None


def by_client_id(centre_id: int, client_id: str) -> Inspection | None:
    return db.session.scalars(sa.select(Inspection).where(
        Inspection.centre_id == centre_id, Inspection.client_id == client_id)).first()


def _template(centre: Centre, data: InspectionData, errors: dict) -> ChecklistTemplate | None:
    ensure_default_templates(centre.id)
    if data.template_version is not None:
        template = template_version(centre.id, data.template, data.template_version)
    else:
        template = current_template(centre.id, data.template)
    if template is None:
        errors["template"] = _("Unknown checklist %(code)s.", code=data.template) \
            if data.template_version is None else \
            _("Unknown checklist %(code)s version %(version)s.", code=data.template,
              version=data.template_version)
    return template


def _subject(centre: Centre, data: InspectionData, template: ChecklistTemplate | None,
             errors: dict) -> tuple[Window | None, Staff | None]:
    staff = window = None
    if data.staff_no:
        staff = db.session.scalars(sa.select(Staff).where(
            Staff.centre_id == centre.id, Staff.staff_no == data.staff_no)).first()
        if staff is None:
            errors["staff_no"] = _("Unknown staff number %(no)s.", no=data.staff_no)
        elif not staff.active:
            errors["staff_no"] = _("%(name)s is no longer active.", name=staff.name)
    if data.window_code:
        window = db.session.scalars(sa.select(Window).where(
            Window.centre_id == centre.id, Window.code == data.window_code)).first()
        if window is None:
            errors["window_code"] = _("Unknown window %(code)s.", code=data.window_code)
    elif staff is not None and staff.window is not None:
        window = staff.window
    elif "window_code" not in errors:
        errors["window_code"] = _("Choose the window.")
    if template is not None:
        if template.subject is TemplateSubject.person and staff is None \
                and "staff_no" not in errors:
            errors["staff_no"] = _("Choose the person on duty.")
        if template.subject is TemplateSubject.zone and data.staff_no:
            errors["staff_no"] = _("This checklist is about the place, not a person.")
    return window, staff


def _check_answers(template: ChecklistTemplate, staff: Staff | None,
                   answers: list[AnswerData], errors: dict) -> list[catalogue.CatalogueItem]:
    """Every item that applies answered exactly once; no unknown or other-gender item."""
    gender = staff.gender.value if staff is not None and \
        template.subject is not TemplateSubject.zone else None
    applicable = catalogue.items_for(template.catalogue, gender)
    applicable_codes = {item.code for item in applicable}
    seen: set[str] = set()
    for n, answer in enumerate(answers):
        where = f"answers.{n}.item"
        if template.item(answer.item) is None:
            errors[where] = _("Unknown checklist item %(code)s.", code=answer.item)
        elif answer.item not in applicable_codes:
            errors[where] = _("Item %(code)s does not apply to this person.", code=answer.item)
        elif answer.item in seen:
            errors[where] = _("Item %(code)s is answered twice.", code=answer.item)
        seen.add(answer.item)
        if answer.result is AnswerResult.failed and not answer.note.strip():
            errors[f"answers.{n}.note"] = _("Say what was wrong.")
    missing = [item.code for item in applicable if item.code not in seen]
    if missing:
        listed = ", ".join(missing[:LISTED_MISSING]) + ("…" if len(missing) > LISTED_MISSING
                                                        else "")
        errors["answers"] = _("%(count)d items are not answered: %(codes)s",
                              count=len(missing), codes=listed)
    return applicable


def _task(centre: Centre, data: InspectionData, window: Window | None,
          errors: dict) -> SpotCheckTask | None:
    if data.task_id is None:
        return None
    task = db.session.get(SpotCheckTask, data.task_id)
    if task is None or task.centre_id != centre.id:
        errors["task_id"] = _("Unknown spot check.")
        return None
    if task.state is not TaskState.open:
        errors["task_id"] = _("This spot check is %(state)s already.", state=task.state.label)
    elif window is not None and task.window_id != window.id:
        errors["task_id"] = _("This spot check is for window %(code)s.", code=task.window.code)
    return task


def submit_inspection(centre: Centre, data: InspectionData) -> tuple[Inspection, bool]:
    """Record an inspection and a finding per failed item; returns ``(inspection, created)``.

    A submit repeating a ``client_id`` already recorded returns that inspection (created
    False) when it carries the same content, and is refused (409) otherwise. Score: 100 minus
    the points of the failed items, N/A excluded, not below 0 (SPEC §4). A failure is a finding
    against the person (a place checklist: against the window), sourced ``spot_check`` when the
    inspection closes a spot-check task (seed 003 五.3), else ``patrol``.
    """
    digest = data.payload_hash()
    if data.client_id:
        existing = by_client_id(centre.id, data.client_id)
        if existing is not None:
            if existing.payload_hash != digest:
                raise Conflict(_("This submission id was already used for another "
                                 "inspection."), code="client_id_reused")
            return existing, False
    errors: dict[str, str] = {}
    template = _template(centre, data, errors)
    window, staff = _subject(centre, data, template, errors)
    if template is not None:
        _check_answers(template, staff, data.answers, errors)
    if data.at > utcnow() + CLOCK_SKEW:
        errors["at"] = _("The inspection time is in the future.")
    task = _task(centre, data, window, errors)
    if len(data.note) > 2000:
        errors["note"] = _("Longer than %(n)s characters.", n=2000)
    if errors:
        raise Invalid(_("The inspection was not saved: check the marked answers."), errors)

    if template.subject is TemplateSubject.zone:
        staff = None
    order = {item.code: n for n, item in enumerate(template.catalogue.items)}
    answers = sorted(data.answers, key=lambda a: order[a.item])
    failed = [a for a in answers if a.result is AnswerResult.failed]
    failed_points = sum(template.item(a.item).points for a in failed)
    user_id, actor = current_actor()
    inspection = Inspection(
        centre_id=centre.id, template=template, window=window, staff=staff,
        kind=InspectionKind.spot_check if task else InspectionKind.patrol,
        department_id=staff.department_id if staff else window.department_id,
        inspector_id=user_id, inspector_name=actor, at=data.at,
        day=local_date(data.at, centre.timezone), client_id=data.client_id or None,
        payload_hash=digest, score=catalogue.inspection_score(
            template.item(a.item).points for a in failed),
        failed_points=failed_points,
        passed=sum(a.result is AnswerResult.passed for a in answers), failed=len(failed),
        not_applicable=sum(a.result is AnswerResult.not_applicable for a in answers),
        note=data.note.strip())
    db.session.add(inspection)
    db.session.flush()
    source = FindingSource.spot_check if task else FindingSource.patrol
    findings = {a.item: record_finding(
        centre=centre, item=finding_item_of(template.item(a.item)), at=data.at, source=source,
        source_ref=f"inspection:{inspection.id}", staff=staff, window=window,
        note=a.note.strip()) for a in failed}
    # By foreign key, not through ``inspection.answers``: a collection of a hundred pending
    # rows would be diffed again at every flush.
    db.session.add_all([
        InspectionAnswer(inspection_id=inspection.id, item_code=a.item, result=a.result,
                         note=a.note.strip(), finding=findings.get(a.item)) for a in answers])
    if task is not None:
        task.state, task.done_at = TaskState.done, data.at
        inspection.task = task
    db.session.flush()
    db.session.expire(inspection, ["answers"])
    return inspection, True


def add_photo(user, inspection: Inspection, data: bytes, item_code: str | None = None,
              client_id: str | None = None) -> tuple[InspectionPhoto, bool]:
    """Store a photo of the inspection; with ``item_code``, as evidence of that failed
    item's finding. The image is decoded to check it (never the name), re-encoded without its
    EXIF (which holds the location) and thumbnailed (``compliance.uploads``). A repeated
    ``client_id`` returns the photo already stored."""
    if not inspection.can_edit(user):
        raise Forbidden(_("Only the inspector who made the inspection, or HR, adds photos."))
    if client_id:
        existing = db.session.scalars(sa.select(InspectionPhoto).where(
            InspectionPhoto.inspection_id == inspection.id,
            InspectionPhoto.client_id == client_id)).first()
        if existing is not None:
            return existing, False
    answer = None
    if item_code:
        answer = inspection.answer(item_code)
        if answer is None:
            message = _("The inspection has no item %(code)s.", code=item_code)
            raise Invalid(message, {"item": message})
        if answer.result is not AnswerResult.failed:
            message = _("Photos are evidence of failed items; %(code)s did not fail.",
                        code=item_code)
            raise Invalid(message, {"item": message})
        if answer.finding.state is not FindingState.open:
            raise Conflict(_("The finding is %(state)s: its evidence can no longer change.",
                             state=answer.finding.state.label), code="illegal_state")
    image = decode_upload(data, "file")
    stored = store_image(image, "inspections")
    evidence = Evidence(centre_id=inspection.centre_id,
                        finding=answer.finding if answer else None, kind="photo",
                        source_ref=f"inspection:{inspection.id}", path=stored.path,
                        thumb_path=stored.thumb_path, sha256=stored.sha256, size=stored.size,
                        width=stored.width, height=stored.height)
    photo = InspectionPhoto(inspection=inspection, item_code=item_code or None,
                            evidence=evidence, client_id=client_id or None,
                            uploaded_by_id=user.id)
    db.session.add_all([evidence, photo])
    db.session.flush()
    return photo, True


def inspection_tallies(centre_id: int, first: date, last: date,
                       staff_ids: Iterable[int]) -> dict[int, list[InspectionTally]]:
    """Per person, each inspection's items passed out of answered (pass + fail; N/A excluded)
    between two days inclusive: the service-norms part of SPEC §7. A failure whose finding
    was overturned on appeal counts for nothing against the person: it counts as passed."""
    staff_ids = list(staff_ids)
    if not staff_ids:
        return {}
    overturned = (sa.select(InspectionAnswer.inspection_id,
                            sa.func.count().label("n"))
                  .join(Finding, InspectionAnswer.finding_id == Finding.id)
                  .where(Finding.state == FindingState.overturned)
                  .group_by(InspectionAnswer.inspection_id).subquery())
    rows = db.session.execute(
        sa.select(Inspection.id, Inspection.staff_id, Inspection.day, Inspection.passed,
                  Inspection.failed, sa.func.coalesce(overturned.c.n, 0))
        .outerjoin(overturned, overturned.c.inspection_id == Inspection.id)
        .where(Inspection.centre_id == centre_id, Inspection.day >= first,
               Inspection.day <= last, Inspection.staff_id.in_(staff_ids))
        .order_by(Inspection.day, Inspection.id)).all()
    out: dict[int, list[InspectionTally]] = {}
    for ident, staff_id, day, passed, failed, cleared in rows:
        out.setdefault(staff_id, []).append(
            InspectionTally(id=ident, date=day, passed=passed + cleared,
                            answered=passed + failed))
    return out
