"""Rosters, punches and attendance results over the API (API.md: PUT /roster, POST /punches,
GET /attendance).

Who may call:
- ``PUT /roster``: HR and admin for their centre; a unit lead for the people of their own
  department (the same scope as the roster page).
- ``POST /punches``: HR and admin tokens only — time clocks and integrations send punches
  with such a token. A person clocks in on the window PC's one-tap page (or ``POST /clock``
  with their own login), never by sending an instant of their choosing.
- ``GET /attendance``: everyone, limited to what they may see (a staff token: its own
  person; a unit lead: their department; HR, admin and inspectors: their centre).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..attendance.day_results import SessionView, day_results
from ..attendance.models import PunchBatch, PunchSource
from ..attendance.punches import (FUTURE_TOLERANCE, PunchIn, clock, committed_with_retry,
                                  record_api_punch, record_punches)
from ..attendance.roster import RosterLine, save_roster
from ..attendance.roster_import import import_roster
from ..auth.models import Role
from ..auth.permissions import MANAGERS, centre_clause, check_access
from ..db import READ_FIRST_ENDPOINTS, begin_write_phase, utcnow
from ..errors import Forbidden, Invalid
from ..extensions import db
from ..importing import ImportFileError
from ..org.models import Centre, Department, Staff
from ..scoring.store import rules_for
from ..timeutil import local_date
from . import ApiBlueprint, requires
from .errors import import_rejected
from .org import ImportFile, ImportReportOut, target_centre
from .schemas import StrictSchema, code_field, items_schema

blp = ApiBlueprint("api_attendance", __name__, description="Rosters, punches, attendance")

# Days and instants the attendance records accept: far outside these is a typing error (a
# wrong year), and the bounds keep every local-day computation inside the calendar.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
MAX_ENTRIES = 5000
MAX_PUNCHES = 10000
API_SOURCES = ("api", "device", "import", "web")  # "correction" comes from approved 补卡 only


def _day_field(**kwargs):
    return fields.Date(validate=validate.Range(min=FIRST_DAY, max=LAST_DAY), **kwargs)


def _check_instant(value: datetime) -> None:
    try:
        utc = value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not FIRST_DAY <= utc.date() <= LAST_DAY:
        raise ValidationError(_("Not a possible instant for a punch (%(first)s to %(last)s).",
                                first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))


# --- schemas ---

class RosterEntryIn(StrictSchema):
    staff_no = code_field(32, required=True)
    date = _day_field(required=True)
    shift = code_field(32, load_default="standard", metadata={
        "description": "a shift code of the centre; \"off\" removes the person's roster "
                       "of that day"})
    window_code = code_field(16, allow_none=True, metadata={
        "description": "the window of that day (default: the person's own window)"})
    sessions = fields.List(code_field(16), validate=validate.Length(min=1, max=8), metadata={
        "description": "only these sessions of the shift (default: all of them)"})


class RosterIn(StrictSchema):
    entries = fields.List(fields.Nested(RosterEntryIn), required=True,
                          validate=validate.Length(min=1, max=MAX_ENTRIES))
    centre_code = code_field(32)


class UpsertedOut(Schema):
    upserted = fields.Integer()


class RosterQuery(StrictSchema):
    from_ = _day_field(data_key="from", required=True)
    to = _day_field(required=True)
    staff_no = code_field(32)
    department_code = code_field(32)

    @validates_schema
    def _span(self, data, **_kwargs):
        if "from_" in data and "to" in data:
            if data["to"] < data["from_"]:
                raise ValidationError(_("The end is before the start."), "to")
            if (data["to"] - data["from_"]).days > 62:
                raise ValidationError(_("At most 62 days at a time."), "to")


class RosterEntryOut(Schema):
    staff_no = fields.String()
    date = fields.Date()
    shift = fields.String()
    window_code = fields.String(allow_none=True)
    sessions = fields.List(fields.String())
    cover_sessions = fields.List(fields.String())


class PunchItemIn(StrictSchema):
    staff_no = code_field(32, required=True)
    at = fields.AwareDateTime(required=True, validate=_check_instant)
    source = fields.String(load_default="api", validate=validate.OneOf(API_SOURCES))
    device = fields.String(allow_none=True, validate=validate.Length(max=64))


class PunchesIn(StrictSchema):
    """One punch (``staff_no``, ``at``, ``source``, ``device``) or a list of them in
    ``punches`` (then recorded as one batch)."""

    staff_no = code_field(32)
    at = fields.AwareDateTime(validate=_check_instant)
    source = fields.String(validate=validate.OneOf(API_SOURCES))
    device = fields.String(allow_none=True, validate=validate.Length(max=64))
    punches = fields.List(fields.Nested(PunchItemIn),
                          validate=validate.Length(min=1, max=MAX_PUNCHES))

    @validates_schema
    def _one_or_many(self, data, **_kwargs):
        single = {"staff_no", "at", "source", "device"} & set(data)
        if "punches" in data:
            if single:
                raise ValidationError(_("Send one punch or a list in punches, not both."),
                                      sorted(single)[0])
            return
        missing = [k for k in ("staff_no", "at") if k not in data]
        if missing:  # (the message translated only when needed: the clock-in's hot path)
            raise ValidationError({k: [_("This field is required.")] for k in missing})


class PunchesOut(Schema):
    created = fields.Integer()
    duplicates = fields.Integer()
    batch_id = fields.Integer(allow_none=True)


class AttendanceQuery(StrictSchema):
    date = _day_field(required=True)
    staff_no = code_field(32)
    department_code = code_field(32)
    centre_code = code_field(32)


class SessionOut(Schema):
    status = fields.String(metadata={"enum": ["normal", "abnormal", "absent", "leave", "off"]})
    issues = fields.List(fields.String(metadata={
        "enum": ["late", "early_leave", "missing_in", "missing_out"]}))
    clock_in = fields.String(allow_none=True, metadata={"format": "date-time"})
    clock_out = fields.String(allow_none=True, metadata={"format": "date-time"})
    late_minutes = fields.Integer()
    early_minutes = fields.Integer()
    extended_minutes = fields.Integer()
    away_minutes = fields.Integer()
    leave_type = fields.String(allow_none=True)


class AttendanceOut(Schema):
    staff_no = fields.String()
    name = fields.String()
    department_code = fields.String()
    date = fields.Date()
    shift = fields.String(allow_none=True)
    sessions = fields.Dict(keys=fields.String(), values=fields.Nested(SessionOut))


class ClockOut(Schema):
    recorded = fields.Boolean()
    at = fields.String(metadata={"format": "date-time"})
    date = fields.Date()
    sessions = fields.Dict(keys=fields.String(), values=fields.Nested(SessionOut))


# --- helpers ---

def _centre_staff(staff_nos) -> dict[str, Staff]:
    """The people of the caller's centre (every centre for a deployment-wide login) by
    staff number."""
    wanted = sorted(set(staff_nos))
    found: dict[str, Staff] = {}
    for start in range(0, len(wanted), 900):
        found.update((s.staff_no, s) for s in db.session.scalars(sa.select(Staff).where(
            Staff.staff_no.in_(wanted[start:start + 900]),
            centre_clause(Staff.centre_id, current_user))))
    return found


def _may_roster(person: Staff) -> bool:
    if current_user.is_manager:
        return current_user.in_centre(person.centre_id)
    return current_user.is_unit_lead and current_user.department_id == person.department_id


def _zone(centre_id: int, cache: dict) -> ZoneInfo:
    if centre_id not in cache:
        cache[centre_id] = ZoneInfo(db.session.get(Centre, centre_id).timezone)
    return cache[centre_id]


def session_json(view: SessionView, tz: ZoneInfo) -> dict:
    return {
        "status": view.status.value, "issues": list(view.issues),
        "clock_in": view.clock_in.astimezone(tz).isoformat() if view.clock_in else None,
        "clock_out": view.clock_out.astimezone(tz).isoformat() if view.clock_out else None,
        "late_minutes": view.late_minutes, "early_minutes": view.early_minutes,
        "extended_minutes": view.extended_minutes, "away_minutes": view.away_minutes,
        "leave_type": view.leave_type,
    }


# --- roster ---

@blp.route("/roster", methods=["PUT"])
@requires(Role.unit_lead, *MANAGERS)
@blp.arguments(RosterIn)
@blp.response(200, UpsertedOut)
def put_roster(body):
    """Upsert roster entries (all or none): a person on a day on a shift (``standard`` by
    default; ``off`` removes the day), optionally at another window or for some sessions.
    The days that changed are recomputed. A unit lead rosters their own department."""
    centre = target_centre(body.get("centre_code"))
    entries = body["entries"]
    people = _centre_staff(e["staff_no"] for e in entries)
    refused = {}
    for index, entry in enumerate(entries):
        person = people.get(entry["staff_no"])
        if person is not None and (person.centre_id != centre.id or not _may_roster(person)):
            refused[f"entries.{index}.staff_no"] = _(
                "You may not roster %(no)s.", no=entry["staff_no"])
    if refused:
        raise Forbidden(next(iter(refused.values())), refused)
    lines = [RosterLine(e["staff_no"], e["date"], e["shift"], e.get("window_code"),
                        tuple(e["sessions"]) if e.get("sessions") else None) for e in entries]
    count = save_roster(centre.id, lines)
    db.session.commit()
    return {"upserted": count}


@blp.route("/roster", methods=["GET"])
@blp.arguments(RosterQuery, location="query")
@blp.response(200, items_schema(RosterEntryOut, "RosterList"))
def get_roster(query):
    """Roster entries of the people the caller may see, from ``from`` to ``to`` (at most
    62 days)."""
    from ..attendance.models import RosterEntry

    stmt = (sa.select(RosterEntry, Staff.staff_no)
            .join(Staff, RosterEntry.staff_id == Staff.id)
            .where(Staff.visible_clause(current_user),
                   RosterEntry.day.between(query["from_"], query["to"]))
            .order_by(Staff.staff_no, RosterEntry.day))
    if "staff_no" in query:
        stmt = stmt.where(Staff.staff_no == query["staff_no"])
    if "department_code" in query:
        stmt = stmt.join(Department, Staff.department_id == Department.id).where(
            Department.code == query["department_code"])
    items = []
    for entry, staff_no in db.session.execute(stmt):
        window = entry.window
        items.append({"staff_no": staff_no, "date": entry.day, "shift": entry.shift.code,
                      "window_code": window.code if window else None,
                      "sessions": list(entry.own_sessions()),
                      "cover_sessions": list(entry.covered_sessions())})
    return {"items": items}


@blp.route("/roster/import", methods=["POST"])
@requires(Role.unit_lead, *MANAGERS)
@blp.arguments(ImportFile, location="files")
@blp.response(200, ImportReportOut)
@blp.alt_response(400, description="Nothing imported: the per-row error report")
def import_roster_file(files):
    """Import roster rows (CSV or Excel; columns 工号, 日期, 班次, 窗口编码): all rows or
    none, with a per-row report. A unit lead imports their own department's rows."""
    upload = files["file"]
    if current_user.is_unit_lead:
        department = db.session.get(Department, current_user.department_id)
        centre_id, department_id = department.centre_id, department.id
    else:
        centre_id, department_id = target_centre(request.args.get("centre_code")).id, None
    try:
        report = import_roster(centre_id, upload.filename or "", upload.read(),
                               department_id=department_id)
    except ImportFileError as error:
        db.session.rollback()
        raise Invalid(str(error), {"file": str(error)}) from error
    if not report.ok:
        db.session.rollback()
        return import_rejected(report)
    db.session.commit()
    return report.as_dict()


# --- punches ---

@blp.route("/punches", methods=["POST"])
@requires(*MANAGERS)
@blp.arguments(PunchesIn)
@blp.response(201, PunchesOut)
def post_punches(body):
    """Record one punch or a list (``punches``), all or none. Two punches of a person within
    the rulebook's duplicate window (60 s) are one: the first is kept, so sending the same
    punches again adds nothing. The days touched are recomputed before any read of results. A list is recorded as one
    batch (``batch_id``)."""
    single = "punches" not in body
    if single:
        return _post_one_punch(body)
    rows = body["punches"]
    people = _centre_staff(r["staff_no"] for r in rows)
    now = utcnow()
    errors = {}
    for index, row in enumerate(rows):
        prefix = "" if single else f"punches.{index}."
        if row["staff_no"] not in people:
            errors[f"{prefix}staff_no"] = _("Unknown staff number %(no)s.", no=row["staff_no"])
        if row["at"] > now + FUTURE_TOLERANCE:
            errors[f"{prefix}at"] = _("%(at)s is in the future.", at=row["at"].isoformat())
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    items = [PunchIn(people[r["staff_no"]], r["at"], PunchSource(r.get("source") or "api"),
                     r.get("device")) for r in rows]
    user_id = current_user.id
    begin_write_phase()
    return committed_with_retry(lambda: _store_punches(items, now, single, user_id))


READ_FIRST_ENDPOINTS.add(f"{blp.name}.post_punches")


def _post_one_punch(body) -> dict:
    """The time clock's hot path (issue 8): one query for the person by staff number within
    the caller's centre, then ``record_api_punch`` (Core statements, the audit entry, the day
    marked pending instead of recomputed)."""
    centre_id = current_user.centre_id
    found = db.session.execute(
        _STAFF_ANYWHERE if centre_id is None else _STAFF_IN_CENTRE,
        {"no": body["staff_no"], "centre": centre_id}).first()
    now = utcnow()
    errors = {}
    if found is None:
        errors["staff_no"] = _("Unknown staff number %(no)s.", no=body["staff_no"])
    if body["at"] > now + FUTURE_TOLERANCE:
        errors["at"] = _("%(at)s is in the future.", at=body["at"].isoformat())
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    source = PunchSource(body.get("source") or "api")
    rules_for(found.centre_id, local_date(body["at"], found.timezone))  # read (and kept) now
    begin_write_phase()

    def store():
        created = record_api_punch(centre_id=found.centre_id, timezone_name=found.timezone,
                                   staff_id=found.id,
                                   at=body["at"], source=source, device=body.get("device"))
        return {"created": int(created), "duplicates": int(not created), "batch_id": None}

    return committed_with_retry(store)


# built once: the person of a single punch, by staff number, in the caller's centre (or any
# centre for a deployment-wide login)
_STAFF_ANYWHERE = (sa.select(Staff.id, Staff.centre_id, Centre.timezone)
                   .join(Centre, Centre.id == Staff.centre_id)
                   .where(Staff.staff_no == sa.bindparam("no")))
_STAFF_IN_CENTRE = _STAFF_ANYWHERE.where(Staff.centre_id == sa.bindparam("centre"))


def _store_punches(items: list[PunchIn], now: datetime, single: bool, user_id: int) -> dict:
    created = duplicates = 0
    batch_id = None
    by_centre: dict[int, list[PunchIn]] = {}
    for item in items:
        by_centre.setdefault(item.staff.centre_id, []).append(item)
    for centre_id, own in by_centre.items():
        batch = PunchBatch(centre_id=centre_id, source=PunchSource.api, rows=len(own),
                           created_by_id=user_id)
        db.session.add(batch)
        db.session.flush()
        outcome = record_punches(own, now=now, batch_id=batch.id, defer=True)
        batch.created, batch.duplicates = outcome.created, outcome.duplicates
        created += outcome.created
        duplicates += outcome.duplicates
        batch_id = batch_id or batch.id
    return {"created": created, "duplicates": duplicates, "batch_id": batch_id}


@blp.route("/clock", methods=["POST"])
@blp.response(200, ClockOut)
def post_clock():
    """The one-tap clock-in/out of the logged-in person: a punch now, from the window PC,
    and the day's session results after it (a login that is not a person: 403)."""
    if current_user.staff_id is None:
        abort(403)
    person = db.session.get(Staff, current_user.staff_id)
    now = utcnow()
    outcome = committed_with_retry(lambda: clock(person, now=now))
    tz = _zone(person.centre_id, {})
    day = now.astimezone(tz).date()
    views = day_results([person], day)[person.id]
    return {"recorded": bool(outcome.created), "at": now.astimezone(tz).isoformat(),
            "date": day, "sessions": {n: session_json(v, tz) for n, v in views.items()}}


# --- attendance ---

@blp.route("/attendance", methods=["GET"])
@blp.arguments(AttendanceQuery, location="query")
@blp.response(200, items_schema(AttendanceOut, "AttendanceList"))
def get_attendance(query):
    """Each person's session results on a local day (``am`` and ``pm`` always named;
    sessions not rostered are ``off``). A staff token sees its own person, a unit lead their
    department, HR/admin/inspectors their centre."""
    day = query["date"]
    stmt = sa.select(Staff).where(Staff.visible_clause(current_user))
    if current_user.centre_id is None and "centre_code" in query:
        stmt = stmt.join(Centre, Staff.centre_id == Centre.id).where(
            Centre.code == query["centre_code"])
    if "staff_no" in query:
        person = db.session.scalars(sa.select(Staff).where(
            Staff.staff_no == query["staff_no"],
            centre_clause(Staff.centre_id, current_user))).first()
        if person is None:
            abort(404)
        check_access(person)
        stmt = stmt.where(Staff.id == person.id)
    if "department_code" in query:
        department = db.session.scalars(sa.select(Department).where(
            Department.code == query["department_code"],
            centre_clause(Department.centre_id, current_user))).first()
        if department is None:
            abort(404)
        if current_user.is_unit_lead and current_user.department_id != department.id:
            abort(403)
        stmt = stmt.where(Staff.department_id == department.id)
    people = db.session.scalars(stmt.order_by(Staff.staff_no)).all()
    results = day_results(people, day)
    departments = {d.id: d.code for d in db.session.scalars(sa.select(Department).where(
        Department.id.in_({p.department_id for p in people})))} if people else {}
    zones: dict = {}
    items = []
    for person in people:
        views = results[person.id]
        if not person.active and all(v.status.is_off for v in views.values()):
            continue  # a person who has left shows only on days they have results
        tz = _zone(person.centre_id, zones)
        shift = next((v.shift_code for v in views.values() if v.shift_code), None)
        items.append({"staff_no": person.staff_no, "name": person.name,
                      "department_code": departments.get(person.department_id),
                      "date": day, "shift": shift,
                      "sessions": {n: session_json(v, tz) for n, v in views.items()}})
    return {"items": items}

