"""Scores, monthly case figures and the rulebook over the API (API.md: ``POST
/scores/recompute``, ``GET /scores/daily|quarterly|annual``, ``PUT /performance``; beyond it:
the figures' list and import, and the rulebook with its versions).

Scores are the person's own for a staff token, the department's for a unit lead, and the
centre's for HR and admins; inspectors read no evaluations (403)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..auth.models import Role
from ..auth.permissions import MANAGERS, visible
from ..errors import Invalid
from ..extensions import db
from ..importing import ImportFileError
from ..org.models import Centre, Department, Staff
from ..scoring import explain, figures, operations
from ..scoring.models import AnnualResult, CaseFigure, DailyResult, QuarterlyResult
from ..scoring.periods import Period
from ..scoring.persist import SaveReport
from . import ApiBlueprint, requires
from .errors import import_rejected
from .org import ImportFile, ImportReportOut, staff_or_404, target_centre
from .schemas import StrictSchema, code_field, items_schema

blp = ApiBlueprint("api_scores", __name__, description="Scores and monthly case figures")

SCORE_READERS = (Role.staff, Role.unit_lead, Role.hr, Role.admin)
YEAR = {"validate": validate.Range(min=2000, max=2100), "strict": False}


# --- schemas ---

class RecomputeIn(StrictSchema):
    period = fields.String(required=True, validate=validate.OneOf(["day", "quarter", "year"]))
    date = fields.Date()
    year = fields.Integer(**YEAR)
    quarter = fields.Integer(validate=validate.Range(min=1, max=4))
    centre_code = code_field(32)

    @validates_schema
    def _period_fields(self, data, **kwargs):
        needed = {"day": ("date",), "quarter": ("year", "quarter"), "year": ("year",)}
        missing = [name for name in needed.get(data.get("period"), ()) if name not in data]
        if missing:
            raise ValidationError({name: [_("This field is required.")] for name in missing})


class RecomputeOut(Schema):
    computed = fields.Integer()
    created = fields.Integer()
    replaced = fields.Integer()
    unchanged = fields.Integer()
    removed = fields.Integer()


class ScoreFilter(StrictSchema):
    staff_no = code_field(32)
    department_code = code_field(32)
    centre_code = code_field(32)


class DailyQuery(ScoreFilter):
    date = fields.Date(required=True)


class QuarterlyQuery(ScoreFilter):
    year = fields.Integer(required=True, **YEAR)
    quarter = fields.Integer(required=True, validate=validate.Range(min=1, max=4))


class AnnualQuery(ScoreFilter):
    year = fields.Integer(required=True, **YEAR)


def _money(value):
    return float(value) if value is not None else None


def _period_last(score):
    if score.kind == "daily":
        return score.day
    if score.kind == "quarterly":
        return Period.of_quarter(score.year, score.quarter).last
    return Period.of_year(score.year).last


def _reasons(score):
    return [{"code": line.code, "label": line.label, "ref_type": line.ref_type,
             "ref_id": line.ref_id, "detail": line.detail,
             "on": line.on.isoformat() if line.on else None}
            for line in explain.reason_lines(score, score.staff.staff_no, _period_last(score))]


def _deductions(score):
    return [{"kind": d["kind"], "label": str(explain.DEDUCTION_LABELS.get(d["kind"], d["kind"])),
             "points": float(d["points"]), "ref_type": d.get("ref_type"),
             "ref_id": d.get("ref_id"), "detail": d.get("detail"), "on": d.get("on")}
            for d in score.deductions or []]


class ScoreOut(Schema):
    staff_no = fields.Function(lambda s: s.staff.staff_no)
    name = fields.Function(lambda s: s.staff.name)
    department_code = fields.Function(lambda s: s.department.code)
    total = fields.Function(lambda s: _money(s.total))
    parts = fields.Function(lambda s: {k: float(v) for k, v in (s.parts or {}).items()})
    rank = fields.Integer(attribute="rank_centre", allow_none=True)
    rank_department = fields.Integer(allow_none=True)
    eligible = fields.Boolean()
    honour = fields.Boolean()
    assessed = fields.Boolean()
    reasons = fields.Function(_reasons)
    deductions = fields.Function(_deductions)
    deduction_points = fields.Function(lambda s: _money(s.deduction_points))
    rulebook_version = fields.String()
    fingerprint = fields.String()
    computed_at = fields.AwareDateTime()


class DailyOut(ScoreOut):
    date = fields.Date(attribute="day")


class QuarterlyOut(ScoreOut):
    year = fields.Integer()
    quarter = fields.Integer()
    rostered_days = fields.Integer()
    counts = fields.Dict()


class AnnualOut(ScoreOut):
    year = fields.Integer()
    assessed_quarters = fields.Integer()
    rostered_days = fields.Integer()


# --- scores ---

@blp.route("/scores/recompute", methods=["POST"])
@requires(*MANAGERS)
@blp.arguments(RecomputeIn)
@blp.response(200, RecomputeOut)
def recompute(body):
    """Recompute a day, a quarter (the year's annual scores follow) or a year of the
    caller's centre. The same inputs change nothing; ``computed`` counts the scores of the
    period, the other counts every row written."""
    centre = target_centre(body.get("centre_code"))
    if body["period"] == "day":
        period = Period.of_day(body["date"])
    elif body["period"] == "quarter":
        period = Period.of_quarter(body["year"], body["quarter"])
    else:
        period = Period.of_year(body["year"])
    report: SaveReport = operations.recompute(centre, period)
    db.session.commit()
    return report.as_dict()


def _narrowed(model, query, *where):
    """The caller's visible rows of ``model`` within ``where``, narrowed by the query's
    person, department and centre (a person outside the caller's scope: 403)."""
    if "staff_no" in query:
        staff_or_404(query["staff_no"])  # 403 outside the caller's scope, 404 unknown
    stmt = visible(model).where(*where).join(Staff, model.staff_id == Staff.id)
    if "staff_no" in query:
        stmt = stmt.where(Staff.staff_no == query["staff_no"])
    if "department_code" in query:
        stmt = stmt.join(Department, model.department_id == Department.id).where(
            Department.code == query["department_code"])
    if "centre_code" in query:
        stmt = stmt.join(Centre, model.centre_id == Centre.id).where(
            Centre.code == query["centre_code"])
    return stmt


def _scores(model, query, *where):
    stmt = _narrowed(model, query, *where).order_by(
        model.centre_id, model.rank_centre.is_(None), model.rank_centre, Staff.staff_no)
    return {"items": db.session.scalars(stmt).all()}


@blp.route("/scores/daily", methods=["GET"])
@requires(*SCORE_READERS)
@blp.arguments(DailyQuery, location="query")
@blp.response(200, items_schema(DailyOut, "DailyScoreList"))
def daily_scores(query):
    """Daily scores of a date, ranked (a staff token: its own)."""
    return _scores(DailyResult, query, DailyResult.day == query["date"])


@blp.route("/scores/quarterly", methods=["GET"])
@requires(*SCORE_READERS)
@blp.arguments(QuarterlyQuery, location="query")
@blp.response(200, items_schema(QuarterlyOut, "QuarterlyScoreList"))
def quarterly_scores(query):
    """Quarterly scores with parts, ranks, eligibility and its reasons."""
    return _scores(QuarterlyResult, query, QuarterlyResult.year == query["year"],
                   QuarterlyResult.quarter == query["quarter"])


@blp.route("/scores/annual", methods=["GET"])
@requires(*SCORE_READERS)
@blp.arguments(AnnualQuery, location="query")
@blp.response(200, items_schema(AnnualOut, "AnnualScoreList"))
def annual_scores(query):
    """Annual scores, the candidates for the annual honour and every disqualifying event."""
    return _scores(AnnualResult, query, AnnualResult.year == query["year"])


# --- monthly case figures ---

MONTH = {"validate": validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$",
                                     error="Not a valid month (YYYY-MM).")}


class FigureIn(StrictSchema):
    staff_no = code_field(32, required=True)
    cases_handled = fields.Integer(required=True, strict=True)
    cases_on_time = fields.Integer(required=True, strict=True)
    cases_on_spot = fields.Integer(load_default=0, strict=True)


class PerformanceIn(StrictSchema):
    month = fields.String(required=True, **MONTH)
    entries = fields.List(fields.Nested(FigureIn), required=True,
                          validate=validate.Length(min=1, max=20000))
    centre_code = code_field(32)


class PerformanceOut(Schema):
    upserted = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()


class PerformanceQuery(ScoreFilter):
    month = fields.String(required=True, **MONTH)


class FigureOut(Schema):
    staff_no = fields.Function(lambda f: f.staff.staff_no)
    name = fields.Function(lambda f: f.staff.name)
    month = fields.Function(lambda f: f.month.strftime("%Y-%m"))
    cases_handled = fields.Integer(attribute="handled")
    cases_on_time = fields.Integer(attribute="on_time")
    cases_on_spot = fields.Integer(attribute="on_spot")
    on_time_rate = fields.Function(lambda f: _money(f.on_time_rate))


@blp.route("/performance", methods=["PUT"])
@requires(*MANAGERS)
@blp.arguments(PerformanceIn)
@blp.response(200, PerformanceOut)
def put_performance(body):
    """Store one month's case figures (upsert per person and month; all entries or none)."""
    centre = target_centre(body.get("centre_code"))
    report = figures.put_month(current_user, centre, figures.parse_month(body["month"]),
                               body["entries"])
    db.session.commit()
    return report.as_dict()


@blp.route("/performance", methods=["GET"])
@requires(*SCORE_READERS)
@blp.arguments(PerformanceQuery, location="query")
@blp.response(200, items_schema(FigureOut, "CaseFigureList"))
def list_performance(query):
    """One month's case figures the caller may see."""
    stmt = _narrowed(CaseFigure, query, CaseFigure.month == figures.parse_month(query["month"]))
    return {"items": db.session.scalars(stmt.order_by(Staff.staff_no)).all()}


class ImportQuery(StrictSchema):
    month = fields.String(**MONTH)
    centre_code = code_field(32)


@blp.route("/performance/import", methods=["POST"])
@requires(*MANAGERS)
@blp.arguments(ImportQuery, location="query")
@blp.arguments(ImportFile, location="files")
@blp.response(200, ImportReportOut)
@blp.alt_response(400, description="Nothing imported: the per-row error report")
def import_performance(query, files):
    """Import monthly case figures (CSV or Excel; columns 工号, 月份, 办件量, 按时办结,
    即办件): all rows or none, with a per-row report; re-importing changes nothing."""
    centre = target_centre(query.get("centre_code"))
    upload = files["file"]
    month = figures.parse_month(query["month"]) if query.get("month") else None
    try:
        report, _written = figures.import_figures(current_user, centre, upload.filename or "",
                                                  upload.read(), month)
    except ImportFileError as error:
        db.session.rollback()
        raise Invalid(str(error), {"file": str(error)}) from error
    if not report.ok:
        db.session.rollback()
        return import_rejected(report)
    db.session.commit()
    return report.as_dict()
