"""The roster (排班, SPEC §3.1): who works on which local day, on which shift, at which window.

``save_roster`` upserts a batch of entries all-or-nothing (the API's ``PUT /roster``, the week
grid and the Excel import all call it) and recomputes exactly the days it changed.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import Invalid
from ..extensions import db
from ..org.models import Staff, Window
from .compute import recompute
from .leave import covers_for_roster_change
from .models import RosterEntry, Shift, join_sessions, split_sessions
from .shifts import STANDARD

OFF = "off"  # the word for "not rostered" in the grid and the import


@dataclass(frozen=True)
class RosterLine:
    """One line of a roster change: a person on a day, on a shift (``OFF``: not rostered),
    optionally at another window than their own and for some sessions only."""

    staff_no: str
    day: date
    shift: str = STANDARD
    window_code: str | None = None
    sessions: tuple[str, ...] | None = None


@dataclass
class RosterProblem:
    index: int  # position of the line (0-based)
    field: str
    message: str


def _lookups(centre_id: int, lines: list[RosterLine]):
    staff = {s.staff_no: s for s in db.session.scalars(sa.select(Staff).where(
        Staff.centre_id == centre_id, Staff.staff_no.in_({line.staff_no for line in lines})))}
    shifts = {s.code: s for s in db.session.scalars(
        sa.select(Shift).where(Shift.centre_id == centre_id))}
    codes = {line.window_code for line in lines if line.window_code}
    windows = {w.code: w for w in db.session.scalars(sa.select(Window).where(
        Window.centre_id == centre_id, Window.code.in_(codes)))} if codes else {}
    return staff, shifts, windows


def check_roster(centre_id: int, lines: list[RosterLine]) -> list[RosterProblem]:
    """Every problem of a roster change, each naming its line and field (nothing written)."""
    staff, shifts, windows = _lookups(centre_id, lines)
    problems: list[RosterProblem] = []
    seen: dict[tuple[str, date], int] = {}
    for index, line in enumerate(lines):
        if line.staff_no not in staff:
            problems.append(RosterProblem(index, "staff_no", _(
                "Unknown staff number %(no)s.", no=line.staff_no)))
        key = (line.staff_no, line.day)
        if key in seen:
            problems.append(RosterProblem(index, "date", _(
                "%(no)s on %(day)s already appears in entry %(n)d.", no=line.staff_no,
                day=line.day.isoformat(), n=seen[key] + 1)))
        seen.setdefault(key, index)
        if line.shift == OFF:
            continue
        shift = shifts.get(line.shift)
        if shift is None or not shift.active:
            problems.append(RosterProblem(index, "shift", _("Unknown shift %(code)s.",
                                                            code=line.shift)))
        elif line.sessions is not None:
            unknown = [n for n in line.sessions if n not in shift.session_names]
            if unknown or not line.sessions:
                problems.append(RosterProblem(index, "sessions", _(
                    "Shift %(code)s has the sessions %(names)s.", code=shift.code,
                    names=", ".join(shift.session_names))))
        if line.window_code and line.window_code not in windows:
            problems.append(RosterProblem(index, "window_code", _(
                "Unknown window %(code)s.", code=line.window_code)))
    return problems


def save_roster(centre_id: int, lines: Iterable[RosterLine]) -> int:
    """Upsert roster lines (all or none; raises ``Invalid`` naming each bad line) and
    recompute the days that changed. A line equal to the stored entry changes nothing.
    ``OFF`` removes a person's own roster of that day (a cover for someone's leave stays).
    Returns the number of lines applied."""
    lines = list(lines)
    problems = check_roster(centre_id, lines)
    if problems:
        raise Invalid(problems[0].message,
                      {f"entries.{p.index}.{p.field}": p.message for p in problems})
    staff, shifts, windows = _lookups(centre_id, lines)
    stored = {(e.staff_id, e.day): e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id.in_([s.id for s in staff.values()]),
        RosterEntry.day.in_({line.day for line in lines})))} if lines else {}
    touched: dict[int, set[date]] = defaultdict(set)
    for index, line in enumerate(lines):
        person = staff[line.staff_no]
        entry = stored.get((person.id, line.day))
        if line.shift == OFF:
            if entry is not None:
                _remove_own(entry)
                touched[person.id].add(line.day)
            continue
        shift = shifts[line.shift]
        window = windows[line.window_code] if line.window_code else person.window
        if entry is None:
            entry = RosterEntry(centre_id=centre_id, staff_id=person.id, day=line.day)
            db.session.add(entry)
            stored[(person.id, line.day)] = entry
        if entry.cover_sessions:
            own = set(line.sessions or shift.session_names)
            clash = own & set(entry.covered_sessions())
            if entry.shift_id != shift.id or clash:
                message = _("%(no)s covers for a colleague's leave on %(day)s (%(sessions)s, "
                            "shift %(code)s); roster them for the other sessions of that "
                            "shift only.", no=person.staff_no, day=line.day.isoformat(),
                            sessions=entry.cover_sessions, code=entry.shift.code)
                raise Invalid(message, {f"entries.{index}.shift": message})
        # Through the relationships, so that an entry already loaded (its shift and window
        # in the identity map) is recomputed with the new ones.
        entry.shift = shift
        entry.window = window
        entry.sessions = join_sessions(line.sessions)
        if db.session.is_modified(entry) or entry.id is None:
            touched[person.id].add(line.day)
    db.session.flush()
    for staff_id, days in list(touched.items()):
        for person_id, changed in covers_for_roster_change(staff_id, days).items():
            touched[person_id] |= changed
    for staff_id, days in touched.items():
        recompute(db.session.get(Staff, staff_id), days)
    return len(lines)


def _remove_own(entry: RosterEntry) -> None:
    """A person's own sessions of a day go; a cover of someone's leave that day stays."""
    if entry.cover_sessions:
        entry.sessions = ""
        entry.window_id = entry.cover_window_id
    else:
        db.session.delete(entry)


def week_lines(centre_id: int, staff: list[Staff], source_monday: date, target_monday: date
               ) -> list[RosterLine]:
    """The roster lines that make the week starting ``target_monday`` a copy of the week
    starting ``source_monday`` for these people: each day gets the shift, window and sessions
    of the same weekday (a day off there: ``OFF`` here). Covers of someone's leave are not
    copied (they belong to that leave), and lines that would change nothing are left out."""
    from datetime import timedelta

    ids = [p.id for p in staff]
    days = [target_monday + timedelta(days=n) for n in range(7)]
    source = {(e.staff_id, e.day): e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.centre_id == centre_id, RosterEntry.staff_id.in_(ids),
        RosterEntry.day.between(source_monday, source_monday + timedelta(days=6))))}
    target = {(e.staff_id, e.day): e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.centre_id == centre_id, RosterEntry.staff_id.in_(ids),
        RosterEntry.day.between(days[0], days[-1])))}
    lines = []
    for person in staff:
        for offset, day in enumerate(days):
            old = source.get((person.id, source_monday + timedelta(days=offset)))
            now = target.get((person.id, day))
            if old is None or not old.own_sessions():
                if now is not None and now.own_sessions():
                    lines.append(RosterLine(person.staff_no, day, OFF))
                continue
            sessions = split_sessions(old.sessions)
            window = old.window.code if old.window and old.window_id != person.window_id \
                else None
            if (now is not None and now.own_sessions() and now.shift_id == old.shift_id
                    and now.window_id == old.window_id and now.sessions == old.sessions):
                continue
            lines.append(RosterLine(person.staff_no, day, old.shift.code, window, sessions))
    return lines
