"""Demo attendance for ``seed-demo``: the roster of every demo person on the weekdays of the
past six weeks and of the current week (with a few weekend "5+2" duties), their punches up
to now with the anomalies a real hall has (late, early leave, missing punches, a few absent
days, extended service), approved and pending leave (a seconded person's with a
substitute), punch corrections and temporary absences — so the board, the calendars, the
month sheets and the reports have something to show, and the scores (computed after this)
have attendance to read.

Runs before the inspections' and cameras' demo hooks, which roster today only the people not
rostered yet; no leave is put on today, so the person on duty at each window stays there.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from .. import audit
from ..db import utcnow
from ..extensions import db
from ..org.models import Centre, Staff
from ..timeutil import at_local, local_today
from . import absences, corrections
from . import leave as leave_ops
from .models import PunchSource
from .reports import days_between, week_first
from .requests import CorrectionKind, HalfDay, LeaveType
from .roster import RosterLine, save_roster
from .shifts import WEEKEND_DUTY

WEEKS = 6
WEEKEND_DUTY_PEOPLE = 2
# Per session: the chance of each anomaly (the rest are on time).
P_ABSENT_DAY = 0.005
P_LATE = 0.03
P_VERY_LATE = 0.003  # beyond late_to_absent_minutes: the session is absent
P_EARLY = 0.015
P_MISSING_IN = 0.006
P_MISSING_OUT = 0.01
P_EXTENDED = 0.12


def _session_punches(day, session, tz, rng) -> list[datetime]:
    """The punches of one session with a random anomaly (or none)."""
    am = session == "am"
    by, release = (time(8, 55), time(12, 0)) if am else (time(13, 25), time(17, 30))
    by_at, release_at = at_local(day, by, tz), at_local(day, release, tz)
    roll = rng.random()
    if roll < P_VERY_LATE:
        clock_in = by_at + timedelta(minutes=rng.randint(35, 70))
    elif roll < P_VERY_LATE + P_LATE:
        clock_in = by_at + timedelta(minutes=rng.randint(1, 25), seconds=rng.randint(0, 59))
    else:
        clock_in = by_at - timedelta(minutes=rng.randint(2, 25), seconds=rng.randint(0, 59))
    roll = rng.random()
    if roll < P_EARLY:
        clock_out = release_at - timedelta(minutes=rng.randint(3, 20))
    elif not am and roll < P_EARLY + P_EXTENDED:
        clock_out = release_at + timedelta(minutes=rng.randint(16, 75))
    else:
        clock_out = release_at + timedelta(minutes=rng.randint(0, 12), seconds=rng.randint(0, 59))
    roll = rng.random()
    if roll < P_MISSING_IN:
        return [clock_out]
    if roll < P_MISSING_IN + P_MISSING_OUT:
        return [clock_in]
    return [clock_in, clock_out]


def _leave(person, kind, first, first_half, last, last_half, reason, substitute=None):
    return leave_ops.request_leave(leave_ops.LeaveData(
        person, kind, first, HalfDay(first_half), last, HalfDay(last_half), reason, substitute))


def _weekday_before(day: date, weeks_back: int, weekday: int) -> date:
    return week_first(day) - timedelta(weeks=weeks_back) + timedelta(days=weekday)


def seed_demo_attendance(centre: Centre, users: dict, shared: random.Random) -> None:
    # Its own generator: the hooks after this one (the cameras' pictures) draw the same
    # numbers from the shared one whether or not the attendance demo ran.
    rng = random.Random(f"attendance:{centre.code}")
    tz = centre.timezone
    now = utcnow()
    today = local_today(tz)
    first = week_first(today) - timedelta(weeks=WEEKS)
    days = days_between(first, today)
    staff = list(db.session.scalars(sa.select(Staff).where(
        Staff.centre_id == centre.id, Staff.active.is_(True)).order_by(Staff.staff_no)))
    if len(staff) < 4:
        return
    lead, hr = users.get("lead"), users["hr"]
    own = users["staff"].staff if users.get("staff") is not None else staff[0]

    # A seconded person of the lead's unit on two days' leave with a colleague covering;
    # the colleague is kept free of their own roster on those days.
    unit = [p for p in staff if lead is not None and p.department_id == lead.department_id]
    taker, substitute = (unit[1], unit[2]) if len(unit) >= 3 else (None, None)
    cover_days = sorted({_weekday_before(today, 2, 1), _weekday_before(today, 2, 2)})
    others = [p for p in staff if p not in (own, taker, substitute)
              and not leave_ops.needs_substitute(p)] or [own]
    plan = [  # (person, type, first, half, last, half, reason)
        (others[3 % len(others)], LeaveType.annual, _weekday_before(today, 3, 2), "am",
         _weekday_before(today, 3, 3), "pm", "年休假,回老家探亲"),
        (others[7 % len(others)], LeaveType.sick, _weekday_before(today, 1, 1), "pm",
         _weekday_before(today, 1, 1), "pm", "发烧就医,附医院证明"),
        (others[11 % len(others)], LeaveType.official, _weekday_before(today, 1, 3), "am",
         _weekday_before(today, 1, 3), "am", "参加市政务服务管理局业务培训"),
        (others[5 % len(others)], LeaveType.compensatory, _weekday_before(today, 4, 4), "am",
         _weekday_before(today, 4, 4), "pm", "周末值班调休"),
    ]
    if taker is not None:
        plan.append((taker, LeaveType.personal, cover_days[0], "am", cover_days[-1], "pm",
                     "家中老人住院陪护"))

    # Who works when: everyone on weekdays, two people on each weekend day.
    rostered: dict[tuple[int, date], str] = {}
    lines = []
    for day in days:
        if day.weekday() < 5:
            for p in staff:
                if not (p is substitute and day in cover_days):
                    lines.append(RosterLine(p.staff_no, day))
                    rostered[(p.id, day)] = "standard"
        else:
            for p in rng.sample(staff, min(WEEKEND_DUTY_PEOPLE, len(staff))):
                lines.append(RosterLine(p.staff_no, day, WEEKEND_DUTY))
                rostered[(p.id, day)] = WEEKEND_DUTY
    if substitute is not None:
        for day in cover_days:  # the substitute sits at the leave-taker's window
            rostered[(substitute.id, day)] = "cover"
    on_leave = {(person.id, day, half)
                for person, _kind, a, a_half, b, b_half, _reason in plan
                for day in days_between(a, b) for half in ("am", "pm")
                if (a, a_half == "pm") <= (day, half == "pm") <= (b, b_half == "pm")}

    # Punches first, loaded like a time clock's file (one batch, Core insert), so that the
    # roster written next computes every day once with its punches in place.
    _device_punches(centre, staff, rostered, on_leave, today, now, rng, own)
    save_roster(centre.id, lines)

    audit.acting_as(hr.username, hr.id)
    for person, kind, a, a_half, b, b_half, reason in plan:
        if person is taker:
            audit.acting_as(lead.username, lead.id)
            leave_ops.approve(_leave(person, kind, a, a_half, b, b_half, reason, substitute),
                              lead, "已安排同单位人员替岗")
            _leave(unit[0], LeaveType.personal, today + timedelta(days=3), "am",
                   today + timedelta(days=3), "am", "办理子女入学手续")  # the lead decides
            audit.acting_as(hr.username, hr.id)
        else:
            leave_ops.approve(_leave(person, kind, a, a_half, b, b_half, reason), hr)
    _leave(own, LeaveType.annual, today + timedelta(days=7), "am", today + timedelta(days=8),
           "pm", "年休假")  # pending, the staff login's own

    filer = users.get("staff") or hr  # the staff login files its own requests
    _corrections(centre, own, today, hr, filer)
    _absences(centre, staff, today, now, own, hr)
    db.session.flush()


def _device_punches(centre, staff, rostered, on_leave, today, now, rng, own) -> None:
    """Everyone's punches on their rostered sessions that are not on leave, up to now, as
    one device batch."""
    from .models import Punch, PunchBatch

    tz = centre.timezone
    by_id = {p.id: p for p in staff}
    # The staff login's person: a morning without a clock-out last Tuesday (a correction
    # follows) and a late afternoon last Thursday.
    tuesday, thursday = _weekday_before(today, 1, 1), _weekday_before(today, 1, 3)
    special = {(own.id, tuesday, "am"): [time(8, 47, 3)],
               (own.id, thursday, "pm"): [time(13, 38, 12), time(17, 34, 40)]}
    rows = []
    for (staff_id, day), _shift in sorted(rostered.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        person = by_id[staff_id]
        if rng.random() < P_ABSENT_DAY and day != today and person is not own:
            continue
        for session in ("am", "pm"):
            if (staff_id, day, session) in on_leave:
                continue
            if (staff_id, day, session) in special:
                instants = [at_local(day, clock, tz) for clock in special[(staff_id, day, session)]]
            else:
                instants = _session_punches(day, session, tz, rng)
            rows += [(staff_id, at) for at in instants if at <= now]
    batch = PunchBatch(centre_id=centre.id, source=PunchSource.device,
                       filename="考勤机导出-大厅1号机.csv", rows=len(rows), created=len(rows))
    db.session.add(batch)
    db.session.flush()
    for start in range(0, len(rows), 5000):
        db.session.execute(sa.insert(Punch), [
            {"centre_id": centre.id, "staff_id": staff_id, "at": at.replace(microsecond=0),
             "source": PunchSource.device, "device": "HALL-GATE-1", "batch_id": batch.id}
            for staff_id, at in rows[start:start + 5000]])


def _corrections(centre, own, today, hr, filer) -> None:
    """An approved correction of the missing clock-out, and one waiting for a decision, filed
    and decided through the service (the approved one is the corrected clock; no punch)."""
    tuesday = _weekday_before(today, 1, 1)
    audit.acting_as(filer.username, filer.id)
    approved = corrections.request_correction(filer, corrections.CorrectionData(
        own, tuesday, "am", CorrectionKind.out, time(12, 2), "下班时打卡机故障,未能打卡"))
    audit.acting_as(hr.username, hr.id)
    corrections.approve(approved, hr, "经核实打卡机当日故障")
    earlier = _weekday_before(today, 2, 4)
    audit.acting_as(filer.username, filer.id)
    corrections.request_correction(filer, corrections.CorrectionData(
        own, earlier, "pm", CorrectionKind.in_, time(13, 20), "午间外出办理窗口业务,返回时忘记打卡"))
    audit.acting_as(hr.username, hr.id)


def _absences(centre, staff, today, now, own, filer) -> None:
    """A temporary absence (暂离) of eight minutes last week, and one open now when the hall
    is open, so the board shows someone away (recorded through the service, which
    recomputes the days)."""
    tz = centre.timezone
    monday = _weekday_before(today, 1, 0)
    gone = absences.start_absence(filer, own, at=at_local(monday, time(10, 12), tz),
                                  reason="协助帮办区群众填表", now=now)
    absences.end_absence(filer, gone, at=at_local(monday, time(10, 20), tz), now=now)
    opens, closes = at_local(today, time(9), tz), at_local(today, time(17, 30), tz)
    if today.weekday() < 5 and opens <= now < closes and len(staff) > 4:
        absences.start_absence(filer, staff[4], at=(now - timedelta(minutes=6)).replace(
            microsecond=0), reason="去后台取材料", now=now)
