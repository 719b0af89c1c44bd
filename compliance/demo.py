"""A realistic demo centre for ``seed-demo`` (and the browser tests)."""
from __future__ import annotations

import random

import sqlalchemy as sa

from .auth.models import Role
from .auth.operations import create_user
from .extensions import db
from .org import operations as org
from .org.models import DepartmentKind, Employment, Gender, Staff, Zone

DEMO_PASSWORD = "Demo@2026"

# Feature packages add their own demo data (called with the centre, the logins by name and
# the seeded random generator, after the core's); registered from their ``init_app``.
DEMO_HOOKS: list = []


def register_demo(hook) -> None:
    if hook not in DEMO_HOOKS:
        DEMO_HOOKS.append(hook)

DEPARTMENTS = [
    ("ZH", "综合受理科", DepartmentKind.centre),
    ("TZ", "投资项目审批科", DepartmentKind.centre),
    ("SH", "社会事务科", DepartmentKind.centre),
    ("SW", "市税务局", DepartmentKind.seconded),
    ("GA", "市公安局", DepartmentKind.seconded),
    ("SJ", "市市场监督管理局", DepartmentKind.seconded),
]
# (code prefix, department, zone, count)
WINDOW_PLAN = [
    ("A", "ZH", Zone.window, 6), ("B", "TZ", Zone.window, 4), ("C", "SH", Zone.window, 3),
    ("D", "SW", Zone.window, 4), ("E", "GA", Zone.window, 3), ("F", "SJ", Zone.window, 2),
    ("H", "ZH", Zone.help, 1), ("K", "ZH", Zone.back_office, 1),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN_F = ["丽", "静", "敏", "婷", "芳", "娜", "雪", "慧", "琳", "欣怡", "雨桐", "佳琪", "晓燕",
           "思雨", "梦洁", "秀英"]
GIVEN_M = ["伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "浩然", "子轩", "建华", "志强",
           "俊杰", "国庆", "宇航"]


def seed_demo(staff_count: int = 60) -> dict[str, str]:
    """Create the demo centre; returns the demo logins (user name → role)."""
    rng = random.Random(2026)
    centre = org.create_centre("DEMO", "示范市政务服务中心")
    for code, name, kind in DEPARTMENTS:
        org.save_department(centre.id, code, name, kind)
    windows_by_dept: dict[str, list[str]] = {}
    zone_names = {Zone.window: "窗口", Zone.help: "帮办窗口", Zone.back_office: "后台"}
    for prefix, dept, zone, count in WINDOW_PLAN:
        for number in range(1, count + 1):
            code = f"{prefix}{number:02d}"
            org.save_window(centre.id, code, f"{code}{zone_names[zone]}", zone, dept)
            windows_by_dept.setdefault(dept, []).append(code)
    per_dept = [staff_count // len(DEPARTMENTS)] * len(DEPARTMENTS)
    for i in range(staff_count - sum(per_dept)):
        per_dept[i] += 1
    number = 1000
    used_names: set[str] = set()
    for (code, _name, kind), count in zip(DEPARTMENTS, per_dept):
        windows = windows_by_dept[code]
        for i in range(count):
            number += 1
            gender = Gender.F if (number % 5) in (0, 2, 3) else Gender.M
            while True:
                given = rng.choice(GIVEN_F if gender is Gender.F else GIVEN_M)
                full = rng.choice(SURNAMES) + given
                if full not in used_names:
                    used_names.add(full)
                    break
            if kind is DepartmentKind.seconded:
                employment = Employment.seconded
            else:
                employment = Employment.agency if i % 4 == 3 else Employment.direct
            org.save_staff(centre.id, org.StaffData(
                staff_no=f"S{number}", name=full, gender=gender, department_code=code,
                employment=employment, window_code=windows[i % len(windows)]))
    first_staff = db.session.scalars(sa.select(Staff).order_by(Staff.staff_no)).first()
    tax = next(d for d in centre.departments if d.code == "SW")
    logins = {
        "admin": (Role.admin, {}),
        "hr": (Role.hr, {"centre_id": centre.id}),
        "inspector": (Role.inspector, {"centre_id": centre.id}),
        "lead": (Role.unit_lead, {"centre_id": centre.id, "department_id": tax.id}),
        "staff": (Role.staff, {"centre_id": centre.id, "staff_id": first_staff.id}),
    }
    users = {}
    for username, (role, scope) in logins.items():
        users[username] = create_user(username, DEMO_PASSWORD, role, **scope)
    db.session.flush()
    seed_demo_cases(centre, users, rng)
    for hook in DEMO_HOOKS:
        hook(centre, users, rng)
    from .scoring.demo import seed_demo_scores

    seed_demo_scores(centre, rng)  # last: the scores are computed from everything above
    return {name: role.value for name, (role, _scope) in logins.items()}


DEMO_COMMENTS = ["办事很快,态度好", "耐心解释,谢谢", "等候时间较长", "材料要求没有一次说清",
                 "工作人员玩手机,态度冷淡", "跑了两趟才办成"]


def seed_demo_cases(centre, users, rng: random.Random) -> None:
    """A few days of reviews (some bad, with their cases), and complaints in several states,
    relative to today so the case board shows live countdowns (SPEC §6)."""
    from datetime import time, timedelta

    from .cases import operations as cases
    from .cases.models import (ComplaintCategory, ComplaintChannel, ComplaintConclusion,
                               ComplaintState, ReviewChannel, ReviewConclusion)
    from .timeutil import at_local, local_today

    hr = users["hr"]
    staff = db.session.scalars(sa.select(Staff).where(Staff.centre_id == centre.id)
                               .order_by(Staff.staff_no)).all()
    today = local_today(centre.timezone)
    for n in range(40):
        person = rng.choice(staff)
        day = today - timedelta(days=rng.randint(0, 9))
        level = rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 8, 7, 5])[0]
        real = rng.random() < 0.5
        cases.create_review(hr, cases.ReviewData(
            staff_no=person.staff_no, at=at_local(day, time(9 + n % 8, rng.randint(0, 59)),
                                                  centre.timezone),
            level=level, channel=rng.choice(list(ReviewChannel)), real_name=real,
            comment=DEMO_COMMENTS[min(5 - level, 5) if level < 3 else rng.randint(0, 1)],
            citizen_name=rng.choice(SURNAMES) + rng.choice(GIVEN_M) if real else None,
            citizen_contact=f"13{rng.randint(100000000, 999999999)}" if real else None))
    # Make sure the board holds at least one bad review in each stage.
    tax_staff = [p for p in staff if p.department.code == "SW"]
    followed = cases.create_review(hr, cases.ReviewData(
        staff_no=tax_staff[0].staff_no, at=at_local(today - timedelta(days=3), time(10, 5),
                                                    centre.timezone),
        level=1, channel=ReviewChannel.device, real_name=True, comment=DEMO_COMMENTS[4],
        citizen_name="周明", citizen_contact="13912345678"))
    cases.record_followup(followed.case, hr, "已电话回访,群众反映属实")
    cases.conclude_case(followed.case, hr, ReviewConclusion.substantiated,
                        "已对当事人批评教育,窗口整改并向群众致歉")
    # Complaints: one just received, one under investigation, one overdue, one answered.
    plan = [(0, ComplaintState.received, ComplaintCategory.attitude, ComplaintChannel.on_site),
            (2, ComplaintState.investigating, ComplaintCategory.efficiency,
             ComplaintChannel.hotline_12345),
            (12, ComplaintState.assigned, ComplaintCategory.overdue, ComplaintChannel.letter),
            (6, ComplaintState.answered, ComplaintCategory.citizen_conflict,
             ComplaintChannel.phone)]
    for i, (days_ago, state, category, channel) in enumerate(plan):
        person = tax_staff[(i + 1) % len(tax_staff)]
        complaint = cases.create_complaint(hr, cases.ComplaintData(
            channel=channel, category=category, staff_no=person.staff_no,
            text="群众反映:" + DEMO_COMMENTS[3 + i % 3], complainant=rng.choice(SURNAMES) + "先生",
            contact=f"139{rng.randint(10000000, 99999999)}",
            received_at=at_local(today - timedelta(days=days_ago), time(14, 30),
                                 centre.timezone)))
        while complaint.state is not state:
            target = complaint.state.next
            cases.transition(
                complaint, hr, target, note={
                    ComplaintState.assigned: "交派驻单位首席代表核查",
                    ComplaintState.investigating: "调取监控并约谈当事人",
                    ComplaintState.concluded: "经核查部分属实",
                    ComplaintState.answered: "已电话反馈投诉人"}.get(target, ""),
                conclusion=ComplaintConclusion.partly
                if target is ComplaintState.concluded else None,
                assignee="lead" if target is ComplaintState.assigned else None)
    db.session.flush()
