"""Import of the review platform's export (好差评系统导出, CSV or Excel): every row or none,
with a per-row report (SPEC §8). The platform's review id is the natural key, so importing
the same file again changes nothing.

Good reviews are written with Core inserts in chunks (ARCHITECTURE: no ORM bulk loads) and
one audit event for the batch; each bad review goes through ``create_review`` so that its
rectification case opens with its deadlines, row by row in the audit log.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import current_actor, log_event
from ..db import utcnow
from ..errors import Forbidden
from ..extensions import db
from ..importing import Column, ImportReport, read_table
from ..org.models import Centre, Staff, Window
from ..timeutil import local_date
from .models import LEVEL_NAMES_ZH, Review, ReviewChannel
from .reviews import ReviewData, create_review, is_bad

CHUNK = 5000
COLUMNS = [
    Column("external_id", ("评价编号", "评价ID", "评价id", "review id", "id")),
    Column("staff_no", ("工号", "staff number", "staff no")),
    Column("at", ("评价时间", "time", "at")),
    Column("level", ("评价等级", "评价结果", "满意度", "level")),
    Column("window_code", ("窗口编号", "窗口", "window", "window code"), required=False),
    Column("channel", ("评价渠道", "渠道", "channel"), required=False),
    Column("real_name", ("是否实名", "实名", "real name"), required=False),
    Column("citizen_name", ("评价人", "citizen", "citizen name"), required=False),
    Column("contact", ("联系电话", "联系方式", "contact"), required=False),
    Column("comment", ("评价内容", "意见建议", "comment"), required=False),
]
LEVEL_WORDS = {**{str(n): n for n in range(1, 6)}, **{v: k for k, v in LEVEL_NAMES_ZH.items()}}
CHANNEL_WORDS = {
    "": ReviewChannel.device, "device": ReviewChannel.device, "评价器": ReviewChannel.device,
    "窗口评价器": ReviewChannel.device, "窗口": ReviewChannel.device, "qr": ReviewChannel.qr,
    "二维码": ReviewChannel.qr, "扫码": ReviewChannel.qr, "online": ReviewChannel.online,
    "网上": ReviewChannel.online, "网站": ReviewChannel.online, "app": ReviewChannel.online,
    "移动端": ReviewChannel.online, "phone": ReviewChannel.phone, "电话": ReviewChannel.phone,
    "电话回访": ReviewChannel.phone, "短信": ReviewChannel.phone,
}
YES_NO = {"": False, "是": True, "实名": True, "yes": True, "y": True, "true": True, "1": True,
          "否": False, "匿名": False, "no": False, "n": False, "false": False, "0": False}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def parse_time(text: str, tz: str) -> datetime | None:
    """A platform time: ISO 8601 with an offset, or local wall time in the centre's zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
        for fmt in TIME_FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


def _same(review: Review, data: ReviewData, staff: Staff) -> bool:
    return (review.staff_id == staff.id and review.level == data.level
            and review.at == data.at and review.channel is data.channel
            and review.real_name == data.real_name)


def _parse_row(number, row, report, centre, staff_by_no, windows) -> tuple | None:
    before = len(report.errors)
    external_id = row["external_id"]
    if not external_id or len(external_id) > 64:
        report.error(number, "external_id", _("The review id is empty or too long."))
    staff = staff_by_no.get(row["staff_no"])
    if staff is None:
        report.error(number, "staff_no", _("Unknown staff number %(no)s.", no=row["staff_no"]))
    window = None
    if row.get("window_code"):
        window = windows.get(row["window_code"])
        if window is None:
            report.error(number, "window_code",
                         _("Unknown window %(code)s.", code=row["window_code"]))
    at = parse_time(row["at"], centre.timezone)
    if at is None:
        report.error(number, "at", _("Not a time: “%(value)s” (e.g. 2026-03-02 09:15).",
                                     value=row["at"]))
    level = LEVEL_WORDS.get(row["level"])
    if level is None:
        report.error(number, "level", _("The level must be 1–5 or 非常满意 … 非常不满意, not "
                                        "“%(value)s”.", value=row["level"]))
    channel = CHANNEL_WORDS.get(row.get("channel", "").lower())
    if channel is None:
        report.error(number, "channel", _("Unknown channel “%(value)s”.", value=row["channel"]))
    real_name = YES_NO.get(row.get("real_name", "").lower())
    if real_name is None:
        report.error(number, "real_name", _("Real name must be 是 or 否, not “%(value)s”.",
                                            value=row["real_name"]))
    for field, limit in (("citizen_name", 100), ("contact", 100), ("comment", 2000)):
        if len(row.get(field, "")) > limit:
            report.error(number, field, _("Longer than %(n)s characters.", n=limit))
    if len(report.errors) > before:
        return None
    data = ReviewData(staff_no=staff.staff_no, at=at, level=level, channel=channel,
                      real_name=real_name, window_code=window.code if window else None,
                      comment=row.get("comment", ""), citizen_name=row.get("citizen_name"),
                      citizen_contact=row.get("contact"), external_id=external_id)
    return data, staff, window


def import_reviews(user, centre_id: int, filename: str, data: bytes) -> ImportReport:
    """Load the platform export into a centre; a report with errors means nothing was
    written (the caller rolls back). Raises ``ImportFileError`` for an unreadable file."""
    if not (user.is_manager and user.in_centre(centre_id)):
        raise Forbidden(_("Only HR imports reviews."))
    centre = db.session.get(Centre, centre_id)
    report = ImportReport()
    staff_by_no = {s.staff_no: s for s in db.session.scalars(
        sa.select(Staff).where(Staff.centre_id == centre_id))}
    windows = {w.code: w for w in db.session.scalars(
        sa.select(Window).where(Window.centre_id == centre_id))}
    existing = {r.external_id: r for r in db.session.scalars(sa.select(Review).where(
        Review.centre_id == centre_id, Review.external_id.is_not(None)))}
    seen: dict[str, int] = {}
    new: list[tuple[ReviewData, Staff, Window | None]] = []
    for number, row in read_table(filename, data, COLUMNS):
        report.rows += 1
        key = row["external_id"]
        if key and key in seen:
            report.error(number, "external_id", _("Review id %(id)s already appears in row "
                                                  "%(row)d.", id=key, row=seen[key]))
        elif key:
            seen[key] = number
        parsed = _parse_row(number, row, report, centre, staff_by_no, windows)
        if parsed is None or seen.get(key) != number:
            continue
        review_data, staff, window = parsed
        stored = existing.get(key)
        if stored is None:
            new.append(parsed)
        elif _same(stored, review_data, staff):
            report.unchanged += 1
        else:
            report.error(number, "external_id", _("Review id %(id)s was imported before with "
                                                  "other content.", id=key))
    if report.rows == 0:
        report.error(1, "file", _("The file holds no rows below its header."))
    if not report.ok:
        return report
    _write(user, centre, new, report)
    log_event("import", "review", None, centre_id=centre_id, after={
        "file": filename, "sha256": hashlib.sha256(data).hexdigest(), "rows": report.rows,
        "created": report.created, "unchanged": report.unchanged})
    return report


def _write(user, centre: Centre, rows, report: ImportReport) -> None:
    user_id, _actor = current_actor()
    now = utcnow()
    good: list[dict] = []
    for review_data, staff, window in rows:
        day = local_date(review_data.at, centre.timezone)
        report.created += 1
        if is_bad(centre.id, day, review_data.level):
            create_review(user, review_data, staff=staff, window=window)
            continue
        good.append({
            "centre_id": centre.id, "staff_id": staff.id,
            "window_id": window.id if window else staff.window_id,
            "department_id": staff.department_id, "at": review_data.at, "day": day,
            "level": review_data.level, "bad": False, "channel": review_data.channel,
            "real_name": review_data.real_name,
            "citizen_name": (review_data.citizen_name or None) if review_data.real_name
            else None,
            "citizen_contact": (review_data.citizen_contact or None)
            if review_data.real_name else None,
            "comment": review_data.comment or "", "external_id": review_data.external_id,
            "excluded": False, "recorded_by_id": user_id, "created_at": now, "updated_at": now})
    for start in range(0, len(good), CHUNK):
        db.session.execute(sa.insert(Review), good[start:start + CHUNK])
    db.session.flush()
