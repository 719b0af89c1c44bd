"""Staff list import: all rows or none, a per-row report, and re-import changes nothing."""
import io

import sqlalchemy as sa
from openpyxl import Workbook

from compliance.audit import AuditEntry
from compliance.extensions import db
from compliance.org.models import Staff
from tests.conftest import api_token, csrf_token, login

HEADER = "工号,姓名,性别,部门编码,用工类型,窗口编码,在岗\n"
GOOD = HEADER + "S100,周敏,女,ZH,direct,A01,是\nS101,吴杰,M,SW,派驻,,\nS1,张丽丽,F,ZH,direct,A01,1\n"


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _post(client, headers, content: bytes, name="staff.csv"):
    return client.post("/api/v1/staff/import", headers=headers,
                       data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_csv_import_creates_updates_and_reimport_is_a_no_op(client, world):
    headers = api_token(client, "hr_a")
    response = _post(client, headers, GOOD.encode())
    assert response.status_code == 200, response.get_json()
    assert response.get_json() | {"errors": []} == {
        "rows": 3, "created": 2, "updated": 1, "unchanged": 0, "errors": []}
    assert db.session.scalar(sa.select(Staff.name).where(Staff.staff_no == "S1")) == "张丽丽"
    audit_count = _count(AuditEntry)
    again = _post(client, headers, GOOD.encode())
    assert again.get_json()["unchanged"] == 3 and again.get_json()["created"] == 0
    assert _count(AuditEntry) == audit_count  # nothing changed, nothing logged


def test_bad_rows_reject_the_whole_file_with_a_report(client, world):
    headers = api_token(client, "hr_a")
    before = (_count(Staff), _count(AuditEntry))
    content = (HEADER + "S200,甲,女,ZH,direct,,\n"       # good row: must not be loaded
               "S201,,X,NOPE,boss,Z99,maybe\n"
               "S200,乙,M,ZH,direct,,\n"
               "S9,丙,M,ZH,direct,,\n").encode()
    response = _post(client, headers, content)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == "import_rejected"
    errors = {(e["row"], e["field"]) for e in body["report"]["errors"]}
    assert errors == {(3, "name"), (3, "gender"), (3, "department_code"), (3, "employment"),
                      (3, "window_code"), (3, "active"), (4, "staff_no"), (5, "staff_no")}
    assert "第 2 行" in body["report"]["errors"][-2]["message"]  # Chinese by default
    assert (_count(Staff), _count(AuditEntry)) == before


def test_excel_import_and_gb18030_csv(client, world):
    headers = api_token(client, "hr_a")
    book = Workbook()
    sheet = book.active
    sheet.append(["staff_no", "name", "gender", "department_code", "employment"])
    sheet.append([3001, "钱多多", "F", "ZH", "agency"])  # a number cell, as Excel keeps it
    buffer = io.BytesIO()
    book.save(buffer)
    response = _post(client, headers, buffer.getvalue(), "list.xlsx")
    assert response.status_code == 200, response.get_json()
    assert db.session.scalar(sa.select(Staff.name).where(Staff.staff_no == "3001")) == "钱多多"
    gbk = (HEADER + "S300,孙悦,女,ZH,劳务派遣,,\n").encode("gb18030")
    assert _post(client, headers, gbk).status_code == 200


def test_unreadable_or_incomplete_files(client, world):
    headers = api_token(client, "hr_a")
    assert _post(client, headers, b"").status_code == 400
    missing = _post(client, headers, "工号,姓名\nS1,张\n".encode())
    assert missing.status_code == 400
    assert "性别" in missing.get_json()["error"]["message"]
    fake = _post(client, headers, b"PK\x03\x04 not a zip", "x.xlsx")
    assert fake.status_code == 400 and "Excel" in fake.get_json()["error"]["message"]


def test_import_page_shows_the_row_report(client, world):
    login(client, "hr_a")
    token = csrf_token(client, "/staff/import")
    content = (HEADER + "S400,,女,ZH,direct,,\n").encode()
    response = client.post("/staff/import", data={
        "csrf_token": token, "file": (io.BytesIO(content), "s.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "姓名为空" in page and "未导入任何数据" in page
    good = client.post("/staff/import", data={
        "csrf_token": token, "file": (io.BytesIO(GOOD.encode()), "s.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert good.status_code == 200 and "新增 2" in good.get_data(as_text=True)
