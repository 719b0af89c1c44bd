"""Checklist templates in the database: seeded from the files, every edit a new version, past
inspections keeping theirs; the editor pages for HR and admin; the API."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from compliance.audit import AuditEntry
from compliance.errors import Conflict, Invalid
from compliance.extensions import db
from inspections import template_store
from inspections.models import ChecklistTemplate, Inspection
from inspections.operations import finding_item
from tests.conftest import api_token, csrf_token, login

from .helpers import TEMPLATES, body, submit


def versions(centre_id, code="staff_conduct"):
    return [t.version for t in template_store.versions(centre_id, code)]


def test_templates_are_seeded_once_per_centre_from_the_files(app_ctx, world):
    assert template_store.ensure_default_templates(world.a.id) == 3
    assert template_store.ensure_default_templates(world.a.id) == 0
    db.session.commit()
    current = template_store.current_templates(world.a.id)
    assert [t.code for t in current] == ["staff_conduct", "window_desk", "help_area"]
    assert all(t.version == 1 for t in current)
    assert current[0].catalogue == TEMPLATES["staff_conduct"]
    assert template_store.current_templates(world.b.id) == []  # not yet needed there
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "checklist_template")) == 3


def test_an_edit_is_a_new_version_and_past_inspections_keep_theirs(client, world):
    inspector = api_token(client, "inspector")
    old = submit(client, inspector, fail=("posture.sit",)).get_json()
    current = template_store.current_template(world.a.id, "staff_conduct")
    template_store.edit_item(current, "posture.sit", {"points": 4, "severity": "major"},
                             "坐姿问题多发,加重扣分", base_version=1)
    db.session.commit()
    assert versions(world.a.id) == [2, 1]
    new = submit(client, inspector, fail=("posture.sit",)).get_json()
    assert (old["score"], new["score"]) == (99, 96)
    assert (old["template_version"], new["template_version"]) == (1, 2)
    assert db.session.get(Inspection, old["id"]).template.item("posture.sit").points == 1
    # A draft started on version 1 can still be sent against it (template_version).
    late = client.post("/api/v1/inspections", headers=inspector,
                       json=body(fail=("posture.sit",), template_version=1)).get_json()
    assert late["score"] == 99 and late["template_version"] == 1
    # A finding made elsewhere (a camera review) uses the current version's item.
    item = finding_item(world.a.id, "posture.sit")
    assert (item.points, item.severity.value, item.text_zh) == (
        4, "major", TEMPLATES["staff_conduct"].item("posture.sit").text_zh)


def test_finding_item_knows_every_current_item_and_names_an_unknown_one(app_ctx, world):
    absent = finding_item(world.a.id, "ten_prohibitions.01")
    assert absent.text_zh == "不准无故离岗、随意串岗" and absent.ten_prohibitions
    assert absent.disqualifier == "unapproved_absence" and absent.points == 5
    assert finding_item(world.a.id, "desk.screen.right_angle").category
    with pytest.raises(Invalid) as raised:
        finding_item(world.a.id, "ten_prohibitions.99")
    assert "ten_prohibitions.99" in str(raised.value.message)
    assert "ten_prohibitions.99" in str(raised.value.fields["item"])


def test_edits_that_the_rules_refuse(app_ctx, world):
    template_store.ensure_default_templates(world.a.id)
    current = template_store.current_template(world.a.id, "staff_conduct")
    with pytest.raises(Invalid) as raised:
        template_store.edit_item(current, "posture.sit", {"disqualifier": "bribery",
                                                          "bars_annual": False}, "x")
    assert "bars_annual" in raised.value.fields
    with pytest.raises(Invalid) as raised:
        template_store.edit_item(current, "posture.sit", {"points": 1}, "nothing really")
    assert not raised.value.fields  # the document as a whole is unchanged
    with pytest.raises(Invalid) as raised:
        template_store.edit_item(current, "posture.sit", {"points": 2}, "  ")
    assert "note" in raised.value.fields
    with pytest.raises(Invalid) as raised:
        template_store.add_item(current, "behaviour", "behaviour.farewell", {}, "dup")
    assert "code" in raised.value.fields
    with pytest.raises(Invalid) as raised:
        template_store.edit_item(current, "no.such", {"points": 2}, "x")
    assert "item" in raised.value.fields
    with pytest.raises(Conflict):
        template_store.edit_item(current, "posture.sit", {"points": 2}, "x", base_version=0)
    assert versions(world.a.id) == [1]


def _form(client, path, **fields):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, **fields})


ITEM_FIELDS = {
    "text_zh": "窗口工作人员应保持桌面整洁", "text_en": "Keep the desk tidy.", "points": "2",
    "severity": "minor", "applies_to": "any", "category": "behaviour", "source": "中心通知2026-3",
    "disqualifier": "", "note": "中心新规",
}


def test_the_editor_pages(client, world):
    login(client, "hr_a")
    page = client.get("/inspections/templates/staff_conduct")
    assert page.status_code == 200 and "不准吃拿卡要、违规操作" in page.get_data(as_text=True)
    edit = "/inspections/templates/staff_conduct/items/ten_prohibitions.03"
    form = client.get(edit).get_data(as_text=True)
    assert "不准随手乱扔、行为粗俗" in form
    fields = dict(ITEM_FIELDS, text_zh="不准随手乱扔、行为粗俗", points="6",
                  severity="major", category="ten_prohibitions", bars_quarterly="y",
                  source="seed 004 第九条二（九）", note="加重", base_version="1")
    saved = _form(client, edit, **fields)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    assert versions(world.a.id) == [2, 1]
    assert template_store.current_template(world.a.id, "staff_conduct") \
        .item("ten_prohibitions.03").points == 6
    # The form from version 1, sent again after version 2 exists: refused, nothing stored.
    stale = _form(client, edit, **dict(fields, points="7"))
    assert stale.status_code == 200 and versions(world.a.id) == [2, 1]
    # A new item at the end of a section.
    added = _form(client, "/inspections/templates/staff_conduct/sections/behaviour/new",
                  code="behaviour.desk_tidy", base_version="2", **ITEM_FIELDS)
    assert added.status_code == 302
    current = template_store.current_template(world.a.id, "staff_conduct")
    assert current.version == 3 and current.item("behaviour.desk_tidy").points == 2
    # Removing an item, then restoring the shipped text.
    removed = _form(client, "/inspections/templates/staff_conduct/items/posture.walk/remove",
                    **{"remove-note": "并入其他条目", "remove-base_version": "3"})
    assert removed.status_code == 302
    assert template_store.current_template(world.a.id, "staff_conduct") \
        .item("posture.walk") is None
    restored = _form(client, "/inspections/templates/staff_conduct/restore",
                     **{"restore-note": "恢复标准文本"})
    assert restored.status_code == 302
    current = template_store.current_template(world.a.id, "staff_conduct")
    assert current.version == 5 and current.catalogue == \
        TEMPLATES["staff_conduct"].__class__(**{**TEMPLATES["staff_conduct"].__dict__,
                                                "version": 5})
    history = client.get("/inspections/templates/staff_conduct").get_data(as_text=True)
    assert all(note in history for note in ("加重", "中心新规", "并入其他条目", "恢复标准文本"))
    old = client.get("/inspections/templates/staff_conduct?version=1").get_data(as_text=True)
    assert "behaviour.desk_tidy" not in old and not re.search(r"/items/[a-z_.0-9]+\"", old)


def test_the_editor_refuses_bad_input_and_changes_nothing(client, world):
    login(client, "admin_a")
    edit = "/inspections/templates/staff_conduct/items/posture.sit"
    client.get(edit)
    for bad in ({"points": "-1"}, {"points": "abc"}, {"severity": "fatal"},
                {"category": "Has Spaces"}, {"note": ""}, {"text_zh": ""},
                {"disqualifier": "jaywalking"}):
        response = _form(client, edit, **dict(ITEM_FIELDS, base_version="1", **bad))
        assert response.status_code == 200, bad
        assert "has-error" in response.get_data(as_text=True), bad
    new = "/inspections/templates/staff_conduct/sections/behaviour/new"
    for code in ("Bad Code", "behaviour.farewell", "single"):
        response = _form(client, new, code=code, base_version="1", **ITEM_FIELDS)
        assert response.status_code == 200, code
    assert versions(world.a.id) == [1]


def test_templates_over_the_api(client, world):
    inspector = api_token(client, "inspector")
    listed = client.get("/api/v1/inspection-templates", headers=inspector).get_json()["items"]
    assert [t["code"] for t in listed] == ["staff_conduct", "window_desk", "help_area"]
    staff = listed[0]
    assert staff["version"] == 1 and staff["title"] == "窗口人员服务规范巡查"
    first = staff["items"][0]
    assert set(first) >= {"code", "section", "text", "points", "severity", "applies_to"}
    assert first == {**first, "code": "grooming.f.makeup", "text": "女士持淡妆上岗",
                     "applies_to": "F", "severity": "minor", "points": 1}
    hr = api_token(client, "hr_a")
    document = client.get("/api/v1/inspection-templates/window_desk", headers=hr).get_json()
    assert document["version"] == 1
    doc = template_store.current_template(world.a.id, "window_desk").document
    changed = {**doc, "title_zh": "窗口办公环境巡查(2026版)"}
    response = client.put("/api/v1/inspection-templates/window_desk", headers=hr,
                          json={"document": changed, "note": "更名"})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    refused = client.put("/api/v1/inspection-templates/window_desk", headers=inspector,
                         json={"document": changed, "note": "x"})
    assert refused.status_code == 403
    broken = {**doc, "sections": [{"code": "x", "title_zh": "x", "title_en": "x",
                                   "items": [{"code": "bad"}]}]}
    response = client.put("/api/v1/inspection-templates/window_desk", headers=hr,
                          json={"document": broken, "note": "x"})
    assert response.status_code == 400 and "bad" in response.get_json()["error"]["message"]
    old = client.get("/api/v1/inspection-templates/window_desk?version=1", headers=hr)
    assert old.get_json()["title"] == "窗口办公环境巡查"
    assert client.get("/api/v1/inspection-templates/nope", headers=hr).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistTemplate)) == 4
