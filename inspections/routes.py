"""Inspection pages: the hall list (windows by zone, today's spot checks), the tablet checklist,
the printable report and the list of inspections.

The checklist page is one HTML form that works without JavaScript (a multipart post with
photos); ``static/inspect.js`` turns it into the tablet flow: one-tap answers, the draft kept in
the browser, and a JSON submit with a client-made id plus photo uploads that a retry never
doubles.
"""
from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import date, datetime

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from compliance.auth.models import Role
from compliance.auth.permissions import get_visible_or_404, roles_required, visible
from compliance.db import utcnow
from compliance.errors import DomainError, Invalid
from compliance.extensions import db
from compliance.org.models import Centre, Department, Staff, Window, Zone
from compliance.timeutil import local_today
from compliance.uploads import decode_upload

from . import operations, template_store
from .catalogue import items_for
from .models import AnswerResult, Inspection, SpotCheckTask, TaskState, TemplateSubject
from .shared import filtered_inspections, save_submission

bp = Blueprint("inspections", __name__, url_prefix="/inspections", static_folder="static",
               static_url_path="/static")

INSPECTORS = (Role.inspector, Role.hr, Role.admin)
LIST_LIMIT = 500
MAX_RECORD_ID = 2**31 - 1  # the database's integer columns


def working_centre() -> Centre:
    """The user's centre; a deployment-wide login picks one with ``?centre=<id>``."""
    if current_user.centre_id is not None:
        return current_user.centre
    chosen = request.args.get("centre", type=int)
    centre = db.session.get(Centre, chosen) if chosen and 0 < chosen <= MAX_RECORD_ID else None
    centre = centre or db.session.scalars(sa.select(Centre).order_by(Centre.id)).first()
    if centre is None:
        abort(404)
    return centre


def record_id(name: str) -> int | None:
    """An id or version number from the query or form; one no record can have is a 404."""
    value = request.values.get(name, type=int)
    if value is not None and not 1 <= value <= MAX_RECORD_ID:
        abort(404)
    return value


def ensure_templates(centre: Centre) -> None:
    """Seed the centre's checklists on first use (committed at once, even on a GET)."""
    if template_store.ensure_default_templates(centre.id):
        db.session.commit()


@bp.route("/")
@login_required
def index():
    """Inspections the user may see (a person: their own), newest first."""
    first = request.args.get("from", type=date.fromisoformat)
    last = request.args.get("to", type=date.fromisoformat)
    staff_no = request.args.get("staff_no", "").strip() or None
    window_code = request.args.get("window", "").strip() or None
    rows = db.session.scalars(filtered_inspections(visible(Inspection), first, last, staff_no,
                                                   window_code).limit(LIST_LIMIT)).all()
    return render_template("inspections/list.html", inspections=rows, first=first, last=last,
                           staff_no=staff_no or "", window_code=window_code or "")


@bp.route("/hall")
@roles_required(*INSPECTORS)
def hall():
    """The hall: windows grouped by zone, with today's spot checks on top."""
    centre = working_centre()
    ensure_templates(centre)
    windows = db.session.scalars(sa.select(Window).where(Window.centre_id == centre.id)
                                 .order_by(Window.code)).all()
    zones: OrderedDict[Zone, list[Window]] = OrderedDict((z, []) for z in Zone)
    for window in windows:
        zones[window.zone].append(window)
    now = utcnow()
    tasks = db.session.scalars(sa.select(SpotCheckTask).where(
        SpotCheckTask.centre_id == centre.id,
        SpotCheckTask.day == local_today(centre.timezone))
        .order_by(SpotCheckTask.due_at)).all()
    open_tasks = {t.window_id: t for t in tasks if t.state is TaskState.open}
    on_duty = {w.id: operations.person_on_duty(w, now) for w in windows}
    centres = [] if current_user.centre_id is not None else db.session.scalars(
        sa.select(Centre).order_by(Centre.code)).all()
    return render_template("inspections/hall.html", centre=centre, centres=centres,
                           zones=[(z, ws) for z, ws in zones.items() if ws], tasks=tasks,
                           open_tasks=open_tasks, on_duty=on_duty, now=now)


def _staff_choices(centre: Centre, window: Window) -> list[Staff]:
    """Active staff of the centre, the window's own department first."""
    people = db.session.scalars(sa.select(Staff).join(Department)
                                .where(Staff.centre_id == centre.id, Staff.active)
                                .order_by(Department.code, Staff.staff_no)).all()
    return sorted(people, key=lambda s: s.department_id != window.department_id)


@bp.route("/hall/<window_code>", methods=["GET", "POST"])
@roles_required(*INSPECTORS)
def checklist(window_code: str):
    """The tablet checklist for a window (``?template=`` picks the checklist, ``?task=`` the
    spot check it is made for, ``?version=`` the version a kept draft was started on)."""
    centre = working_centre()
    ensure_templates(centre)
    window = db.session.scalars(sa.select(Window).where(
        Window.centre_id == centre.id, Window.code == window_code)).first()
    if window is None:
        abort(404)
    templates = template_store.current_templates(centre.id)
    code = request.values.get("template") or templates[0].code
    version = record_id("version")
    template = (template_store.template_version(centre.id, code, version) if version
                else template_store.current_template(centre.id, code))
    if template is None:
        abort(404)
    task = None
    task_id = record_id("task")
    if task_id:
        task = db.session.get(SpotCheckTask, task_id)
        if task is None or task.centre_id != centre.id or task.window_id != window.id:
            abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            inspection = _submit_form(centre, window, template, task)
        except DomainError as error:
            db.session.rollback()
            errors = {k: str(v) for k, v in error.fields.items()}
            flash(str(error.message), "error")
        else:
            flash(_("Inspection saved: score %(score)s.", score=inspection.score), "success")
            return redirect(url_for(".report", inspection_id=inspection.id))
    now = utcnow()
    on_duty = operations.person_on_duty(window, now)
    chosen = request.form.get("staff_no") if request.method == "POST" else (
        on_duty.staff_no if on_duty else "")
    return render_template(
        "inspections/checklist.html", centre=centre, window=window, template=template,
        templates=templates, task=task, on_duty=on_duty, chosen=chosen,
        people=_staff_choices(centre, window), errors=errors, form=request.form,
        client_id=request.form.get("client_id") or uuid.uuid4().hex, now=now,
        started_at=request.form.get("started_at") or now.replace(microsecond=0).isoformat(),
        subject=template.subject, TemplateSubject=TemplateSubject)


def _submit_form(centre: Centre, window: Window, template, task) -> Inspection:
    """The form posted without JavaScript: answers, notes and photos in one multipart post.
    Every photo is checked before anything is stored."""
    staff_no = request.form.get("staff_no") or None
    staff = db.session.scalars(sa.select(Staff).where(
        Staff.centre_id == centre.id, Staff.staff_no == staff_no)).first() if staff_no else None
    gender = staff.gender.value if staff and template.subject is not TemplateSubject.zone \
        else None
    answers, photos, errors = [], [], {}
    for item in items_for(template.catalogue, gender):
        value = request.form.get(f"answer-{item.code}")
        if value is None:
            continue  # reported as missing by the operation
        try:
            result = AnswerResult(value)
        except ValueError:
            errors[f"answer-{item.code}"] = _("Choose pass, fail or N/A.")
            continue
        answers.append(operations.AnswerData(item.code, result,
                                             request.form.get(f"note-{item.code}", "")))
        for upload in request.files.getlist(f"photo-{item.code}"):
            if not upload or not upload.filename:
                continue
            data = upload.read()
            decode_upload(data, f"photo-{item.code}")  # refuse a bad photo before saving
            if result is AnswerResult.failed:
                photos.append((item.code, data))
    if errors:
        raise Invalid(_("The inspection was not saved: check the marked answers."), errors)
    data = operations.InspectionData(
        template=template.code, template_version=template.version, at=_started_at(),
        answers=answers, window_code=window.code,
        staff_no=staff_no if template.subject is not TemplateSubject.zone else None,
        client_id=request.form.get("client_id") or None, task_id=task.id if task else None,
        note=request.form.get("note", ""))
    try:
        inspection, created = save_submission(centre, data)
    except DomainError as error:  # name the answers by their item, as the form does
        fields = {}
        for name, message in error.fields.items():
            parts = name.split(".")
            if parts[0] == "answers" and len(parts) == 3 and parts[1].isdigit() \
                    and int(parts[1]) < len(answers):
                name = f"answer-{answers[int(parts[1])].item}"
            fields[name] = message
        error.fields = fields
        raise
    if created:
        for code, image in photos:
            operations.add_photo(current_user, inspection, image, code)
        db.session.commit()
    return inspection


def _started_at() -> datetime:
    """When the form was opened (sent back by the form, so a resubmit is the same content)."""
    try:
        started = datetime.fromisoformat(request.form.get("started_at", ""))
    except ValueError:
        return utcnow()
    return started if started.tzinfo else utcnow()


@bp.route("/<int:inspection_id>")
@login_required
def report(inspection_id: int):
    """The inspection report: prints cleanly (print stylesheet), photos the user may see."""
    inspection = get_visible_or_404(Inspection, inspection_id)
    answers = {a.item_code: a for a in inspection.answers}
    photos: dict[str | None, list] = {}
    for photo in inspection.photos:
        if photo.can_view(current_user):
            photos.setdefault(photo.item_code, []).append(photo)
    return render_template("inspections/report.html", inspection=inspection, answers=answers,
                           photos=photos, template=inspection.template)
