"""Attendance pages: the roster week grid (copy last week, previous/next week), the roster
import, the shifts and their editor, and the one-tap clock page of the window PC.

Pages are thin: the grid, the import and the API all write through ``roster.save_roster``;
the clock page through ``punches.clock``; shifts through ``shifts.save_shift``.
"""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..auth.models import Role
from ..auth.permissions import LEADS_AND_MANAGERS, MANAGERS, get_visible_or_404, roles_required
from ..db import utcnow
from ..errors import DomainError
from ..extensions import db
from ..importing import run_import_form, upserted_message
from ..org.models import Centre, Department, Staff, Window
from ..web import add_nav
from .day_results import day_results
from .inputs import day_bounds
from .models import Punch, RosterEntry, Shift
from .punches import clock, committed_with_retry
from .roster import OFF, RosterLine, save_roster, week_lines
from .roster_import import import_roster
from .routes import bp
from .rules import SessionDef
from .shifts import save_shift, shifts_of

CODE = Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, '-', '_' and '.' only."))
DAYS_SHOWN = 7


def init_nav() -> None:
    """Navigation entries of these pages."""
    add_nav("attendance.clock", _l("Clock in/out"), (Role.staff,))
    add_nav("attendance.roster", _l("Roster"), LEADS_AND_MANAGERS)
    add_nav("attendance.shifts", _l("Shifts"), MANAGERS)


# --- labels shared by the templates ---------------------------------------------------------

STATUS_LABELS = {"normal": _l("Normal"), "abnormal": _l("Abnormal"), "absent": _l("Absent"),
                 "leave": _l("On leave"), "off": _l("Not rostered")}
ISSUE_LABELS = {"late": _l("Late"), "early_leave": _l("Left early"),
                "missing_in": _l("Missing clock-in"), "missing_out": _l("Missing clock-out")}
SESSION_LABELS = {"am": _l("Morning"), "pm": _l("Afternoon")}


def session_label(name: str) -> str:
    return str(SESSION_LABELS.get(name, name))


@bp.app_context_processor
def _labels():
    return {"attendance_status_labels": STATUS_LABELS, "attendance_issue_labels": ISSUE_LABELS,
            "attendance_session_label": session_label}


# --- forms ----------------------------------------------------------------------------------

class PostForm(FlaskForm):
    """A form whose fields are read from the request (the grid's cells): CSRF only."""


class CopyWeekForm(FlaskForm):
    department = HiddenField(validators=[DataRequired()])
    week = HiddenField(validators=[DataRequired()])


class RosterImportForm(FlaskForm):
    file = FileField(_l("File (CSV or Excel)"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx", "txt"], _l("CSV or Excel files only."))])


class SessionForm(Form):
    name = StringField(_l("Session"), validators=[Optional(), Length(max=16), CODE])
    start = TimeField(_l("Starts"), validators=[Optional()])
    end = TimeField(_l("Ends"), validators=[Optional()])
    clock_in_by = TimeField(_l("Clock in by"), validators=[Optional()])
    clock_out_from = TimeField(_l("Clock out from"), validators=[Optional()])

    def filled(self) -> bool:
        return bool(self.name.data) or any(
            f.data is not None for f in (self.start, self.end, self.clock_in_by,
                                         self.clock_out_from))


class ShiftForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=100)])
    active = BooleanField(_l("In use"), default=True)
    sessions = FieldList(FormField(SessionForm), min_entries=3, max_entries=6)

    def validate_code(self, field):
        if field.data == OFF:
            raise ValidationError(_("“%(code)s” means not rostered; choose another code.",
                                    code=OFF))

    def validate_sessions(self, field):
        filled = [entry.form for entry in field.entries if entry.form.filled()]
        if not filled:
            raise ValidationError(_("A shift needs at least one session."))
        for form in filled:
            for name in ("name", "start", "end", "clock_in_by", "clock_out_from"):
                if not form[name].data:
                    form[name].errors = [*form[name].errors, _("This field is required.")]
                    raise ValidationError(_("Fill in every field of each session."))

    def session_defs(self) -> list[SessionDef]:
        return [SessionDef(f.name.data, f.start.data, f.end.data, f.clock_in_by.data,
                           f.clock_out_from.data)
                for f in (e.form for e in self.sessions.entries) if f.filled()]


# --- helpers --------------------------------------------------------------------------------

def _today(centre_id: int) -> date:
    from ..cases.deadlines import centre_today

    return centre_today(centre_id)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _parse_day(text: str | None) -> date | None:
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    if day is not None and not date(2000, 1, 1) <= day <= date(2099, 12, 31):
        return None
    return day


def _roster_departments() -> list[Department]:
    """The departments whose roster the user may edit."""
    if current_user.is_unit_lead:
        return [db.session.get(Department, current_user.department_id)]
    stmt = sa.select(Department).order_by(Department.centre_id, Department.code)
    if current_user.centre_id is not None:
        stmt = stmt.where(Department.centre_id == current_user.centre_id)
    return list(db.session.scalars(stmt))


def _department(ident) -> Department:
    """The department named by the request (its id), after the roster rule: a unit lead
    their own, HR/admin one of their centre (another centre's: 404)."""
    choices = _roster_departments()
    if ident in (None, ""):
        if not choices:
            abort(404)
        return choices[0]
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    department = db.session.get(Department, ident)
    if department is None or not current_user.in_centre(department.centre_id):
        abort(404)
    if current_user.is_unit_lead and department.id != current_user.department_id:
        abort(403)
    return department


def _grid_people(department: Department) -> list[Staff]:
    return list(db.session.scalars(sa.select(Staff).where(
        Staff.department_id == department.id, Staff.active.is_(True)).order_by(Staff.staff_no)))


def _cell_values(person: Staff, entry: RosterEntry | None) -> tuple[str, str]:
    """(shift code or "" for not rostered, window code or "" for the person's own window)."""
    if entry is None or not entry.own_sessions():
        return "", ""
    window = "" if entry.window_id == person.window_id or entry.window is None \
        else entry.window.code
    return entry.shift.code, window


def _cell_name(person: Staff, offset: int, part: str) -> str:
    return f"c-{person.id}-{offset}-{part}"


def _grid(department: Department, monday: date, submitted=None, errors=None) -> dict:
    days = [monday + timedelta(days=n) for n in range(DAYS_SHOWN)]
    people = _grid_people(department)
    entries = {(e.staff_id, e.day): e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id.in_([p.id for p in people]),
        RosterEntry.day.between(days[0], days[-1])))} if people else {}
    shifts = shifts_of(department.centre_id)
    in_use = {e.shift_id for e in entries.values()}
    windows = list(db.session.scalars(sa.select(Window).where(
        Window.centre_id == department.centre_id).order_by(Window.code)))
    rows = []
    for person in people:
        cells = []
        for offset, day in enumerate(days):
            entry = entries.get((person.id, day))
            shift, window = _cell_values(person, entry)
            if submitted is not None:
                shift = submitted.get(_cell_name(person, offset, "shift"), shift)
                window = submitted.get(_cell_name(person, offset, "window"), window)
            cover = None
            if entry is not None and entry.cover_sessions:
                cover = {"window": entry.cover_window.code if entry.cover_window else "",
                         "sessions": ", ".join(session_label(s)
                                               for s in entry.covered_sessions())}
            partial = entry is not None and entry.sessions and entry.own_sessions()
            cells.append({"shift": shift, "window": window, "offset": offset,
                          "cover": cover, "error": (errors or {}).get((person.id, offset)),
                          "sessions": ", ".join(session_label(s) for s in
                                                entry.own_sessions()) if partial else ""})
        rows.append({"person": person, "cells": cells})
    return {"days": days, "rows": rows, "windows": windows,
            "shifts": [s for s in shifts if s.active or s.id in in_use]}


def _changed_lines(department: Department, monday: date, form) -> tuple[list, list]:
    """The roster lines of the cells whose submitted value differs from the stored one, and
    for each line its cell (person id, day offset)."""
    days = [monday + timedelta(days=n) for n in range(DAYS_SHOWN)]
    people = _grid_people(department)
    entries = {(e.staff_id, e.day): e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id.in_([p.id for p in people]),
        RosterEntry.day.between(days[0], days[-1])))} if people else {}
    lines, cells = [], []
    for person in people:
        for offset, day in enumerate(days):
            shift_key = _cell_name(person, offset, "shift")
            if shift_key not in form:
                continue
            shift = form.get(shift_key, "").strip()
            window = form.get(_cell_name(person, offset, "window"), "").strip()
            entry = entries.get((person.id, day))
            current = _cell_values(person, entry)
            if (shift, window) == current or (not shift and not current[0]):
                continue
            if not shift:
                lines.append(RosterLine(person.staff_no, day, OFF))
            else:
                keep = entry.own_sessions() if entry is not None and entry.sessions \
                    and shift == current[0] and entry.own_sessions() else None
                lines.append(RosterLine(person.staff_no, day, shift, window or None,
                                        tuple(keep) if keep else None))
            cells.append((person.id, offset))
    return lines, cells


def _cell_errors(error: DomainError, cells: list) -> dict:
    found = {}
    for name, message in error.fields.items():
        parts = str(name).split(".")
        if len(parts) == 3 and parts[0] == "entries" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(cells):
                found.setdefault(cells[index], str(message))
    return found


# --- the roster week grid ---------------------------------------------------------------------

@bp.route("/roster", methods=["GET", "POST"])
@roles_required(*LEADS_AND_MANAGERS)
def roster():
    """The week grid of a department: rows are people, columns the seven days; each cell a
    shift (empty: not rostered) and a window (empty: the person's own)."""
    department = _department(request.values.get("department"))
    monday = _monday(_parse_day(request.values.get("week")) or _today(department.centre_id))
    form = PostForm()
    status = 200
    submitted = errors = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        lines, cells = _changed_lines(department, monday, request.form)
        try:
            count = save_roster(department.centre_id, lines) if lines else 0
        except DomainError as error:
            db.session.rollback()
            errors = _cell_errors(error, cells)
            submitted = request.form
            flash(_("Nothing was saved: %(message)s", message=str(error.message)), "error")
            status = 400
        else:
            db.session.commit()
            flash(_("Roster saved: %(n)d days changed.", n=count), "success")
            return redirect(url_for(".roster", department=department.id,
                                    week=monday.isoformat()))
    grid = _grid(department, monday, submitted, errors)
    return render_template(
        "attendance/roster.html", form=form, copy_form=CopyWeekForm(
            department=department.id, week=monday.isoformat()),
        department=department, departments=_roster_departments(), monday=monday,
        previous=monday - timedelta(days=7), next=monday + timedelta(days=7),
        this_week=_monday(_today(department.centre_id)), format_date=format_date,
        **grid), status


@bp.route("/roster/copy", methods=["POST"])
@roles_required(*LEADS_AND_MANAGERS)
def roster_copy():
    """Make the shown week a copy of the week before it, for the department's people."""
    form = CopyWeekForm()
    if not form.validate_on_submit():
        abort(400)
    department = _department(form.department.data)
    monday = _monday(_parse_day(form.week.data) or abort(400))
    lines = week_lines(department.centre_id, _grid_people(department),
                       monday - timedelta(days=7), monday)
    try:
        count = save_roster(department.centre_id, lines) if lines else 0
    except DomainError as error:
        db.session.rollback()
        flash(_("Nothing was copied: %(message)s", message=str(error.message)), "error")
    else:
        db.session.commit()
        flash(_("Copied last week: %(n)d days changed.", n=count), "success")
    return redirect(url_for(".roster", department=department.id, week=monday.isoformat()))


@bp.route("/roster/import", methods=["GET", "POST"])
@roles_required(*LEADS_AND_MANAGERS)
def roster_import():
    """Roster rows from a spreadsheet: all rows or none, with a per-row report."""
    form = RosterImportForm()

    def run(name, data):
        if current_user.is_unit_lead:
            department = db.session.get(Department, current_user.department_id)
            return import_roster(department.centre_id, name, data, department_id=department.id)
        return import_roster(_import_centre(), name, data, department_id=None)

    report, status = run_import_form(form, run, upserted_message)
    return render_template("attendance/roster_import.html", form=form, report=report), status


def _import_centre() -> int:
    if current_user.centre_id is not None:
        return current_user.centre_id
    chosen = request.args.get("centre", type=int)
    if chosen and db.session.get(Centre, chosen):
        return chosen
    first = db.session.scalar(sa.select(Centre.id).order_by(Centre.id))
    if first is None:
        abort(404)
    return first


# --- shifts -----------------------------------------------------------------------------------

@bp.route("/shifts")
@roles_required(*MANAGERS)
def shifts():
    stmt = sa.select(Shift).order_by(Shift.centre_id, Shift.id)
    if current_user.centre_id is not None:
        stmt = stmt.where(Shift.centre_id == current_user.centre_id)
    return render_template("attendance/shifts.html", shifts=db.session.scalars(stmt).all())


@bp.route("/shifts/new", methods=["GET", "POST"])
@bp.route("/shifts/<int:shift_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def shift_form(shift_id: int | None = None):
    """Create or change a shift; its sessions are checked by the pure rules."""
    shift = None
    if shift_id is not None:
        shift = db.session.get(Shift, shift_id)
        if shift is None or not current_user.in_centre(shift.centre_id):
            abort(404)
        get_visible_or_404(Shift, shift_id, edit=True)
    form = ShiftForm(obj=shift) if shift is not None and request.method == "GET" else ShiftForm()
    if shift is not None and request.method == "GET":
        for entry, session in zip(form.sessions.entries, shift.sessions):
            sub = entry.form
            sub.name.data, sub.start.data, sub.end.data = session.name, session.start_time, \
                session.end_time
            sub.clock_in_by.data, sub.clock_out_from.data = session.clock_in_by, \
                session.clock_out_from
    status = 200
    if form.validate_on_submit():
        centre_id = shift.centre_id if shift is not None else _import_centre()
        try:
            saved = save_shift(centre_id, form.code.data, form.name.data,
                               form.name_en.data or "", form.session_defs(),
                               form.active.data, shift)
        except DomainError as error:
            db.session.rollback()
            for name, message in error.fields.items():
                target = form[name] if name in form._fields else None
                if target is not None:
                    target.errors = [*target.errors, str(message)]
            flash(str(error.message), "error")
            status = 400
        else:
            db.session.commit()
            flash(_("Shift %(code)s saved.", code=saved.code), "success")
            return redirect(url_for(".shifts"))
    elif request.method == "POST":
        status = 400
    return render_template("attendance/shift_form.html", form=form, shift=shift), status


# --- the one-tap clock page -----------------------------------------------------------------

def _session_of(person: Staff, at, tz_name: str) -> str | None:
    """"Morning: Normal" for the session whose clock-in or clock-out the punch became."""
    from ..timeutil import local_date

    for name, view in day_results([person], local_date(at, tz_name))[person.id].items():
        if at in (view.clock_in, view.clock_out):
            issues = ", ".join(str(ISSUE_LABELS[i]) for i in view.issues if i in ISSUE_LABELS)
            status = str(STATUS_LABELS[view.status.value])
            return _("%(session)s: %(status)s", session=session_label(name),
                     status=_("%(status)s (%(issues)s)", status=status, issues=issues)
                     if issues else status)
    return None


def _own_person() -> Staff:
    if current_user.staff_id is None:
        abort(403)
    return db.session.get(Staff, current_user.staff_id)


@bp.route("/clock", methods=["GET", "POST"], endpoint="clock")
@login_required
def clock_page():
    """One big button for the logged-in person on the window PC: a punch now, then the time
    recorded, the session results of today and today's punches."""
    person = _own_person()
    form = PostForm()
    tz_name = db.session.get(Centre, person.centre_id).timezone
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        now = utcnow()
        outcome = committed_with_retry(lambda: clock(person, now=now))
        shown = format_time(now.astimezone(ZoneInfo(tz_name)), "HH:mm:ss")
        if outcome.created:
            flash(_("Recorded at %(time)s.", time=shown), "success")
            result = _session_of(person, outcome.punches[0].at, tz_name)
            if result is not None:
                flash(result, "info")
        else:
            flash(_("Already recorded: taps within a minute of each other count once "
                    "(%(time)s).", time=shown), "info")
        return redirect(url_for(".clock", tapped=1))
    today = _today(person.centre_id)
    opens, closes = day_bounds(today, tz_name)
    punches = list(db.session.scalars(sa.select(Punch).where(
        Punch.staff_id == person.id, Punch.at >= opens, Punch.at < closes).order_by(Punch.at)))
    entry = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == person.id, RosterEntry.day == today)).first()
    sessions = day_results([person], today)[person.id]
    zone = ZoneInfo(tz_name)
    return render_template(
        "attendance/clock.html", form=form, person=person, today=today, entry=entry,
        sessions=sessions, punches=[(p, p.at.astimezone(zone)) for p in punches], zone=zone,
        last=punches[-1].at.astimezone(zone) if punches else None,
        tapped=request.args.get("tapped") == "1", format_date=format_date)

