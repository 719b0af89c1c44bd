"""Attendance pages: requests (SPEC §3.2–3.3).

- ``attendance.leave_list`` /attendance/leave — leave requests (staff: their own) and
  ``attendance.leave_new`` the new-leave form (a seconded person chooses a substitute among
  the people free in those sessions); ``attendance.leave_detail`` one request with its
  decision; ``attendance.leave_decide`` approves, rejects or withdraws.
- ``attendance.correction_list`` /attendance/corrections, ``attendance.correction_new``
  (shows how many of the month's approved corrections are used), ``correction_detail``,
  ``correction_decide``.
- ``attendance.approvals`` /attendance/approvals — the queue of pending leave and
  corrections for unit leads (their department) and HR (their centre).
- ``attendance.away`` /attendance/away — "leave the window" / "back" for the logged-in
  person, with the running timer; ``attendance.absences`` the list of temporary absences.

Every page calls the same services as the API (``leave``, ``corrections``, ``absences``).
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..auth.models import Role
from ..auth.permissions import visible
from ..db import utcnow
from ..errors import DomainError
from ..extensions import db
from ..org.models import Staff
from ..timeutil import local_date, local_today
from ..web import add_nav
from . import absences, corrections, inputs, leave
from .access import may_file_for, staff_by_no
from .forms_requests import AwayForm, BackForm, CorrectionForm, DecisionForm, LeaveForm
from .models import Shift, ShiftSession
from .requests import (CorrectionKind, HalfDay, LeaveRequest, LeaveType, PunchCorrection,
                       RequestState, TemporaryAbsence)
from .routes import bp
from .rules import absence_needs_lead

FILERS = (Role.staff, Role.unit_lead, Role.hr, Role.admin)
DECIDERS = (Role.unit_lead, Role.hr, Role.admin)
LIST_LIMIT = 500


def init_nav() -> None:
    """Navigation entries of these pages."""
    add_nav("attendance.leave_list", _l("Leave"), FILERS)
    add_nav("attendance.correction_list", _l("Punch corrections"), FILERS)
    add_nav("attendance.approvals", _l("Approvals"), DECIDERS)
    add_nav("attendance.away", _l("Away from window"), (Role.staff,))
    add_nav("attendance.absences", _l("Temporary absences"),
            (Role.inspector, Role.unit_lead, Role.hr, Role.admin))


def _render(template: str, **context):
    """Render with ``hm``/``ymd``: an instant as local HH:MM / date in a centre's zone."""
    zones: dict[int, ZoneInfo] = {}

    def local(instant: datetime, centre_id: int) -> datetime:
        if centre_id not in zones:
            zones[centre_id] = ZoneInfo(inputs.centre_zone(centre_id))
        return instant.astimezone(zones[centre_id])

    return render_template(template, hm=lambda at, c: local(at, c).strftime("%H:%M"),
                           ymd=lambda at, c: local(at, c).date().isoformat(), **context)


def _require(roles) -> None:
    if current_user.role not in roles:
        abort(403)


def _load(model, ident: int):
    """Missing or another centre's: 404; outside the user's scope: 403."""
    obj = db.session.get(model, ident)
    if obj is None or not current_user.in_centre(obj.centre_id):
        abort(404)
    if not obj.can_view(current_user):
        abort(403)
    return obj


def _form_errors(form, error: DomainError) -> None:
    shown = False
    aliases = {"date": "date" if "date" in form._fields else "from_date", "note": "note"}
    for name, message in error.fields.items():
        name = aliases.get(name, name)
        if name in form._fields:
            form[name].errors = list(form[name].errors) + [str(message)]
            shown = True
    if not shown:
        flash(str(error.message), "error")


def _centre_today() -> date:
    tz = inputs.centre_zone(current_user.centre_id) if current_user.centre_id else None
    if tz is None and current_user.staff is not None:
        tz = inputs.centre_zone(current_user.staff.centre_id)
    return local_today(tz or "Asia/Shanghai")


def _people() -> list[Staff]:
    """The people the user may file requests for: every one of them (a centre's HR picks
    from its whole staff, by staff number or name; the browser's list jumps as they type)."""
    if current_user.is_staff:
        return [current_user.staff] if current_user.staff else []
    rows = db.session.scalars(visible(Staff).where(Staff.active).order_by(Staff.staff_no))
    return [s for s in rows if may_file_for(current_user, s)]


def _person_choices(people) -> list[tuple[str, str]]:
    return [(s.staff_no, f"{s.staff_no} {s.name}") for s in people]


def _submit(form, create):
    """The filing step of a request form: on a real submit (not "check", which only re-reads
    the form), validate, create and commit. Returns the created request (None when nothing
    was made) and the status to show the form with: 400 for invalid input, the domain
    error's status with its message on the field it names."""
    if request.method != "POST" or "check" in request.form:
        return None, 200
    if not form.validate_on_submit():
        return None, 400
    try:
        created = create()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _form_errors(form, error)
        return None, error.status
    return created, 200


def _safe_next(target: str | None, default: str) -> str:
    target = target or ""
    return target if target.startswith("/") and not target.startswith("//") else default


def _action(*prefixes: str) -> tuple[str, str]:
    """Which decision form was sent (its prefix) and the button pressed."""
    for prefix in prefixes:
        action = request.form.get(f"{prefix}-action")
        if action:
            return prefix, action
    abort(400)


def _state_filter(stmt, model):
    state = request.args.get("state", "")
    if state in {s.value for s in RequestState}:
        stmt = stmt.where(model.state == RequestState(state))
    return stmt, state


# --- leave ---

@bp.route("/leave")
@login_required
def leave_list():
    _require(FILERS)
    stmt, state = _state_filter(visible(LeaveRequest), LeaveRequest)
    rows = db.session.scalars(stmt.order_by(LeaveRequest.from_date.desc(),
                                            LeaveRequest.id.desc()).limit(LIST_LIMIT)).all()
    return _render("attendance/leave_list.html", rows=rows, state=state,
                   states=list(RequestState))


def _leave_data(form: LeaveForm) -> leave.LeaveData:
    staff = staff_by_no(current_user, form.staff_no.data)
    substitute = staff_by_no(current_user, form.substitute_staff_no.data,
                             "substitute_staff_no") if form.substitute_staff_no.data else None
    return leave.LeaveData(
        staff=staff, type=LeaveType(form.type.data), from_date=form.from_date.data,
        from_session=HalfDay(form.from_session.data), to_date=form.to_date.data,
        to_session=HalfDay(form.to_session.data), reason=form.reason.data or "",
        substitute=substitute)


def _substitute_choices(form: LeaveForm, people) -> tuple[list, Staff | None]:
    """Free people for the dates in the form (only when the chosen person needs one)."""
    staff = next((s for s in people if s.staff_no == form.staff_no.data), None)
    if staff is None or not leave.needs_substitute(staff) or not form.from_date.data \
            or not form.to_date.data or form.to_date.data < form.from_date.data:
        return [("", "—")], staff
    try:
        probe = leave.LeaveData(staff, LeaveType(form.type.data or "personal"),
                                form.from_date.data, HalfDay(form.from_session.data or "am"),
                                form.to_date.data, HalfDay(form.to_session.data or "pm"), "")
    except ValueError:  # a made-up type or half day: the form's validation names it
        return [("", "—")], staff
    free = leave.free_substitutes(probe)
    return [("", "—")] + _person_choices(free), staff


@bp.route("/leave/new", methods=["GET", "POST"])
@login_required
def leave_new():
    """Ask for leave. "Show free substitutes" re-reads the dates without saving; the
    substitute list holds only people free in those sessions."""
    _require(FILERS)
    people = _people()
    if not people:
        abort(403)
    today = _centre_today()
    form = LeaveForm(formdata=request.form if request.method == "POST" else request.args
                     or None, data={"staff_no": people[0].staff_no, "from_date": today,
                                    "to_date": today})
    form.staff_no.choices = _person_choices(people)
    form.substitute_staff_no.choices, staff = _substitute_choices(form, people)
    created, status = _submit(form, lambda: leave.request_leave(_leave_data(form),
                                                                current_user))
    if created is not None:
        flash(_("Leave request #%(id)d sent for approval.", id=created.id), "success")
        return redirect(url_for(".leave_detail", leave_id=created.id))
    return _render("attendance/leave_form.html", form=form, staff=staff,
                   needs_substitute=staff is not None and leave.needs_substitute(staff)), status


def _leave_forms(item: LeaveRequest, with_free: bool = True) -> dict:
    """The decision forms the user may use on a request. ``with_free``: offer every free
    substitute (the detail page); the queue offers only the one named in the request."""
    forms = {}
    if item.state.is_pending and item.can_decide(current_user):
        form = DecisionForm(prefix=f"leave{item.id}")
        if leave.needs_substitute(item.staff) and (with_free or item.substitute is not None):
            free = leave.free_substitutes(item) if with_free else []
            form.substitute_staff_no.choices = [("", "—")] + _person_choices(
                s for s in free if s.id != item.substitute_id)
            if item.substitute is not None:
                form.substitute_staff_no.choices.insert(
                    1, (item.substitute.staff_no, f"{item.substitute.staff_no} "
                        f"{item.substitute.name}"))
                form.substitute_staff_no.data = item.substitute.staff_no
        else:
            del form.substitute_staff_no
        forms["decide"] = form
    if (item.state.is_pending and item.can_cancel(current_user)) or \
            (item.state.is_approved and item.can_decide(current_user)):
        cancel = DecisionForm(prefix=f"cancel{item.id}")
        del cancel.substitute_staff_no
        forms["cancel"] = cancel
    return forms


@bp.route("/leave/<int:leave_id>")
@login_required
def leave_detail(leave_id: int):
    item = _load(LeaveRequest, leave_id)
    return _render("attendance/leave_detail.html", item=item,
                   forms=_leave_forms(item), uncovered=leave.uncovered_days(item))


def _decide(item, record_prefix: str, cancel_prefix: str, detail_url: str, steps: dict,
            done_message):
    """The decision post of a leave request or a correction: approve / reject (reason
    required) / cancel through ``steps[action](note, prefix)``, one commit; a refused step
    goes back as a flash message and changes nothing."""
    prefix, action = _action(record_prefix, cancel_prefix)
    form = DecisionForm(prefix=prefix)
    back = _safe_next(form.next.data, detail_url)
    if not form.validate_on_submit() or action not in steps:
        abort(400)
    try:
        steps[action](form.note.data or "", prefix)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        if error.status == 403:
            abort(403)
        return redirect(back), 303
    flash(done_message(item), "success")
    return redirect(back), 303


@bp.route("/leave/<int:leave_id>/decide", methods=["POST"])
@login_required
def leave_decide(leave_id: int):
    """approve (with the substitute chosen there) / reject / cancel."""
    item = _load(LeaveRequest, leave_id)

    def approve(note, prefix):
        substitute_no = request.form.get(f"{prefix}-substitute_staff_no") or None
        substitute = staff_by_no(current_user, substitute_no, "substitute_staff_no") \
            if substitute_no else None
        leave.approve(item, current_user, note, substitute)

    return _decide(item, f"leave{item.id}", f"cancel{item.id}",
                   url_for(".leave_detail", leave_id=item.id), {
                       "approve": approve,
                       "reject": lambda note, _p: leave.reject(item, current_user, note),
                       "cancel": lambda note, _p: leave.cancel(item, current_user, note)},
                   lambda i: _("Leave request #%(id)d: %(state)s.", id=i.id,
                               state=i.state.label))


# --- corrections ---

@bp.route("/corrections")
@login_required
def correction_list():
    _require(FILERS)
    stmt, state = _state_filter(visible(PunchCorrection), PunchCorrection)
    rows = db.session.scalars(stmt.order_by(PunchCorrection.day.desc(),
                                            PunchCorrection.id.desc()).limit(LIST_LIMIT)).all()
    use = None
    if current_user.is_staff and current_user.staff is not None:
        use = corrections.cap_use(current_user.staff, _centre_today())
    return _render("attendance/correction_list.html", rows=rows, state=state,
                   states=list(RequestState), use=use)


def _session_choices(centre_id: int) -> list[tuple[str, str]]:
    names = db.session.scalars(sa.select(ShiftSession.name).join(Shift).where(
        Shift.centre_id == centre_id, Shift.active).distinct()).all()
    labels = {h.value: str(h.label) for h in HalfDay}
    ordered = sorted(set(names), key=lambda n: (n not in labels, n))
    return [(n, labels.get(n, n)) for n in ordered] or [(h.value, h.label) for h in HalfDay]


@bp.route("/corrections/new", methods=["GET", "POST"])
@login_required
def correction_new():
    """Ask for a missing clock-in/out; shows how many of the month's cap are used."""
    _require(FILERS)
    people = _people()
    if not people:
        abort(403)
    today = _centre_today()
    form = CorrectionForm(formdata=request.form if request.method == "POST" else request.args
                          or None, data={"staff_no": people[0].staff_no, "date": today})
    form.staff_no.choices = _person_choices(people)
    form.session.choices = _session_choices(people[0].centre_id)
    staff = next((s for s in people if s.staff_no == form.staff_no.data), people[0])
    use = corrections.cap_use(staff, form.date.data or today)
    created, status = _submit(form, lambda: corrections.request_correction(
        current_user, corrections.CorrectionData(
            staff=staff_by_no(current_user, form.staff_no.data), day=form.date.data,
            session=form.session.data, kind=CorrectionKind(form.kind.data),
            time=form.time.data, reason=form.reason.data or "")))
    if created is not None:
        flash(_("Correction #%(id)d sent for approval.", id=created.id), "success")
        return redirect(url_for(".correction_detail", correction_id=created.id))
    return _render("attendance/correction_form.html", form=form, staff=staff,
                   use=use, month=(form.date.data or today).strftime("%Y-%m")), status


def _correction_forms(item: PunchCorrection) -> dict:
    forms = {}
    if item.state.is_pending and item.can_decide(current_user):
        form = DecisionForm(prefix=f"corr{item.id}")
        del form.substitute_staff_no
        forms["decide"] = form
    own = (current_user.is_staff and current_user.staff_id == item.staff_id) or \
        item.requested_by_id == current_user.id
    if item.state.is_pending and own:
        cancel = DecisionForm(prefix=f"cancelc{item.id}")
        del cancel.substitute_staff_no
        forms["cancel"] = cancel
    return forms


@bp.route("/corrections/<int:correction_id>")
@login_required
def correction_detail(correction_id: int):
    item = _load(PunchCorrection, correction_id)
    return _render("attendance/correction_detail.html", item=item,
                   forms=_correction_forms(item),
                   use=corrections.cap_use(item.staff, item.day))


@bp.route("/corrections/<int:correction_id>/decide", methods=["POST"])
@login_required
def correction_decide(correction_id: int):
    item = _load(PunchCorrection, correction_id)
    return _decide(item, f"corr{item.id}", f"cancelc{item.id}",
                   url_for(".correction_detail", correction_id=item.id), {
                       "approve": lambda note, _p: corrections.approve(item, current_user, note),
                       "reject": lambda note, _p: corrections.reject(item, current_user, note),
                       "cancel": lambda note, _p: corrections.cancel(item, current_user)},
                   lambda i: _("Correction #%(id)d: %(state)s.", id=i.id,
                               state=i.state.label))


# --- approval queue ---

@bp.route("/approvals")
@login_required
def approvals():
    """Pending leave and corrections the user may decide, oldest first."""
    _require(DECIDERS)
    leaves = [r for r in db.session.scalars(
        visible(LeaveRequest).where(LeaveRequest.state == RequestState.pending)
        .order_by(LeaveRequest.id).limit(LIST_LIMIT)) if r.can_decide(current_user)]
    pending = [c for c in db.session.scalars(
        visible(PunchCorrection).where(PunchCorrection.state == RequestState.pending)
        .order_by(PunchCorrection.id).limit(LIST_LIMIT)) if c.can_decide(current_user)]
    return render_template(
        "attendance/approvals.html",
        leaves=[(r, _leave_forms(r, with_free=False).get("decide"),
                 leave.needs_substitute(r.staff) and r.substitute is None) for r in leaves],
        corrections=[(c, _correction_forms(c).get("decide"),
                      corrections.cap_use(c.staff, c.day)) for c in pending])


# --- temporary absence ---

@bp.route("/away", methods=["GET", "POST"])
@login_required
def away():
    """The logged-in person leaves the window (暂离) or comes back; the running timer shows
    how long they have been away and the rulebook's limit."""
    _require((Role.staff,))
    staff = current_user.staff
    if staff is None:
        abort(403)
    current = absences.open_absence(staff.id)
    form = BackForm(prefix="back") if current else AwayForm(prefix="away")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                if current is None:
                    absences.start_absence(current_user, staff, reason=form.reason.data or "")
                    message = _("Away from the window: the timer runs.")
                else:
                    absences.end_absence(current_user, current)
                    message = _("Back at the window.")
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                flash(str(error.message), "error")
                status = error.status
            else:
                flash(message, "success")
                return redirect(url_for(".away"), 303)
        else:
            status = 400
    tz = inputs.centre_zone(staff.centre_id)
    today = local_today(tz)
    recent = db.session.scalars(sa.select(TemporaryAbsence).where(
        TemporaryAbsence.staff_id == staff.id).order_by(TemporaryAbsence.started_at.desc())
        .limit(20)).all()
    limit = absences.notify_minutes(staff, current.started_at if current else
                                    utcnow())
    return _render("attendance/away.html", form=form, current=current, limit=limit,
                   recent=[a for a in recent if local_date(a.started_at, tz) == today],
                   tz=tz), status


@bp.route("/absences", endpoint="absences")
@login_required
def absences_list():
    """Temporary absences of the people the user may see, newest first."""
    _require((Role.inspector, Role.unit_lead, Role.hr, Role.admin))
    stmt = visible(TemporaryAbsence)
    if request.args.get("open") == "1":
        stmt = stmt.where(TemporaryAbsence.ended_at.is_(None))
    rows = db.session.scalars(stmt.order_by(TemporaryAbsence.started_at.desc())
                              .limit(LIST_LIMIT)).all()
    now = utcnow()
    limits: dict[tuple[int, date], int] = {}
    shown = []
    for row in rows:
        key = (row.centre_id, row.started_at.date())
        if key not in limits:
            limits[key] = absences.notify_minutes(row.staff, row.started_at)
        end = row.ended_at or now
        shown.append((row, int((end - row.started_at).total_seconds() // 60),
                      absence_needs_lead(row.started_at, end, limits[key])))
    return _render("attendance/absences.html", rows=shown,
                   open_only=request.args.get("open") == "1")

