"""Complainants' and reviewers' names and contacts: in full for HR and admin, masked for
every other role that may see the case, in pages and the API (one function)."""
import pytest

from compliance.cases.masking import citizen_for, mask_contact, mask_name
from tests.conftest import api_token, login

from .helpers import complaint, review


@pytest.mark.parametrize("raw, masked", [
    ("13812345678", "138****5678"), ("+86 138-1234-5678", "138****5678"),
    ("010-12345678", "010****5678"), ("8123456", "***3456"),
    ("wang@example.com", "w***@example.com"), ("微信号abc", "微****c"), ("", ""), (None, None)])
def test_mask_contact(raw, masked):
    assert mask_contact(raw) == masked


@pytest.mark.parametrize("raw, masked", [("张三丰", "张**"), ("李四", "李*"), ("王", "王*"),
                                         ("欧阳娜娜", "欧***"), (None, None)])
def test_mask_name(raw, masked):
    assert mask_name(raw) == masked


# staff_carol is the person complained about; lead_sw leads her unit.
ROLES = [("staff_carol", False), ("lead_sw", False), ("hr_a", True), ("admin_a", True),
         ("root", True)]


@pytest.mark.parametrize("username, full", ROLES)
def test_complaint_api_masks_for_every_role_but_hr_and_admin(client, world, username, full):
    made = complaint(world, complainant="张三丰", contact="13812345678")
    headers = api_token(client, username)
    body = client.get(f"/api/v1/complaints/{made.id}", headers=headers).get_json()
    listed = client.get("/api/v1/complaints", headers=headers).get_json()["items"]
    expected = ("张三丰", "13812345678") if full else ("张**", "138****5678")
    assert (body["complainant"], body["contact"]) == expected
    assert [(c["complainant"], c["contact"]) for c in listed] == [expected]


@pytest.mark.parametrize("username, full", ROLES)
def test_complaint_page_masks_for_every_role_but_hr_and_admin(client, world, username, full):
    made = complaint(world, complainant="张三丰", contact="13812345678")
    login(client, username)
    page = client.get(f"/cases/complaints/{made.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ("13812345678" in text) is full and ("张三丰" in text) is full
    assert ("138****5678" in text) is not full and ("张**" in text) is not full


@pytest.mark.parametrize("username, full", ROLES)
def test_reviewer_masked_in_api_and_pages(client, world, username, full):
    made = review(world, level=1, name="李小四", contact="13900001111")
    body = client.get(f"/api/v1/cases/{made.case.id}",
                      headers=api_token(client, username)).get_json()
    expected = ("李小四", "13900001111") if full else ("李**", "139****1111")
    assert (body["review"]["citizen_name"], body["review"]["contact"]) == expected
    login(client, username)
    for path in (f"/cases/reviews/{made.case.id}", "/reviews?from=2026-02-01&to=2026-02-28"):
        text = client.get(path).get_data(as_text=True)
        assert ("13900001111" in text) is full, path
        assert ("139****1111" in text) is not full, path


def test_the_one_function_by_role(app_ctx, world):
    users = world.users
    for user, full in ((users.staff, False), (users.staff_carol, False),
                       (users.inspector, False), (users.unit_lead, False), (users.hr, True),
                       (users.admin, True), (users.superadmin, True)):
        assert citizen_for(user, "张三丰", "13812345678") == (
            ("张三丰", "13812345678") if full else ("张**", "138****5678")), user.username
    assert citizen_for(None, "张三丰", "13812345678") == ("张**", "138****5678")
