"""Score periods: a day, a calendar quarter or a year, with their first and last days and a
label in the user's language. Pages name a period in the URL as ``2026-03-02``, ``2026-Q1``
or ``2026``."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from .engine import quarter_bounds

DAY, QUARTER, YEAR = "day", "quarter", "year"
_SLUG = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>\d{2})-(?P<day>\d{2}))?$")


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    quarter: int | None = None
    day: date | None = None

    @classmethod
    def of_day(cls, day: date) -> Period:
        return cls(DAY, day.year, quarter_of(day), day)

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise ValueError("quarter must be 1–4")
        return cls(QUARTER, year, quarter)

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(YEAR, year)

    @classmethod
    def parse(cls, slug: str) -> Period | None:
        """``2026-03-02``, ``2026-Q1`` or ``2026``; None when it is none of them."""
        match = _SLUG.match(slug or "")
        if not match:
            return None
        year = int(match["year"])
        if not 2000 <= year <= 2100:
            return None
        if match["quarter"]:
            return cls.of_quarter(year, int(match["quarter"]))
        if match["month"]:
            try:
                return cls.of_day(date(year, int(match["month"]), int(match["day"])))
            except ValueError:
                return None
        return cls.of_year(year)

    @property
    def first(self) -> date:
        if self.kind == DAY:
            return self.day
        if self.kind == QUARTER:
            return quarter_bounds(self.year, self.quarter)[0]
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        if self.kind == DAY:
            return self.day
        if self.kind == QUARTER:
            return quarter_bounds(self.year, self.quarter)[1]
        return date(self.year, 12, 31)

    @property
    def slug(self) -> str:
        if self.kind == DAY:
            return self.day.isoformat()
        if self.kind == QUARTER:
            return f"{self.year}-Q{self.quarter}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == DAY:
            return self.day.isoformat()
        if self.kind == QUARTER:
            return _("Q%(quarter)d %(year)d", quarter=self.quarter, year=self.year)
        return _("Year %(year)d", year=self.year)

    def previous(self) -> Period:
        if self.kind == DAY:
            return Period.of_day(date.fromordinal(self.day.toordinal() - 1))
        if self.kind == QUARTER:
            if self.quarter == 1:
                return Period.of_quarter(self.year - 1, 4)
            return Period.of_quarter(self.year, self.quarter - 1)
        return Period.of_year(self.year - 1)

    def next(self) -> Period:
        if self.kind == DAY:
            return Period.of_day(date.fromordinal(self.day.toordinal() + 1))
        if self.kind == QUARTER:
            return Period.of_quarter(self.year + (self.quarter == 4), self.quarter % 4 + 1)
        return Period.of_year(self.year + 1)

    def is_over(self, today: date) -> bool:
        """A period whose last day has passed: its scores are final unless inputs change."""
        return self.last < today


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1
