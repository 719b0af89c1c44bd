"""Bad input is refused, named field by field, in the caller's language, and changes nothing
(API.md: "Errors … 400 (bad input; `fields` names each bad field) … Bad input never changes
anything"). Also the page forms, their CSRF protection, and the login throttle."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from compliance.audit import AuditEntry
from compliance.auth.models import User
from compliance.extensions import db
from compliance.org.models import Department, Staff, Window
from tests.conftest import api_token, csrf_token, login

CJK = re.compile(r"[\u4e00-\u9fff]")

DEPT = {"code": "ND", "name": "新部门", "kind": "centre"}
WINDOW = {"code": "W9", "name": "新窗口", "zone": "window", "department_code": "ZH"}
STAFF = {"staff_no": "N1", "name": "新人", "gender": "F", "department_code": "ZH",
         "employment": "direct"}

# case, method, path, body, status, the fields the answer must name (exactly)
CASES = {
    "departments": [
        ("nothing", "POST", "/api/v1/departments", {}, 400, {"code", "name", "kind"}),
        ("wrong enum", "POST", "/api/v1/departments", {**DEPT, "kind": "bureau"}, 400, {"kind"}),
        ("code too long", "POST", "/api/v1/departments", {**DEPT, "code": "D" * 33}, 400,
         {"code"}),
        ("name too long", "POST", "/api/v1/departments", {**DEPT, "name": "名" * 201}, 400,
         {"name"}),
        ("code pattern", "POST", "/api/v1/departments", {**DEPT, "code": "D 1"}, 400, {"code"}),
        ("empty name", "POST", "/api/v1/departments", {**DEPT, "name": ""}, 400, {"name"}),
        ("unknown field", "POST", "/api/v1/departments", {**DEPT, "colour": "红"}, 400,
         {"colour"}),
        ("wrong types", "POST", "/api/v1/departments", {"code": 12, "name": ["x"], "kind": True},
         400, {"code", "name", "kind"}),
        ("not an object", "POST", "/api/v1/departments", [DEPT], 400, {"_schema"}),
        ("duplicate code", "POST", "/api/v1/departments", {**DEPT, "code": "ZH"}, 409, {"code"}),
        ("patch: wrong enum", "PATCH", "/api/v1/departments/ZH", {"kind": "x"}, 400, {"kind"}),
        ("patch: code is fixed", "PATCH", "/api/v1/departments/ZH", {"code": "ZZ"}, 400,
         {"code"}),
        ("patch: null name", "PATCH", "/api/v1/departments/ZH", {"name": None}, 400, {"name"}),
    ],
    "windows": [
        ("nothing", "POST", "/api/v1/windows", {}, 400,
         {"code", "name", "zone", "department_code"}),
        ("wrong zone", "POST", "/api/v1/windows", {**WINDOW, "zone": "lobby"}, 400, {"zone"}),
        ("code too long", "POST", "/api/v1/windows", {**WINDOW, "code": "W" * 17}, 400,
         {"code"}),
        ("code pattern", "POST", "/api/v1/windows", {**WINDOW, "code": "窗口1"}, 400, {"code"}),
        ("unknown department", "POST", "/api/v1/windows", {**WINDOW, "department_code": "NOPE"},
         400, {"department_code"}),
        ("other centre's department", "POST", "/api/v1/windows",
         {**WINDOW, "department_code": "ZHB"}, 400, {"department_code"}),
        ("unknown field", "POST", "/api/v1/windows", {**WINDOW, "floor": 2}, 400, {"floor"}),
        ("duplicate code", "POST", "/api/v1/windows", {**WINDOW, "code": "A01"}, 409, {"code"}),
        ("patch: unknown department", "PATCH", "/api/v1/windows/A01",
         {"department_code": "NOPE"}, 400, {"department_code"}),
        ("patch: wrong type", "PATCH", "/api/v1/windows/A01", {"zone": 3}, 400, {"zone"}),
        ("patch: code is fixed", "PATCH", "/api/v1/windows/A01", {"code": "A02"}, 400,
         {"code"}),
    ],
    "staff": [
        ("nothing", "POST", "/api/v1/staff", {}, 400,
         {"staff_no", "name", "gender", "department_code", "employment"}),
        ("wrong enums", "POST", "/api/v1/staff", {**STAFF, "gender": "X",
                                                  "employment": "intern"}, 400,
         {"gender", "employment"}),
        ("staff_no too long", "POST", "/api/v1/staff", {**STAFF, "staff_no": "S" * 33}, 400,
         {"staff_no"}),
        ("staff_no pattern", "POST", "/api/v1/staff", {**STAFF, "staff_no": "S/1"}, 400,
         {"staff_no"}),
        ("name too long", "POST", "/api/v1/staff", {**STAFF, "name": "名" * 101}, 400, {"name"}),
        ("unknown department", "POST", "/api/v1/staff", {**STAFF, "department_code": "NOPE"},
         400, {"department_code"}),
        ("unknown window", "POST", "/api/v1/staff", {**STAFF, "window_code": "NOPE"}, 400,
         {"window_code"}),
        ("other centre's window", "POST", "/api/v1/staff", {**STAFF, "window_code": "B01"}, 400,
         {"window_code"}),
        ("active not a yes/no", "POST", "/api/v1/staff", {**STAFF, "active": "maybe"}, 400,
         {"active"}),
        ("unknown field", "POST", "/api/v1/staff", {**STAFF, "email": "a@b.cn"}, 400, {"email"}),
        ("duplicate staff_no", "POST", "/api/v1/staff", {**STAFF, "staff_no": "S1"}, 409,
         {"staff_no"}),
        ("staff_no of another centre", "POST", "/api/v1/staff", {**STAFF, "staff_no": "S9"}, 409,
         {"staff_no"}),
        ("patch: staff_no is fixed", "PATCH", "/api/v1/staff/S1", {"staff_no": "S7"}, 400,
         {"staff_no"}),
        ("patch: wrong enum", "PATCH", "/api/v1/staff/S1", {"gender": "female"}, 400, {"gender"}),
        ("patch: unknown department", "PATCH", "/api/v1/staff/S1", {"department_code": "NOPE"},
         400, {"department_code"}),
        ("patch: wrong type", "PATCH", "/api/v1/staff/S1", {"window_code": 5}, 400,
         {"window_code"}),
        ("patch: empty name", "PATCH", "/api/v1/staff/S1", {"name": ""}, 400, {"name"}),
    ],
}


@pytest.fixture
def new_client(app_ctx):
    return app_ctx.test_client


def stored_state() -> dict:
    """Every row of the organisation and user tables, and the audit log's length."""
    db.session.rollback()  # a fresh read, not the snapshot of an open transaction
    state = {model.__tablename__: sorted(map(tuple, db.session.execute(
        sa.select(model.__table__)).all()), key=repr) for model in (Department, Window, Staff,
                                                                    User)}
    state["audit_entries"] = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    db.session.rollback()
    return state


def _problems(response, status, bad_fields, english: bool) -> list[str]:
    if response.status_code != status:
        return [f"status {response.status_code}, expected {status}: {response.get_data()!r}"]
    error = response.get_json()["error"]
    out = []
    if set(error["fields"]) != bad_fields:
        out.append(f"fields {sorted(error['fields'])}, expected {sorted(bad_fields)}")
    texts = [error["message"], *error["fields"].values()]
    if english and any(CJK.search(text) for text in texts):
        out.append(f"not English: {error}")
    if not english and not all(CJK.search(text) for text in texts):
        out.append(f"not Chinese: {error}")
    return out


@pytest.mark.parametrize("resource", CASES)
def test_bad_api_input_is_named_translated_and_changes_nothing(new_client, world, resource):
    client = new_client()
    headers = api_token(client, "hr_a")
    before = stored_state()
    problems = []
    for name, method, path, body, status, bad_fields in CASES[resource]:
        for english in (False, True):
            language = {"Accept-Language": "en"} if english else {}
            response = client.open(path, method=method, json=body,
                                   headers={**headers, **language})
            problems += [f"{name} ({'en' if english else 'zh'}): {p}"
                         for p in _problems(response, status, bad_fields, english)]
            if stored_state() != before:
                problems.append(f"{name}: the stored records changed")
                before = stored_state()
    assert not problems, "\n".join(problems)


def test_every_unknown_reference_is_named_at_once(new_client, world):
    """Both references are checked before answering, so one answer names both."""
    client = new_client()
    headers = api_token(client, "hr_a")
    before = stored_state()
    response = client.post("/api/v1/staff", headers=headers,
                           json={**STAFF, "department_code": "NOPE", "window_code": "NOPE"})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"department_code", "window_code"}
    assert stored_state() == before


def test_text_length_messages_speak_of_characters(new_client, world):
    """A too-long name is a matter of characters; "entries" is for lists."""
    client = new_client()
    headers = api_token(client, "hr_a")
    body = {**STAFF, "name": "名" * 101}
    zh = client.post("/api/v1/staff", json=body, headers=headers).get_json()["error"]
    en = client.post("/api/v1/staff", json=body,
                     headers={**headers, "Accept-Language": "en"}).get_json()["error"]
    assert "100" in en["fields"]["name"] and "character" in en["fields"]["name"], en
    assert "字符" in zh["fields"]["name"], zh


def test_a_bad_body_from_a_role_that_may_not_create_changes_nothing(new_client, world):
    client = new_client()
    headers = api_token(client, "staff_alice")
    before = stored_state()
    response = client.post("/api/v1/staff", json={}, headers=headers)
    assert response.status_code in (400, 403)
    assert stored_state() == before


# --- page forms ----------------------------------------------------------------------------

def _form(client, path, **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **fields})


STAFF_FORM = {"staff_no": "N5", "name": "新人", "gender": "F", "department_code": "ZH",
              "employment": "direct", "window_code": ""}


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "必填"),
    ("staff_no", "S1", "S1 已被使用"),
    ("staff_no", "S 5", "只能包含字母"),
    ("department_code", "ZHB", "不是有效的选择"),
])
def test_staff_form_with_bad_input_shows_the_error_and_saves_nothing(new_client, world, field,
                                                                      value, message):
    client = new_client()
    login(client, "hr_a")
    before = stored_state()
    response = _form(client, "/staff/new", **{**STAFF_FORM, field: value})
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    errors = re.findall(r'<div class="field has-error">.*?name="(\w+)".*?<p class="error"[^>]*>'
                        r'([^<]*)', page, re.S)
    assert len(errors) == 1 and errors[0][0] == field and message in errors[0][1], errors
    assert stored_state() == before


def test_a_good_staff_form_saves(new_client, world):
    client = new_client()
    login(client, "hr_a")
    response = _form(client, "/staff/new", **STAFF_FORM)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Staff.name).where(Staff.staff_no == "N5")) == "新人"


@pytest.mark.parametrize("path, fields", [
    ("/staff/new", STAFF_FORM),
    ("/departments/new", {"code": "ND", "name": "新部门", "kind": "centre"}),
    ("/windows/new", {"code": "W9", "name": "新窗口", "zone": "window",
                      "department_code": "ZH"}),
])
def test_a_form_without_its_csrf_token_is_refused(new_client, world, path, fields):
    client = new_client()
    login(client, "hr_a")
    before = stored_state()
    response = client.post(path, data=fields)
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert stored_state() == before


def test_a_session_api_call_without_csrf_is_refused_in_chinese(new_client, world):
    client = new_client()
    login(client, "hr_a")
    before = stored_state()
    response = client.post("/api/v1/departments", json=DEPT)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "csrf"
    assert CJK.search(error["message"]), error
    assert stored_state() == before


# --- the token endpoint and the login throttle ----------------------------------------------

@pytest.mark.parametrize("username", ["admin_a", "nobody"])
def test_wrong_credentials_are_401_with_the_same_message(new_client, world, username):
    client = new_client()
    response = client.post("/api/v1/auth/token",
                           json={"username": username, "password": "wrong-pass"})
    assert response.status_code == 401
    assert response.get_json()["error"] == {"code": "bad_credentials",
                                            "message": "用户名或密码错误。", "fields": {}}
    english = client.post("/api/v1/auth/token", headers={"Accept-Language": "en"},
                          json={"username": username, "password": "wrong-pass"})
    assert english.get_json()["error"]["message"] == "Wrong user name or password."


def test_a_token_request_missing_its_password_names_it(new_client, world):
    response = new_client().post("/api/v1/auth/token", json={"username": "admin_a",
                                                             "password": 123})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"password"}


def test_five_failures_lock_the_name_even_for_the_right_password(new_client, world):
    client = new_client()
    statuses = [client.post("/api/v1/auth/token", json={"username": "admin_a",
                                                        "password": f"wrong-{n}"}).status_code
                for n in range(5)]
    assert statuses[:4] == [401] * 4 and statuses[4] in (401, 429)
    response = client.post("/api/v1/auth/token", json={"username": "admin_a",
                                                       "password": "password-123"})
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "throttled"
    assert "失败次数过多" in error["message"] and re.search(r"\d\d:\d\d", error["message"])
    english = client.post("/api/v1/auth/token", headers={"Accept-Language": "en"},
                          json={"username": "admin_a", "password": "password-123"})
    assert english.status_code == 429
    assert english.get_json()["error"]["message"].startswith("Too many failed attempts")
    # Others in the hall share the address: they can still log in.
    assert api_token(client, "hr_a")


def test_login_page_says_so_after_repeated_failures(new_client, world):
    client = new_client()
    for _ in range(5):
        login(client, "admin_a", "wrong-pass")
    response = login(client, "admin_a")  # the right password, too late
    assert response.status_code == 429
    assert "失败次数过多" in response.get_data(as_text=True)
    assert client.get("/").headers["Location"].startswith("/login")  # not logged in
