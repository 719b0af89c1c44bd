"""Working-day deadlines across the 2026 Spring Festival and its make-up weekend days
(2026-02-14 Sat and 2026-02-28 Sat are working days; 2026-02-15 … 2026-02-23 are off)."""
from datetime import date, datetime, timezone

import pytest
import time_machine

from compliance.cases.calendar import (add_working_days_by_rule, is_workday_by_rule,
                                       working_days_between_by_rule)
from compliance.cases.deadlines import working_days_left
from compliance.cases.models import ReviewCaseState
from tests.conftest import api_token

from .helpers import complaint, review


def test_the_package_knows_the_festival_and_make_up_days():
    assert is_workday_by_rule(date(2026, 2, 14), {})  # Saturday, make-up working day
    assert is_workday_by_rule(date(2026, 2, 28), {})  # Saturday, make-up working day
    for day in range(15, 24):
        assert not is_workday_by_rule(date(2026, 2, day), {}), day
    assert is_workday_by_rule(date(2026, 2, 24), {})


@pytest.mark.parametrize("start, n, due", [
    (date(2026, 2, 13), 1, date(2026, 2, 14)),   # Friday → the make-up Saturday
    (date(2026, 2, 13), 2, date(2026, 2, 24)),   # … then over the whole festival
    (date(2026, 2, 13), 5, date(2026, 2, 27)),
    (date(2026, 2, 13), 7, date(2026, 3, 2)),    # 24 25 26 27 28(Sat) → Mar 2
    (date(2026, 2, 13), 10, date(2026, 3, 5)),
    (date(2026, 2, 16), 1, date(2026, 2, 24)),   # received during the festival
    (date(2026, 2, 27), 1, date(2026, 2, 28)),   # Friday → make-up Saturday
    (date(2026, 2, 28), 1, date(2026, 3, 2)),
])
def test_add_working_days(start, n, due):
    assert add_working_days_by_rule(start, n, {}) == due


def test_overrides_win_over_the_package():
    overrides = {date(2026, 2, 14): False}
    assert add_working_days_by_rule(date(2026, 2, 13), 1, overrides) == date(2026, 2, 24)
    assert working_days_between_by_rule(date(2026, 2, 13), date(2026, 3, 2), {}) == 7


def test_complaint_received_before_the_festival_gets_every_due_right(app_ctx, world):
    made = complaint(world)
    assert made.received_on == date(2026, 2, 13)
    # Rulebook defaults: assign 1, conclude 5, answer 7, close 10 working days.
    assert (made.assign_due, made.conclude_due, made.answer_due, made.close_due) == (
        date(2026, 2, 14), date(2026, 2, 27), date(2026, 3, 2), date(2026, 3, 5))


def test_bad_review_case_deadlines_and_the_api_countdown(client, world):
    made = review(world, level=2)
    case = made.case
    assert case.state is ReviewCaseState.open
    assert (case.contact_due, case.conclude_due) == (date(2026, 2, 14), date(2026, 2, 27))
    hr = api_token(client, "hr_a")
    # Sunday 15 Feb: contact was due on the make-up Saturday → overdue by 1 working day? No:
    # no working day has passed since the deadline, but it is past, so it shows as overdue.
    with time_machine.travel(datetime(2026, 2, 15, 2, 0, tzinfo=timezone.utc)):
        body = client.get(f"/api/v1/cases/{case.id}", headers=hr).get_json()
    assert body["deadline"] == {"due": "2026-02-14", "overdue": True, "working_days_left": -1}
    with time_machine.travel(datetime(2026, 2, 13, 8, 0, tzinfo=timezone.utc)):
        body = client.get(f"/api/v1/cases/{case.id}", headers=hr).get_json()
    assert body["deadline"] == {"due": "2026-02-14", "overdue": False, "working_days_left": 1}


def test_anonymous_bad_review_is_due_at_its_conclusion(app_ctx, world):
    made = review(world, level=1, real_name=False)
    assert made.case.due == date(2026, 2, 27)
    assert made.citizen_name is None and made.citizen_contact is None


def test_working_days_left(app_ctx):
    assert working_days_left(date(2026, 2, 13), date(2026, 2, 27)) == 5
    assert working_days_left(date(2026, 2, 27), date(2026, 2, 27)) == 0
    assert working_days_left(date(2026, 3, 2), date(2026, 2, 27)) == -2
    assert working_days_left(date(2026, 3, 2), None) is None
