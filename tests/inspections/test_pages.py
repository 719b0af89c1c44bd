"""The inspection pages without a browser: the person on duty filled in from the roster, the
checklist form posted without JavaScript (answers, notes and photos at once), the report, and
the link from a finding to its inspection."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
import time_machine

from compliance.attendance.roster import RosterLine, save_roster
from compliance.conduct.models import Evidence, Finding
from compliance.extensions import db
from inspections.models import Inspection
from tests.conftest import api_token, login

from .helpers import TEMPLATES, jpeg, photo, submit

DAY = date(2026, 3, 2)
TEN_AM = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def selected_person(html: str) -> str | None:
    match = re.search(r'<option value="([^"]*)" data-gender="[FM]" selected>', html)
    return match.group(1) if match else None


def test_the_person_on_duty_is_filled_in_from_the_roster(client, world):
    # Bob (S2) is rostered at A01 today although alice's own window is A01 too.
    save_roster(world.a.id, [RosterLine("S2", DAY, window_code="A01")])
    db.session.commit()
    with time_machine.travel(TEN_AM, tick=False):
        login(client, "inspector")
        page = client.get("/inspections/hall/A01").get_data(as_text=True)
        assert selected_person(page) == "S2"
        assert "王强" in page and "S2" in page
        # The other gender's items are hidden for him; every item stays in the page.
        assert re.search(r'id="item-grooming.f.makeup"[^>]*\s+hidden', page, re.S)
        assert not re.search(r'id="item-grooming.m.shaven"[^>]*\s+hidden', page, re.S)
        hall = client.get("/inspections/hall").get_data(as_text=True)
        assert re.search(r'data-window="A01".*?王强', hall, re.S)
        # Nobody rostered at D01 today: nothing pre-selected, the inspector chooses.
        assert selected_person(client.get("/inspections/hall/D01").get_data(as_text=True)) \
            is None


def _opened(client, path) -> dict:
    """The hidden fields of the form as the browser got it."""
    page = client.get(path).get_data(as_text=True)
    return {"csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', page).group(1),
            "started_at": re.search(r'name="started_at" value="([^"]+)"', page).group(1)}


def _post_form(client, path, answers, files=None, opened=None, **extra):
    data = {**(opened or _opened(client, path)), **extra}
    for code, (result, note) in answers.items():
        data[f"answer-{code}"] = result
        if note:
            data[f"note-{code}"] = note
    for name, content in (files or {}).items():
        data[name] = (io.BytesIO(content), "photo.jpg")
    return client.post(path, data=data, content_type="multipart/form-data")


def _all_pass(gender="F", **changes):
    from inspections.catalogue import items_for

    out = {i.code: ("pass", "") for i in items_for(TEMPLATES["staff_conduct"], gender)}
    out.update(changes)
    return out


def test_the_form_works_without_javascript(client, world):
    login(client, "inspector")
    path = "/inspections/hall/A01?template=staff_conduct"
    answers = _all_pass(**{"posture.sit": ("fail", "趴在桌上")})
    opened = _opened(client, path)
    response = _post_form(client, path, answers, {"photo-posture.sit": jpeg()}, opened,
                          staff_no="S1", client_id="form-0001-abcdef")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    inspection = db.session.scalars(sa.select(Inspection)).one()
    assert response.headers["Location"].endswith(f"/inspections/{inspection.id}")
    assert inspection.score == 99 and inspection.staff.staff_no == "S1"
    (finding,) = inspection.findings
    assert finding.note == "趴在桌上" and len(finding.evidence) == 1
    # The browser's back button and a second post of the same form: still one inspection.
    again = _post_form(client, path, answers, {"photo-posture.sit": jpeg()}, opened,
                       staff_no="S1", client_id="form-0001-abcdef")
    assert again.status_code == 302 and count(Inspection) == 1 and count(Evidence) == 1


def test_the_form_shows_what_is_missing_and_keeps_the_answers(client, world):
    login(client, "inspector")
    path = "/inspections/hall/A01"
    answers = _all_pass(**{"posture.sit": ("fail", "")})
    del answers["behaviour.farewell"]
    response = _post_form(client, path, answers, staff_no="S1", client_id="form-0002-abcdef")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and count(Inspection) == 0
    assert "behaviour.farewell" in page  # named as not answered
    assert re.search(r'class="item is-failed has-error" id="item-posture.sit"', page)
    assert 'name="answer-posture.sit" value="fail" checked' in page
    assert 'value="form-0002-abcdef"' in page  # the same client id: a resubmit dedupes
    # A bad photo is refused before anything is stored.
    answers = _all_pass(**{"posture.sit": ("fail", "趴在桌上")})
    bad = _post_form(client, path, answers, {"photo-posture.sit": b"not a picture"},
                     staff_no="S1", client_id="form-0003-abcdef")
    shown = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert re.search(r'class="item is-failed has-error" id="item-posture.sit"', shown)
    assert count(Inspection) == count(Finding) == count(Evidence) == 0


def test_the_report_prints_and_the_finding_links_back(client, world):
    inspector = api_token(client, "inspector")
    made = submit(client, inspector, fail=("ten_prohibitions.10",)).get_json()
    photo(client, inspector, made["id"], item="ten_prohibitions.10")
    login(client, "staff_alice")
    report = client.get(f"/inspections/{made['id']}").get_data(as_text=True)
    assert "不准吃拿卡要、违规操作" in report and "data-print" in report
    assert 'class="signatures"' in report and "inspect.css" in report
    assert re.search(r'<img src="/evidence/\d+/thumb"', report)
    finding = client.get(f"/findings/{made['findings'][0]['id']}").get_data(as_text=True)
    assert f'href="/inspections/{made["id"]}"' in finding
    css = client.get("/inspections/static/inspect.css").get_data(as_text=True)
    assert "@media print" in css and ".signatures" in css


@pytest.mark.parametrize("path", ["/inspections/hall/A01?template=nope",
                                  "/inspections/hall/A01?version=99",
                                  "/inspections/hall/A01?version=99999999999999",
                                  "/inspections/hall/D01?task=12345",
                                  "/inspections/hall/D01?task=99999999999999",
                                  "/inspections/templates/staff_conduct?version=9999999999999"])
def test_unknown_template_version_or_task_is_404(client, world, path):
    login(client, "inspector")
    assert client.get(path).status_code == 404
