"""Demo patrols for ``seed-demo``: a week of inspections by the demo inspector with a few
failures and their photos, an appeal waiting for HR (from the demo staff login), one appeal
overturned and one upheld, and today's spot checks (one done, one overdue, one to come)."""
from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta

import cv2
import numpy as np
import sqlalchemy as sa
from flask import g

from compliance import audit
from compliance.conduct import operations as conduct
from compliance.db import utcnow
from compliance.extensions import db
from compliance.org.models import Centre, Staff, Window, Zone
from compliance.timeutil import at_local, local_today

from . import catalogue, operations
from .models import AnswerResult, SpotCheckTask
from .template_store import current_template, ensure_default_templates

# Failures an inspector meets in a hall, with the note they would write.
FAILURES = {
    "staff_conduct": [
        ("grooming.f.hair_up", "长发未盘起,披发上岗"),
        ("dress.f.accessories", "佩戴夸张耳饰"),
        ("grooming.m.shaven", "未修面,胡须明显"),
        ("dress.m.tie", "未按规定佩戴领带"),
        ("behaviour.pause_sign", "离开窗口约10分钟,未摆放暂停服务牌"),
        ("behaviour.both_hands", "单手递接群众材料"),
        ("ten_prohibitions.08", "窗口无群众时用手机聊天"),
        ("language.clear_speech", "讲话声音过小,群众多次询问"),
    ],
    "window_desk": [
        ("desk.work.no_private_items", "桌面放置水杯、手机、零食等私人物品"),
        ("desk.screen.uniform_wallpaper", "电脑桌面背景非统一背景"),
        ("desk.counter.pause_sign", "受理桌面未摆放暂停服务牌"),
    ],
    "help_area": [
        ("help_area.tidy.clean_orderly", "等候区地面有纸屑,座椅摆放凌乱"),
        ("help_area.facility.comment_book", "意见簿缺失"),
    ],
}


def demo_photo(rng: random.Random, label: str) -> bytes:
    """A made-up picture of a counter with clutter on it (no real person)."""
    image = np.full((720, 960, 3), 235, np.uint8)
    cv2.rectangle(image, (0, 430), (960, 720), (120, 150, 190), -1)  # the counter
    cv2.rectangle(image, (330, 150), (630, 420), (40, 40, 40), -1)  # a monitor
    for _ in range(3):  # the clutter
        x, y = rng.randint(60, 860), rng.randint(470, 640)
        cv2.rectangle(image, (x, y), (x + rng.randint(40, 90), y + rng.randint(30, 70)),
                      tuple(rng.randint(0, 255) for _ in range(3)), -1)
    cv2.putText(image, label, (30, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (0, 0, 160), 3)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return encoded.tobytes()


def _inspect(centre: Centre, inspector, window: Window, person: Staff | None, code: str,
             at: datetime, rng: random.Random, failures: int, task: SpotCheckTask | None = None,
             chosen: list[tuple[str, str]] | None = None):
    template = current_template(centre.id, code)
    gender = person.gender.value if person is not None and code != "help_area" else None
    items = {i.code for i in catalogue.items_for(template.catalogue, gender)}
    pool = [(c, note) for c, note in FAILURES[code] if c in items]
    failed = dict(chosen if chosen is not None else rng.sample(pool, min(failures, len(pool))))
    answers = [operations.AnswerData(
        item.code, AnswerResult.failed if item.code in failed else
        AnswerResult.not_applicable if item.code == "dress.any.substitute_formal" else
        AnswerResult.passed, failed.get(item.code, ""))
        for item in catalogue.items_for(template.catalogue, gender)]
    inspection, _created = operations.submit_inspection(centre, operations.InspectionData(
        template=code, at=at, answers=answers, window_code=window.code,
        staff_no=person.staff_no if person is not None and code != "help_area" else None,
        client_id=uuid.uuid4().hex, task_id=task.id if task else None))
    for item_code in list(failed)[:1]:
        operations.add_photo(inspector, inspection, demo_photo(rng, window.code), item_code)
    return inspection


def seed_demo_inspections(centre: Centre, users: dict, rng: random.Random) -> None:
    inspector, hr, staff_user = users["inspector"], users["hr"], users["staff"]
    ensure_default_templates(centre.id)
    windows = db.session.scalars(sa.select(Window).where(
        Window.centre_id == centre.id, Window.zone.in_([Zone.window, Zone.help]))
        .order_by(Window.code)).all()
    people = {w.id: db.session.scalars(sa.select(Staff).where(Staff.window_id == w.id)
                                       .order_by(Staff.staff_no)).all() for w in windows}
    windows = [w for w in windows if people[w.id]]
    today = local_today(centre.timezone)
    now = utcnow()
    _roster_today(centre, windows, people, today)
    previous = g.get("audit_actor")
    audit.acting_as(inspector.username, inspector.id)
    try:
        for days_ago in range(6, 0, -1):
            day = today - timedelta(days=days_ago)
            for clock in (time(9, rng.randint(20, 59)), time(14, rng.randint(0, 50)),
                          time(15, rng.randint(0, 59))):
                window = rng.choice(windows)
                code = ("help_area" if window.zone is Zone.help
                        else rng.choice(["staff_conduct", "staff_conduct", "window_desk"]))
                _inspect(centre, inspector, window, rng.choice(people[window.id]), code,
                         at_local(day, clock, centre.timezone), rng,
                         rng.choices([0, 1, 2], weights=[5, 4, 1])[0])
        # The demo staff login's person: one finding under appeal, one overturned, one upheld.
        own = staff_user.staff
        findings = []
        # Within 2 days, so the appeal deadline (3 working days) has not passed on any day.
        for days_ago, clock, item in ((1, time(10, 40), "behaviour.pause_sign"),
                                      (2, time(9, 35), "behaviour.both_hands"),
                                      (2, time(15, 10), "language.clear_speech")):
            inspection = _inspect(
                centre, inspector, own.window, own, "staff_conduct",
                at_local(today - timedelta(days=days_ago), clock, centre.timezone), rng,
                1, chosen=[(item, dict(FAILURES["staff_conduct"])[item])])
            findings.append(inspection.findings[0])
        audit.acting_as(staff_user.username, staff_user.id)
        reasons = ["当时正在帮办区协助群众填表,已口头告知同事代为照看窗口",
                   "当时右手受伤包扎,无法双手递接", "现场群众较多,已提高音量"]
        for finding, reason in zip(findings, reasons):
            conduct.appeal(finding, staff_user, reason)
        audit.acting_as(hr.username, hr.id)
        conduct.decide(findings[1], hr, False, "经核实当事人右手受伤,有就医记录,撤销扣分")
        conduct.decide(findings[2], hr, True, "调取录音,讲话声音确实过小,维持扣分")
        _demo_spot_checks(centre, inspector, windows, people, today, now, rng)
    finally:
        if previous is not None:
            g.audit_actor = previous
    db.session.flush()


def _roster_today(centre, windows, people, today) -> None:
    """Today's roster at the hall windows (unless the demo has one already), so the hall
    list and the checklist show the person on duty."""
    from compliance.attendance.models import RosterEntry
    from compliance.attendance.roster import RosterLine, save_roster

    rostered = set(db.session.scalars(sa.select(RosterEntry.staff_id).where(
        RosterEntry.centre_id == centre.id, RosterEntry.day == today)))
    save_roster(centre.id, [RosterLine(person.staff_no, today)
                            for window in windows for person in people[window.id][:1]
                            if person.id not in rostered])


def _demo_spot_checks(centre, inspector, windows, people, today, now, rng) -> None:
    """Today's three spot checks: done an hour and a half ago, overdue, and still to come."""
    audit.acting_as("scheduler")
    plan = [now - timedelta(minutes=90), now - timedelta(minutes=25), now + timedelta(hours=1)]
    start = at_local(today, time(0), centre.timezone)
    tasks = []
    for window, due in zip(rng.sample(windows, 3), plan):
        due = due.replace(second=0, microsecond=0)
        if not start <= due < start + timedelta(days=1):
            continue  # loaded around midnight: that time is not today
        tasks.append(SpotCheckTask(centre_id=centre.id, day=today, window=window, due_at=due,
                                   drawn_by="scheduler"))
    db.session.add_all(tasks)
    db.session.flush()
    audit.acting_as(inspector.username, inspector.id)
    if tasks and tasks[0].due_at < now:
        window = tasks[0].window
        _inspect(centre, inspector, window, people[window.id][0], "staff_conduct",
                 tasks[0].due_at + timedelta(minutes=4), rng, 1, task=tasks[0])
