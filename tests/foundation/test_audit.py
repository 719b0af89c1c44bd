"""The audit log: every change is recorded with before/after, and tampering is detected."""
import sqlalchemy as sa

from compliance.audit import AuditEntry, AuditLogIsAppendOnly, verify_chain
from compliance.extensions import db
from tests.conftest import api_token


def _entries(entity=None):
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    return db.session.scalars(stmt).all()


def test_create_update_delete_are_logged_with_actor_and_values(client, world):
    headers = api_token(client, "hr_a")
    response = client.patch("/api/v1/staff/S2", json={"name": "王伟"}, headers=headers)
    assert response.status_code == 200
    entry = _entries("staff")[-1]
    assert entry.action == "update"
    assert entry.actor == "hr_a"
    assert entry.before == {"name": "王强"}
    assert entry.after["name"] == "王伟"
    assert entry.centre_id == world.a.id
    created = [e for e in _entries("staff") if e.action == "create"]
    assert {e.after["staff_no"] for e in created} == {"S1", "S2", "S3", "S9"}


def test_unchanged_save_writes_no_entry(client, world):
    headers = api_token(client, "hr_a")
    before = len(_entries())
    response = client.patch("/api/v1/staff/S2", json={"name": "王强"}, headers=headers)
    assert response.status_code == 200
    assert len(_entries()) == before


def test_password_values_never_reach_the_log(client, world):
    users = [e for e in _entries("user")]
    assert users and all(e.after["password_hash"] == "***" for e in users)


def test_chain_verifies_and_detects_an_edited_entry(app_ctx, world):
    checked, bad = verify_chain()
    assert bad is None and checked == len(_entries())
    victim = _entries("staff")[2]
    victim_id, after = victim.id, dict(victim.after)
    db.session.rollback()  # end the read transaction before writing on another connection
    # Tamper below the application, as someone with database access would.
    with db.engine.begin() as conn:
        conn.execute(sa.update(AuditEntry.__table__).where(AuditEntry.id == victim_id)
                     .values(after={**after, "name": "篡改"}))
    db.session.expire_all()
    checked, bad = verify_chain()
    assert bad == victim_id
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"entry {victim_id}" in result.output


def test_chain_detects_a_deleted_entry(app_ctx, world):
    victim_id = _entries()[5].id
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(sa.delete(AuditEntry.__table__).where(AuditEntry.id == victim_id))
    _checked, bad = verify_chain()
    assert bad == victim_id + 1


def test_application_cannot_edit_or_delete_entries(app_ctx, world):
    entry = _entries()[0]
    entry.actor = "someone else"
    try:
        db.session.flush()
    except AuditLogIsAppendOnly:
        db.session.rollback()
    else:
        raise AssertionError("an audit entry was changed")
    db.session.delete(db.session.get(AuditEntry, entry.id))
    try:
        db.session.flush()
    except AuditLogIsAppendOnly:
        db.session.rollback()
    else:
        raise AssertionError("an audit entry was deleted")


def test_cli_changes_are_attributed(app_ctx, world):
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["create-user", "newhr", "--role", "hr", "--password",
                                 "long-enough-1", "--centre", "CA"])
    assert result.exit_code == 0, result.output
    entry = _entries("user")[-1]
    assert entry.actor == "cli" and entry.after["username"] == "newhr"
    assert verify_chain()[1] is None


def test_failed_login_is_logged(client, world):
    client.post("/api/v1/auth/token", json={"username": "hr_a", "password": "wrong-one"})
    entry = _entries()[-1]
    assert entry.action == "login_failed" and entry.entity_id == str(world.users.hr.id)
