"""Migrations build the schema from empty on each engine, agree with the models, and go back
down cleanly."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from compliance.extensions import db


def _diff():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                          "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app_ctx):
    assert _diff() == []


def test_downgrade_to_empty_and_upgrade_again(app_ctx):
    downgrade(revision="base")
    with db.engine.connect() as conn:
        tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _diff() == []
