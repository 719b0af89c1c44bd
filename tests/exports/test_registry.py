"""The export registry over HTTP: roles, query validation, the API and the page route."""
from __future__ import annotations

import io

import pytest
from marshmallow import fields, validate
from openpyxl import load_workbook

from compliance.api.schemas import StrictSchema
from compliance.auth.models import Role
from compliance.exports import ExportFile, register_export, unregister_export
from compliance.exports.workbook import Col, ExcelBook
from tests.conftest import api_token, login


class YearQuery(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))


@pytest.fixture
def year_export(app_ctx):
    @register_export("test-year", "年度", (Role.hr, Role.admin), YearQuery)
    def build(user, query):
        book = ExcelBook()
        book.sheet("年度", [Col("年份")]).append([query["year"]])
        return ExportFile(book.save(), f"年度-{query['year']}.xlsx")

    yield build
    unregister_export("test-year")


def test_api_builds_the_workbook_for_an_allowed_role(client, world, year_export):
    response = client.get("/api/v1/exports/test-year.xlsx?year=2026",
                          headers=api_token(client, "hr_a"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.data))["年度"]["A2"].value == 2026


@pytest.mark.parametrize("username", ["staff_alice", "inspector", "lead_sw"])
def test_other_roles_are_refused(client, world, year_export, username):
    response = client.get("/api/v1/exports/test-year.xlsx?year=2026",
                          headers=api_token(client, username))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_bad_query_names_the_field(client, world, year_export):
    hr = api_token(client, "hr_a")
    for query in ("", "?year=abc", "?year=1800", "?year=2026&colour=red"):
        response = client.get(f"/api/v1/exports/test-year.xlsx{query}", headers=hr)
        assert response.status_code == 400, query
        assert set(response.get_json()["error"]["fields"]) in ({"year"}, {"colour"}), query


def test_unknown_export_and_anonymous_caller(client, world, year_export):
    hr = api_token(client, "hr_a")
    assert client.get("/api/v1/exports/nothing.xlsx", headers=hr).status_code == 404
    assert client.get("/api/v1/exports/test-year.xlsx?year=2026").status_code == 401


def test_page_route_downloads_for_the_logged_in_user(app_ctx, client, world, year_export):
    assert client.get("/exports/test-year.xlsx?year=2026").status_code == 302  # to login
    login(client, "hr_a")
    response = client.get("/exports/test-year.xlsx?year=2026")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert client.get("/exports/test-year.xlsx?year=x").status_code == 400
    staff = app_ctx.test_client()
    login(staff, "staff_alice")
    assert staff.get("/exports/test-year.xlsx?year=2026").status_code == 403
