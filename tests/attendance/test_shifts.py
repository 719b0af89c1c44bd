"""Shifts as data (SPEC §3.1): every centre has the default shifts, new ones from the
centre-creating operation and existing ones from the migration; HR changes session times."""
from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from compliance.attendance.models import Shift
from compliance.attendance.rules import SessionDef
from compliance.attendance.shifts import DEFAULT_SHIFTS, save_shift, shift_by_code
from compliance.errors import Conflict, Invalid
from compliance.extensions import db

EXPECTED = {
    "standard": [("am", time(9), time(12), time(8, 55), time(12)),
                 ("pm", time(13, 30), time(17, 30), time(13, 25), time(17, 30))],
    "weekend_duty": [("am", time(9), time(12), time(8, 55), time(12)),
                     ("pm", time(13, 30), time(17, 30), time(13, 25), time(17, 30))],
    "lunch_duty": [("am", time(9), time(13, 30), time(8, 55), time(13, 30)),
                   ("pm", time(14, 30), time(17, 30), time(14, 25), time(17, 30))],
}


def shifts_of(centre_id):
    rows = db.session.scalars(sa.select(Shift).where(Shift.centre_id == centre_id)).all()
    return {s.code: [(x.name, x.start_time, x.end_time, x.clock_in_by, x.clock_out_from)
                     for x in s.sessions] for s in rows}


def test_a_new_centre_gets_the_default_shifts(factory):
    centre = factory.centre()
    assert shifts_of(centre.id) == EXPECTED
    assert [d.code for d in DEFAULT_SHIFTS] == list(EXPECTED)


def test_the_migration_gives_existing_centres_the_default_shifts(app_ctx):
    downgrade(revision="0006_jobs")
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO centre (code, name, timezone, created_at, updated_at) VALUES "
                "('OLD', '旧中心', 'Asia/Shanghai', :now, :now)"), {"now": "2026-01-01 00:00:00"})
    finally:
        upgrade()
    old = db.session.scalar(sa.text("SELECT id FROM centre WHERE code = 'OLD'"))
    assert shifts_of(old) == EXPECTED


def test_hr_changes_session_times_and_codes_stay_unique(world):
    shift = shift_by_code(world.a.id, "standard")
    sessions = [SessionDef("am", time(8, 30), time(12), time(8, 25), time(12)),
                SessionDef("pm", time(13), time(17), time(12, 55), time(17))]
    save_shift(world.a.id, "standard", "标准班", "Standard", sessions, shift=shift)
    db.session.commit()
    assert shifts_of(world.a.id)["standard"][0][1:3] == (time(8, 30), time(12))
    with pytest.raises(Conflict):
        save_shift(world.a.id, "lunch_duty", "x", "x", sessions, shift=shift)
    with pytest.raises(Invalid):
        save_shift(world.a.id, "late", "晚班", "", list(reversed(sessions)))
