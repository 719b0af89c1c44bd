"""Time clock files (device_import.py and its page): layouts, encodings, header detection,
mapping by time clock number and staff number, de-duplication, re-import, all-or-nothing
errors naming row and field, and who may load and see the loads."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from compliance.attendance.device_import import import_device_file
from compliance.attendance.models import Punch, PunchBatch, SessionRecord
from compliance.extensions import db
from compliance.importing import ImportFileError

from tests.conftest import login

from .helpers import DAY, local, records, roster

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)


def _load(world, text, encoding="utf-8", filename="punches.csv"):
    data = text.encode(encoding) if isinstance(text, str) else text
    report = import_device_file(world.a.id, filename, data, now=NOW)
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return report


def _punches(person=None):
    stmt = sa.select(Punch.at).order_by(Punch.at)
    if person is not None:
        stmt = stmt.where(Punch.staff_id == person.id)
    return list(db.session.scalars(stmt))


ZK = ("考勤记录表\n"
      "部门,人员编号,姓名,打卡时间,机器号\n"
      "综合受理科,101,张丽,2026-03-02 08:50:10,1\n"
      "综合受理科,101,张丽,2026-03-02 08:50:40,1\n"  # a double read: dropped
      "综合受理科,S2,王强,2026/3/2 12:01,2\n"
      "综合受理科,101,张丽,2026-03-02 12:02:00,1\n")


@pytest.fixture
def mapped(world):
    world.alice.device_user_id = "101"
    db.session.commit()
    return world


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_zkteco_export_in_each_encoding_with_a_title_line(mapped, encoding):
    roster(mapped.alice)
    report = _load(mapped, ZK, encoding)
    assert report.ok and (report.rows, report.created, report.duplicates, report.days) == (
        4, 3, 1, 2)
    assert _punches(mapped.alice) == [local(DAY, 8, 50, 10), local(DAY, 12, 2)]
    assert _punches(mapped.bob) == [local(DAY, 12, 1)]  # matched on the staff number
    am = records(mapped.alice)["am"]
    assert (am.clock_in, am.clock_out, am.status.value) == (
        local(DAY, 8, 50, 10), local(DAY, 12, 2), "normal")
    assert records(mapped.bob)["am"].status.value == "off"  # not rostered: its day recomputed
    batch = db.session.scalars(sa.select(PunchBatch)).one()
    assert (batch.rows, batch.created, batch.duplicates, batch.days) == (4, 3, 1, 2)
    assert {p.batch_id for p in db.session.scalars(sa.select(Punch))} == {batch.id}
    assert db.session.scalar(sa.select(Punch.device).where(Punch.staff_id == mapped.bob.id)) \
        == "2"


def test_separate_date_and_time_columns_and_excel(mapped):
    book = Workbook()
    sheet = book.active
    sheet.append(["考勤号码", "姓名", "日期", "时间", "设备"])
    sheet.append(["101", "张丽", datetime(2026, 3, 2).date(), "08:51:00", "大厅"])
    sheet.append([101, "张丽", "2026-03-02", datetime(2026, 3, 2, 17, 40).time(), "大厅"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = _load(mapped, buffer.getvalue(), filename="zk.xlsx")
    assert report.ok and report.created == 2
    assert _punches(mapped.alice) == [local(DAY, 8, 51), local(DAY, 17, 40)]


def test_plain_staff_no_file_with_offsets_and_excel_datetimes(world):
    report = _load(world, "staff_no,at,device\nS1,2026-03-02T00:50:00Z,web-1\n"
                          "S3,2026-03-02 09:10:00+08:00,\n")
    assert report.ok and report.created == 2
    assert _punches(world.alice) == [local(DAY, 8, 50)]
    assert _punches(world.carol) == [local(DAY, 9, 10)]


def test_reimport_adds_nothing_and_overlapping_file_adds_only_new(mapped):
    assert _load(mapped, ZK).created == 3
    again = _load(mapped, ZK)
    assert again.already_imported and again.created == 0
    overlapping = ZK + "综合受理科,101,张丽,2026-03-02 17:40:00,1\n"
    report = _load(mapped, overlapping)
    assert (report.created, report.duplicates, report.days) == (1, 4, 1)
    assert len(_punches()) == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PunchBatch)) == 2


@pytest.mark.parametrize("line, field, words", [
    ("综合受理科,999,某人,2026-03-02 08:50:00,1", "person", "999"),
    ("综合受理科,101,张丽,2026-02-30 08:50:00,1", "at", "2026-02-30"),
    ("综合受理科,101,张丽,2026-03-02 25:50:00,1", "at", "25:50"),
    ("综合受理科,101,张丽,yesterday,1", "at", "yesterday"),
    ("综合受理科,101,张丽,2027-03-02 08:50:00,1", "at", "2027-03-02"),
    ("综合受理科,S9,赵军,2026-03-02 08:50:00,1", "person", "S9"),  # another centre's person
])
def test_every_bad_row_is_named_and_nothing_is_stored(mapped, line, field, words):
    report = _load(mapped, ZK + line + "\n")
    assert not report.ok
    assert [(e.row, e.field) for e in report.errors] == [(7, field)]
    assert words in report.errors[0].message
    assert _punches() == [] and db.session.scalars(sa.select(PunchBatch)).all() == []
    assert db.session.scalars(sa.select(SessionRecord)).all() == []


def test_unreadable_files_are_refused(world):
    with pytest.raises(ImportFileError):
        import_device_file(world.a.id, "x.csv", "名字,备注\n张丽,无\n".encode(), now=NOW)
    with pytest.raises(ImportFileError):
        import_device_file(world.a.id, "x.xlsx", b"not a workbook", now=NOW)
    with pytest.raises(ImportFileError):
        import_device_file(world.a.id, "x.csv", b"", now=NOW)


def test_staff_import_sets_the_time_clock_number(world, client):
    from compliance.org.operations import import_staff

    text = ("工号,姓名,性别,部门编码,用工类型,考勤号码\n"
            "S1,张丽,女,ZH,direct,7\nS2,王强,男,ZH,direct,7\n")
    report = import_staff(world.a.id, "s.csv", text.encode())
    assert [(e.row, e.field) for e in report.errors] == [(3, "device_user_id")]
    db.session.rollback()
    report = import_staff(world.a.id, "s.csv", text.replace(",7\nS2", ",8\nS2").encode())
    assert report.ok
    db.session.commit()
    assert (world.alice.device_user_id, world.bob.device_user_id) == ("8", "7")


# --- the page ---------------------------------------------------------------------------

def _token(client):
    page = client.get("/attendance/device-files")
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)


def _upload(client, text, name="zk.csv"):
    return client.post("/attendance/device-files", data={
        "csrf_token": _token(client).decode(),
        "file": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data")


def test_page_loads_a_file_reports_counts_and_lists_batches(mapped, client, monkeypatch):
    import compliance.attendance.pages_import as pages

    monkeypatch.setattr(pages, "utcnow", lambda: NOW)
    login(client, "hr_a")
    response = _upload(client, ZK)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "zk.csv" in body and len(_punches()) == 3
    batch = db.session.scalars(sa.select(PunchBatch)).one()
    assert batch.created_by_id == mapped.users.hr.id
    detail = client.get(f"/attendance/device-files/{batch.id}")
    assert detail.status_code == 200 and "张丽" in detail.get_data(as_text=True)
    bad = _upload(client, ZK + "综合受理科,999,某人,2026-03-02 08:50:00,1\n", "bad.csv")
    assert bad.status_code == 400 and "999" in bad.get_data(as_text=True)
    assert len(_punches()) == 3
    wrong_type = _upload(client, "x", "punches.pdf")
    assert wrong_type.status_code == 400


@pytest.mark.parametrize("user", ["staff_alice", "inspector", "lead_sw"])
def test_page_is_refused_to_staff_inspectors_and_leads(mapped, client, user):
    login(client, user)
    assert client.get("/attendance/device-files").status_code == 403


def test_hr_of_another_centre_cannot_see_a_batch(mapped, client):
    report = _load(mapped, ZK)
    login(client, "hr_b")
    assert client.get(f"/attendance/device-files/{report.batch_id}").status_code in (403, 404)
    listing = client.get("/attendance/device-files")
    assert listing.status_code == 200 and "punches.csv" not in listing.get_data(as_text=True)
