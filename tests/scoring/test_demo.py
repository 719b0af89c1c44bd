"""The demo centre comes with a rulebook history, case figures and computed scores."""
from __future__ import annotations

import sqlalchemy as sa

from compliance import audit
from compliance.demo import seed_demo
from compliance.extensions import db
from compliance.scoring.models import AnnualResult, CaseFigure, QuarterlyResult
from compliance.scoring.store import RulebookVersion


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_demo_has_scores_to_show(app_ctx):
    audit.acting_as("seed-demo")
    logins = seed_demo(staff_count=12)
    db.session.commit()
    assert _count(RulebookVersion) == 1 and _count(CaseFigure) == 12 * 6
    assert _count(QuarterlyResult) == 12 * 2  # the previous and the running quarter
    assert _count(AnnualResult) >= 12
    client = app_ctx.test_client()
    from tests.conftest import login

    login(client, "hr", "Demo@2026")
    assert "hr" in logins
    for path in ("/scores", "/scores/dashboard", "/rulebook", "/performance"):
        assert client.get(path, follow_redirects=True).status_code == 200, path
