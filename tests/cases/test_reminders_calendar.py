"""Daily reminders of overdue cases (idempotent per case, person and day) with the unread
badge; the admin page of working-day overrides (past days refused, nothing changed)."""
import re
from datetime import date, datetime, timezone

import sqlalchemy as sa
import time_machine

from compliance.cases.calendar import WorkdayOverride, add_working_days
from compliance.cases.models import ComplaintState
from compliance.cases.operations import send_deadline_reminders
from compliance.extensions import db
from compliance.notifications import Notification
from tests.conftest import csrf_token, login

from .helpers import advance, complaint, review


def _notes(user):
    return db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id)).all()


def test_reminders_go_to_the_person_responsible_once_a_day(app_ctx, world):
    unassigned = complaint(world)
    assigned = advance(complaint(world, staff=world.alice), world.users.hr,
                       ComplaintState.assigned)  # assignee: hr_a (assigned to self)
    operations_lead = complaint(world)
    from compliance.cases import operations

    operations.transition(operations_lead, world.users.hr, ComplaintState.assigned, "x",
                          assignee="lead_sw")
    bad = review(world, level=1)
    db.session.commit()
    on_time = date(2026, 2, 14)
    assert send_deadline_reminders(on_time) == 0
    day = date(2026, 2, 24)  # after the assignment and contact deadlines (14 Feb)
    created = send_deadline_reminders(day)
    db.session.commit()
    hr_texts = [n.text for n in _notes(world.users.hr)]
    assert any(f"#{unassigned.id}" in t for t in hr_texts)  # no assignee → HR
    assert any(f"#{bad.case.id}" in t for t in hr_texts)  # bad-review cases → HR
    # Assigned ones are not overdue yet (conclusion due 27 Feb).
    assert not any(f"#{assigned.id}" in t for t in hr_texts)
    assert _notes(world.users.unit_lead) == []
    assert created == len(_notes(world.users.hr))
    assert all(n.link.startswith("/cases/") for n in _notes(world.users.hr))
    # HR of the other centre hears nothing; running again the same day adds nothing.
    assert _notes(world.users.hr_b) == []
    assert send_deadline_reminders(day) == 0
    # The next day reminds again; an overdue assigned complaint reminds its assignee.
    later = date(2026, 3, 2)
    send_deadline_reminders(later)
    db.session.commit()
    assert any(f"#{operations_lead.id}" in n.text for n in _notes(world.users.unit_lead))
    assert len(_notes(world.users.hr)) > created


def test_badge_and_notifications_page(client, world):
    complaint(world)
    send_deadline_reminders(date(2026, 2, 24))
    db.session.commit()
    login(client, "hr_a")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'data-unread="1"', page)
    listing = client.get("/notifications").get_data(as_text=True)
    note = _notes(world.users.hr)[0]
    assert note.text in listing
    token = csrf_token(client, "/notifications")
    response = client.post(f"/notifications/{note.id}/open", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == note.link
    assert 'data-unread' not in client.get("/").get_data(as_text=True)
    # Another user cannot open it.
    other = client.application.test_client()
    login(other, "admin_a")
    token = csrf_token(other, "/notifications")
    assert other.post(f"/notifications/{note.id}/open",
                      data={"csrf_token": token}).status_code == 403


def test_override_in_the_past_is_refused_and_changes_nothing(client, world):
    with time_machine.travel(datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)):
        login(client, "admin_a")
        token = csrf_token(client, "/calendar")
        response = client.post("/calendar", data={"csrf_token": token, "day": "2026-10-30",
                                                  "is_workday": "1", "note": "补班"})
        assert response.status_code == 400
        assert "2026-10-30" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkdayOverride)) == 0
        # A future day is saved, and changes the deadlines counted over it.
        response = client.post("/calendar", data={"csrf_token": token, "day": "2027-01-04",
                                                  "is_workday": "0", "note": "元旦调休"})
        assert response.status_code == 302
        assert add_working_days(date(2027, 1, 1), 1) == date(2027, 1, 5)
        page = client.get("/calendar").get_data(as_text=True)
        assert "元旦调休" in page and "2026" in page
        response = client.post("/calendar", data={"csrf_token": token, "remove": "2027-01-04"})
        assert response.status_code == 302
        assert db.session.get(WorkdayOverride, date(2027, 1, 4)) is None


def test_removing_a_past_override_is_refused(client, world):
    db.session.add(WorkdayOverride(day=date(2026, 10, 10), is_workday=True, note="old"))
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)):
        login(client, "admin_a")
        token = csrf_token(client, "/calendar")
        response = client.post("/calendar", data={"csrf_token": token, "remove": "2026-10-10"})
    assert response.status_code == 400
    assert db.session.get(WorkdayOverride, date(2026, 10, 10)) is not None


def test_reminder_command_is_idempotent(app_ctx, world):
    complaint(world)
    runner = app_ctx.test_cli_runner()
    first = runner.invoke(args=["remind-deadlines", "--date", "2026-02-24"])
    second = runner.invoke(args=["remind-deadlines", "--date", "2026-02-24"])
    assert first.exit_code == 0 and "1 reminders" in first.output
    assert "0 reminders" in second.output
    assert len(_notes(world.users.hr)) == 1
