"""Who is expected at a window's seat at an instant (SPEC §5 roster-aware flags).

An adapter over the attendance package's duty rules (``compliance.attendance.duty``), which
own the roster, substitutes, leave, breaks and temporary absences: a seat is only a fault
while the window's person is rostered in a service session and is not on leave, on a
recorded temporary absence or on a break.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from compliance.org.models import Staff, Window


@dataclass(frozen=True)
class Duty:
    staff: Staff | None  # the person rostered at the window then (a substitute included)
    expected: bool  # must be at the seat now
    session: str | None  # the rostered session whose service hours hold the instant
    shift: str | None
    why_not: str | None  # off / not_rostered / leave / temporary_absence / break


def duty_at(window: Window, at: datetime) -> Duty:
    """The window's person at ``at`` and whether an empty seat would be their fault."""
    from compliance.attendance.duty import person_on_duty, presence

    staff = person_on_duty(window, at)
    if staff is None:
        return Duty(None, False, None, None, "not_rostered")
    state = presence(staff, at)
    session = state.session
    if state.leave_type:
        why = "leave"
    elif state.temporary_absence:
        why = "temporary_absence"
    elif state.on_break:
        why = "break"
    elif session is None:
        why = "off"
    else:
        why = None
    expected = bool(state.expected_at_seat) and not state.on_break and why is None
    return Duty(staff, expected, session, state.shift_code, why)
