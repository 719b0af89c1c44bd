"""Deadlines of cases in working days (SPEC §6; seed 002 篇一: counted from the day after
receipt), read from the rulebook in force on the day of receipt."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..scoring.store import rules_for
from .calendar import add_working_days, working_days_between


@dataclass(frozen=True)
class ComplaintDues:
    assign: date
    conclude: date
    answer: date
    close: date


@dataclass(frozen=True)
class ReviewCaseDues:
    contact: date
    conclude: date


def complaint_dues(centre_id: int, received_on: date) -> ComplaintDues:
    """Each step of a complaint is due a number of working days after receipt
    (rulebook ``cases.complaint_*_working_days``)."""
    rules = rules_for(centre_id, received_on).cases
    return ComplaintDues(
        assign=add_working_days(received_on, rules.complaint_assign_working_days),
        conclude=add_working_days(received_on, rules.complaint_conclude_working_days),
        answer=add_working_days(received_on, rules.complaint_answer_working_days),
        close=add_working_days(received_on, rules.complaint_close_working_days))


def review_case_dues(centre_id: int, opened_on: date) -> ReviewCaseDues:
    """A bad review is followed up (回访核实) and concluded within the rulebook's working
    days (``bad_review_contact_working_days``, ``bad_review_conclude_working_days``)."""
    rules = rules_for(centre_id, opened_on).cases
    return ReviewCaseDues(
        contact=add_working_days(opened_on, rules.bad_review_contact_working_days),
        conclude=add_working_days(opened_on, rules.bad_review_conclude_working_days))


def centre_today(centre_id: int) -> date:
    """Today in the centre's zone (cached for the request or job)."""
    from flask import g, has_app_context

    from ..extensions import db
    from ..org.models import Centre
    from ..timeutil import local_today

    cache = g.setdefault("_centre_zones", {}) if has_app_context() else {}
    if centre_id not in cache:
        cache[centre_id] = db.session.get(Centre, centre_id).timezone
    return local_today(cache[centre_id])


def working_days_left(today: date, due: date | None) -> int | None:
    """Working days after today up to the deadline (0: due today); negative when overdue:
    the working days since the deadline (at least 1, so the sign alone says "overdue").
    None when nothing is due."""
    if due is None:
        return None
    if due >= today:
        return working_days_between(today, due)
    return -max(1, working_days_between(due, today))
