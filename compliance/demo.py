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
    for username, (role, scope) in logins.items():
        create_user(username, DEMO_PASSWORD, role, **scope)
    db.session.flush()
    return {name: role.value for name, (role, _scope) in logins.items()}
