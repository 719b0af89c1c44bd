"""Monthly case figures (工作业绩) by API and by file import: every entry checked before
anything is written, a per-row report, and a re-import that changes nothing."""
from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
import time_machine
from openpyxl import Workbook

from compliance.audit import AuditEntry
from compliance.extensions import db
from compliance.scoring.figures import parse_month
from compliance.scoring.models import CaseFigure
from tests.conftest import api_token, csrf_token, login

NOW = "2026-04-10T02:00:00+00:00"


def figures():
    return {(f.staff.staff_no, f.month): (f.handled, f.on_time, f.on_spot)
            for f in db.session.scalars(sa.select(CaseFigure))}


def audit_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def entry(staff_no, handled=10, on_time=9, on_spot=3):
    return {"staff_no": staff_no, "cases_handled": handled, "cases_on_time": on_time,
            "cases_on_spot": on_spot}


def test_month_words():
    assert parse_month("2026-03") == parse_month("2026/3") == parse_month("2026年3月") == \
        parse_month("2026-03-15") == date(2026, 3, 1)
    assert parse_month(date(2026, 3, 9)) == date(2026, 3, 1)
    assert parse_month("2026-13") is None and parse_month("三月") is None


@time_machine.travel(NOW, tick=False)
def test_put_upserts_and_the_same_figures_change_nothing(client, world):
    hr = api_token(client, "hr_a")
    body = {"month": "2026-03", "entries": [entry("S1"), entry("S3", 20, 20, 0)]}
    response = client.put("/api/v1/performance", json=body, headers=hr)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"upserted": 2, "created": 2, "updated": 0, "unchanged": 0}
    entries = audit_count()
    again = client.put("/api/v1/performance", json=body, headers=hr).get_json()
    assert again == {"upserted": 2, "created": 0, "updated": 0, "unchanged": 2}
    assert audit_count() == entries
    body["entries"][0] = entry("S1", 12, 11)
    assert client.put("/api/v1/performance", json=body, headers=hr).get_json()["updated"] == 1
    assert figures()[("S1", date(2026, 3, 1))] == (12, 11, 3)
    listed = client.get("/api/v1/performance?month=2026-03", headers=hr).get_json()["items"]
    assert [(i["staff_no"], i["on_time_rate"]) for i in listed] == [("S1", 91.7), ("S3", 100.0)]


@time_machine.travel(NOW, tick=False)
def test_bad_entries_are_named_and_nothing_is_stored(client, world):
    hr = api_token(client, "hr_a")
    body = {"month": "2026-03", "entries": [
        entry("S1"), entry("NOPE"), entry("S2", 5, 6), entry("S3", 5, 5, 9), entry("S1"),
        entry("S9")]}  # S9 is centre B's
    response = client.put("/api/v1/performance", json=body, headers=hr)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"entries.1.staff_no", "entries.2.cases_on_time",
                           "entries.3.cases_on_spot", "entries.4.staff_no",
                           "entries.5.staff_no"}
    assert "不能超过" in fields["entries.2.cases_on_time"]  # Chinese by default
    assert figures() == {}
    for bad in ({"month": "2026-05", "entries": [entry("S1")]},  # not begun
                {"month": "2026-3", "entries": [entry("S1")]},
                {"month": "2026-03", "entries": []},
                {"month": "2026-03", "entries": [entry("S1", -1, 0)]},
                {"month": "2026-03", "entries": [{**entry("S1"), "cases_handled": "10"}]}):
        response = client.put("/api/v1/performance", json=bad, headers=hr)
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["fields"], bad
    assert figures() == {}


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@time_machine.travel(NOW, tick=False)
def test_import_excel_all_or_nothing_and_reimport_changes_nothing(client, world):
    hr = api_token(client, "hr_a")
    good = _xlsx([["工号", "月份", "办件量", "按时办结", "即办件"],
                  ["S1", "2026-02", 30, 28, 10], ["S2", "2026年3月", 12, 12, None],
                  ["S3", date(2026, 3, 1), 8, 7, 1]])
    response = client.post("/api/v1/performance/import", headers=hr,
                           data={"file": (io.BytesIO(good), "业绩.xlsx")})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["created"], response.get_json()["rows"]) == (3, 3)
    assert figures()[("S2", date(2026, 3, 1))] == (12, 12, 0)
    entries = audit_count()
    again = client.post("/api/v1/performance/import", headers=hr,
                        data={"file": (io.BytesIO(good), "业绩.xlsx")}).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert audit_count() == entries
    bad = _xlsx([["工号", "月份", "办件量", "按时办结"], ["S1", "2026-01", 5, 5],
                 ["S2", "2026-01", 5, 7], ["NOPE", "2026-01", 1, 1], ["S3", "", 1, 1],
                 ["S1", "2026-01", 5, 4]])
    response = client.post("/api/v1/performance/import", headers=hr,
                           data={"file": (io.BytesIO(bad), "bad.xlsx")})
    assert response.status_code == 400
    errors = {(e["row"], e["field"]) for e in response.get_json()["report"]["errors"]}
    assert errors == {(3, "on_time"), (4, "staff_no"), (5, "month"), (6, "staff_no")}
    assert ("S1", date(2026, 1, 1)) not in figures()  # the good row was not stored either


@time_machine.travel(NOW, tick=False)
def test_import_csv_in_gb18030_with_the_month_given_on_the_page(client, world):
    login(client, "hr_a")
    token = csrf_token(client, "/performance/import")
    text = "工号,办件量,按时办结,即办件\nS1,20,19,5\nS3,4,4,\n".encode("gb18030")
    response = client.post("/performance/import", data={
        "csrf_token": token, "month": "2026-03", "file": (io.BytesIO(text), "三月.csv")})
    assert response.status_code == 200
    assert figures() == {("S1", date(2026, 3, 1)): (20, 19, 5), ("S3", date(2026, 3, 1)): (4, 4, 0)}
    page = client.get("/performance?month=2026-03").get_data(as_text=True)
    assert "张丽" in page and "95.0%" in page
    missing_month = client.post("/performance/import", data={
        "csrf_token": token, "file": (io.BytesIO(text), "三月.csv")})
    assert missing_month.status_code == 400
