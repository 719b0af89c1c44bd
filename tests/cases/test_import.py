"""Import of the review platform's Excel export: all or nothing with a per-row report, bad
reviews open their cases, and importing the same file again changes nothing."""
import io
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook

from compliance.audit import AuditEntry
from compliance.cases.models import Review, ReviewCase
from compliance.extensions import db
from tests.conftest import api_token, csrf_token, login

HEADER = ["评价编号", "工号", "窗口编号", "评价时间", "评价等级", "评价渠道", "是否实名",
          "评价人", "联系电话", "评价内容"]
ROWS = [
    ["P-1001", "S1", "A01", "2026-02-13 09:15:00", "非常满意", "评价器", "否", "", "", ""],
    ["P-1002", "S2", "", "2026-02-13 10:20", 4, "二维码", "否", "", "", "很快"],
    ["P-1003", "S3", "D01", "2026-02-13 11:00", "非常不满意", "网上", "是", "王五",
     "13700001234", "让我跑了三趟"],
]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _post(client, headers, data):
    return client.post("/api/v1/reviews/import", headers=headers, data={
        "file": (io.BytesIO(data), "reviews.xlsx")}, content_type="multipart/form-data")


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_and_reimport(client, world):
    hr = api_token(client, "hr_a")
    response = _post(client, hr, _xlsx(ROWS))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 3
    assert (_count(Review), _count(ReviewCase)) == (3, 1)
    bad = db.session.scalars(sa.select(Review).where(Review.bad)).one()
    assert bad.external_id == "P-1003" and bad.real_name and bad.citizen_contact == "13700001234"
    assert bad.case.contact_due == date(2026, 2, 14)
    good = db.session.scalars(sa.select(Review).where(Review.external_id == "P-1002")).one()
    assert good.level == 4 and good.window_id == world.win1.id  # the person's own window
    assert good.at.isoformat() == "2026-02-13T02:20:00+00:00"  # local time in the centre
    assert db.session.scalar(sa.select(AuditEntry.id).where(
        AuditEntry.entity == "review", AuditEntry.action == "import")) is not None
    again = _post(client, hr, _xlsx(ROWS))
    assert again.status_code == 200
    assert (again.get_json()["created"], again.get_json()["unchanged"]) == (0, 3)
    assert (_count(Review), _count(ReviewCase)) == (3, 1)


def test_a_bad_row_imports_nothing(client, world):
    rows = ROWS + [["P-1004", "NOPE", "", "2026-02-13 12:00", 6, "信鸽", "也许", "", "", ""],
                   ["P-1001", "S1", "", "yesterday", 5, "", "", "", "", ""]]
    response = _post(client, api_token(client, "hr_a"), _xlsx(rows))
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    for key in ("row 5.staff_no", "row 5.level", "row 5.channel", "row 5.real_name",
                "row 6.at", "row 6.external_id"):
        assert key in fields, fields
    assert (_count(Review), _count(ReviewCase)) == (0, 0)


def test_changed_row_for_a_known_id_is_refused(client, world):
    hr = api_token(client, "hr_a")
    _post(client, hr, _xlsx(ROWS[:1]))
    changed = [ROWS[0][:4] + [1] + ROWS[0][5:]]
    response = _post(client, hr, _xlsx(changed))
    assert response.status_code == 400 and "row 2.external_id" in \
        response.get_json()["error"]["fields"]
    assert _count(ReviewCase) == 0


def test_import_page(client, world):
    login(client, "hr_a")
    token = csrf_token(client, "/reviews/import")
    response = client.post("/reviews/import", data={
        "csrf_token": token, "file": (io.BytesIO(_xlsx(ROWS)), "reviews.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert _count(Review) == 3
