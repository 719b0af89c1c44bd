"""Scheduled score jobs (SPEC §9): the nightly daily rollup and the quarter and year close.

Each job recomputes, per centre and in the centre's own calendar, a span that may still be
changing; recomputing is exact (same inputs, no write), so running a job twice — or again
after a failure — changes nothing more.

- Nightly (02:00, after the attendance results of the day before are in): the days of the
  running quarter up to yesterday, and the quarter's provisional scores. Late punches,
  approved corrections and appeals decided during the quarter are picked up this way.
- Quarter close (03:00 on the first ten days of January, April, July and October): the
  quarter just ended — its days, its scores and the year's annual scores. The ten days let
  late inputs (the business system's case figures for the last month) arrive.
- Year close (03:30 on the first ten days of January): every quarter of the year just ended
  and its annual scores (年度先进个人 candidates).
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..jobs import register_job
from ..org.models import Centre, Staff
from ..timeutil import local_today
from . import engine, operations
from .periods import quarter_of
from .persist import SaveReport


def _centres() -> list[Centre]:
    return db.session.scalars(sa.select(Centre).order_by(Centre.code)).all()


def _summary(reports: dict[str, SaveReport]) -> str:
    return "; ".join(f"{code}: {r.computed} computed, {r.created} new, {r.replaced} replaced, "
                     f"{r.removed} removed" for code, r in reports.items()) or "no centre"


def rollup(centre: Centre, today: date) -> SaveReport:
    """The running quarter's days up to yesterday and its provisional quarterly scores."""
    yesterday = today - timedelta(days=1)
    quarter = quarter_of(yesterday)
    first, _last = engine.quarter_bounds(yesterday.year, quarter)
    report = operations.recompute_days(centre, first, yesterday)
    return report.absorb(operations.recompute_quarter(centre, yesterday.year, quarter))


def close_quarter(centre: Centre, today: date) -> SaveReport:
    """The quarter before the one ``today`` is in: its days, scores and the annual scores;
    then each person with a login is told their result (once per quarter)."""
    quarter, year = quarter_of(today) - 1, today.year
    if quarter == 0:
        quarter, year = 4, year - 1
    first, last = engine.quarter_bounds(year, quarter)
    report = operations.recompute_quarter(centre, year, quarter)
    report.absorb(operations.recompute_days(centre, first, last))
    report.absorb(operations.recompute_annual(centre, year))
    tell_results(centre, year, quarter)
    return report


def tell_results(centre: Centre, year: int, quarter: int) -> int:
    """Notify every staff login of the centre with an assessed score of the quarter: the
    score, the rank and a link to its explanation. Keyed per quarter, so a close that runs
    again (or on the next days of the close window) tells nobody twice."""
    from ..auth.models import Role, User
    from ..cases.reminders import _link
    from ..notifications import notify
    from .models import QuarterlyResult
    from .periods import Period

    period = Period.of_quarter(year, quarter)
    rows = db.session.execute(
        sa.select(User.id, QuarterlyResult.total, QuarterlyResult.rank_centre,
                  QuarterlyResult.honour, Staff.staff_no)
        .join(QuarterlyResult, QuarterlyResult.staff_id == User.staff_id)
        .join(Staff, Staff.id == User.staff_id)
        .where(User.role == Role.staff, User.active.is_(True),
               QuarterlyResult.centre_id == centre.id, QuarterlyResult.year == year,
               QuarterlyResult.quarter == quarter, QuarterlyResult.assessed.is_(True))).all()
    told = 0
    for user_id, total, rank, honour, staff_no in rows:
        text = _("Your score for %(period)s: %(total)s, rank %(rank)d in the centre.",
                 period=period.label, total=total, rank=rank)
        if honour:
            text += " " + _("You are a service star of the quarter.")
        told += notify(user_id, text, _link("scores.explanation", kind="quarterly",
                                            slug=period.slug, staff_no=staff_no),
                       key=f"scores:{period.slug}") is not None
    return told


@register_job("scores_daily_rollup", "Daily scores of the quarter so far, provisional "
              "quarterly scores", _l("Nightly daily scores"), trigger="cron", hour=2, minute=0)
def daily_rollup_job():
    return _summary({c.code: rollup(c, local_today(c.timezone)) for c in _centres()})


@register_job("scores_quarter_close", "Close the quarter just ended: days, quarterly and "
              "annual scores", _l("Quarter close"), trigger="cron", month="1,4,7,10",
              day="1-10", hour=3, minute=0)
def quarter_close_job():
    return _summary({c.code: close_quarter(c, local_today(c.timezone)) for c in _centres()})


@register_job("scores_year_close", "Close the year just ended: every quarter and the annual "
              "scores", _l("Year close"), trigger="cron", month="1", day="1-10", hour=3,
              minute=30)
def year_close_job():
    return _summary({c.code: operations.recompute_year(c, local_today(c.timezone).year - 1)
                     for c in _centres()})
