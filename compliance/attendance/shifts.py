"""Shifts as data (SPEC §3.1): the default shifts every centre starts with, lookups, and HR's
changes to a shift's session times."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import Conflict, Invalid
from ..extensions import db
from .models import Shift, ShiftSession
from .rules import SessionDef, ShiftDef

STANDARD = "standard"
WEEKEND_DUTY = "weekend_duty"
LUNCH_DUTY = "lunch_duty"


@dataclass(frozen=True)
class DefaultShift:
    code: str
    name: str
    name_en: str
    sessions: tuple[SessionDef, ...]


# Seed 004 第十二条一(一)(二): 09:00–12:00 and 13:30–17:30, in by 08:55 and 13:25; the centre
# is open 365 days and weekends keep weekday hours, so the weekend "5+2" duty shift has the
# same sessions (a separate code lets the roster and the reports tell weekend duty apart).
# Lunch-time duty (午间值班) keeps the window open over lunch: the morning runs on to 13:30 and
# the afternoon starts an hour later, at 14:30 (the break is taken after the duty).
DEFAULT_SHIFTS = (
    DefaultShift(STANDARD, "标准班", "Standard", (
        SessionDef("am", time(9, 0), time(12, 0), time(8, 55), time(12, 0)),
        SessionDef("pm", time(13, 30), time(17, 30), time(13, 25), time(17, 30)))),
    DefaultShift(WEEKEND_DUTY, "周末“5+2”值班", "Weekend 5+2 duty", (
        SessionDef("am", time(9, 0), time(12, 0), time(8, 55), time(12, 0)),
        SessionDef("pm", time(13, 30), time(17, 30), time(13, 25), time(17, 30)))),
    DefaultShift(LUNCH_DUTY, "午间值班", "Lunch-time duty", (
        SessionDef("am", time(9, 0), time(13, 30), time(8, 55), time(13, 30)),
        SessionDef("pm", time(14, 30), time(17, 30), time(14, 25), time(17, 30)))),
)


def create_default_shifts(centre_id: int) -> list[Shift]:
    """Give a centre the default shifts it does not have yet (by code)."""
    existing = set(db.session.scalars(sa.select(Shift.code).where(Shift.centre_id == centre_id)))
    made = []
    for spec in DEFAULT_SHIFTS:
        if spec.code in existing:
            continue
        shift = Shift(centre_id=centre_id, code=spec.code, name=spec.name, name_en=spec.name_en,
                      sessions=[_session_row(i, s) for i, s in enumerate(spec.sessions)])
        db.session.add(shift)
        made.append(shift)
    db.session.flush()
    return made


def _session_row(position: int, session: SessionDef) -> ShiftSession:
    return ShiftSession(position=position, name=session.name, start_time=session.start,
                        end_time=session.end, clock_in_by=session.clock_in_by,
                        clock_out_from=session.clock_out_from)


def shifts_of(centre_id: int, *, active_only: bool = False) -> list[Shift]:
    stmt = sa.select(Shift).where(Shift.centre_id == centre_id)
    if active_only:
        stmt = stmt.where(Shift.active.is_(True))
    return list(db.session.scalars(stmt.order_by(Shift.id)))


def shift_by_code(centre_id: int, code: str, field: str = "shift") -> Shift:
    shift = db.session.scalars(
        sa.select(Shift).where(Shift.centre_id == centre_id, Shift.code == code)).first()
    if shift is None:
        message = _("Unknown shift %(code)s.", code=code)
        raise Invalid(message, {field: message})
    return shift


def save_shift(centre_id: int, code: str, name: str, name_en: str,
               sessions: list[SessionDef], active: bool = True,
               shift: Shift | None = None) -> Shift:
    """Create a shift or change one; its sessions are validated by the pure rules (ordered,
    not overlapping, each starting before it ends). Changing a shift changes how its past
    days are judged only when they are recomputed."""
    try:
        ShiftDef(code, tuple(sessions))
    except ValueError:
        message = _("Sessions must be ordered, must not overlap, and each must start before "
                    "it ends.")
        raise Invalid(message, {"sessions": message}) from None
    clash = sa.select(Shift.id).where(Shift.centre_id == centre_id, Shift.code == code)
    if shift is not None:
        clash = clash.where(Shift.id != shift.id)
    if db.session.scalar(clash) is not None:
        message = _("%(value)s is already in use.", value=code)
        raise Conflict(message, {"code": message}, code="duplicate")
    if shift is None:
        shift = Shift(centre_id=centre_id)
        db.session.add(shift)
    shift.code, shift.name, shift.name_en, shift.active = code, name, name_en, active
    by_name = {s.name: s for s in shift.sessions}
    keep = []
    for position, spec in enumerate(sessions):
        row = by_name.get(spec.name)
        if row is None:
            row = _session_row(position, spec)
        else:
            row.start_time, row.end_time = spec.start, spec.end
            row.clock_in_by, row.clock_out_from = spec.clock_in_by, spec.clock_out_from
        keep.append((position, row))
    # Positions are unique: park the rows out of the way before numbering them again.
    for offset, (_position, row) in enumerate(keep):
        row.position = 1000 + offset
    shift.sessions = [row for _p, row in keep]
    db.session.flush()
    for position, row in keep:
        row.position = position
    db.session.flush()
    return shift
