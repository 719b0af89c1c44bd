"""CSRF on every form: each page route that accepts POST refuses a post without its token
(logged in as an administrator, who may reach the most pages), and nothing changes. The list
of routes is read from the application itself, so a new form cannot be forgotten."""
from __future__ import annotations

import re

import sqlalchemy as sa

from compliance.audit import AuditEntry
from compliance.extensions import db
from tests.conftest import login

_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _concrete(rule: str) -> str:
    """A URL for a rule, with 1 for numeric arguments and a plain word for the others."""
    return _ARG.sub(lambda m: "1" if m.group(1) == "int" else "x", rule)


def _form_routes(app) -> list[str]:
    return sorted({_concrete(rule.rule) for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods and not rule.rule.startswith("/api/")
                   and rule.endpoint != "static"})


def test_every_page_post_without_its_token_is_refused(app_ctx, world):
    routes = _form_routes(app_ctx)
    assert "/login" in routes and len(routes) > 10
    client = app_ctx.test_client()
    assert login(client, "admin_a").status_code == 302
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    db.session.rollback()
    accepted = {}
    for path in routes:
        response = client.post(path, data={"name": "x", "reason": "x"})
        if response.status_code != 400 or "表单已过期" not in response.get_data(as_text=True):
            accepted[path] = response.status_code
    assert not accepted, f"posts without a CSRF token not refused: {accepted}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == \
        audit_before
