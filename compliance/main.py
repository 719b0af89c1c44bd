"""Home page, health check and the audit log viewer."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .audit import AuditEntry, verify_chain
from .auth.models import Role
from .auth.permissions import centre_clause, roles_required, visible
from .extensions import db
from .org.models import Department, Staff, Window

bp = Blueprint("main", __name__)

AUDIT_PAGE_SIZE = 100


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any database failure means not healthy
        return jsonify(status="error"), 503
    return jsonify(status="ok")


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    counts = {}
    if not current_user.is_staff:
        for label, model in (("departments", Department), ("windows", Window),
                             ("staff", Staff)):
            counts[label] = db.session.scalar(
                sa.select(sa.func.count()).select_from(visible(model).subquery()))
    return render_template("main/index.html", counts=counts)


@bp.route("/audit")
@roles_required(Role.admin)
def audit_log():
    stmt = sa.select(AuditEntry).where(centre_clause(AuditEntry.centre_id, current_user))
    entity = request.args.get("entity", "").strip()
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    before = request.args.get("before", type=int)
    if before:
        stmt = stmt.where(AuditEntry.id < before)
    entries = db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE_SIZE)).all()
    chain = None
    if request.args.get("verify") == "1":
        chain = verify_chain()
    return render_template("main/audit.html", entries=entries, entity=entity, chain=chain,
                           page_size=AUDIT_PAGE_SIZE)


@bp.route("/me")
@login_required
def me():
    return redirect(url_for("org.staff_detail", staff_no=current_user.staff.staff_no)
                    if current_user.staff else url_for("main.index"))


@bp.route("/jobs", methods=["GET", "POST"])
@roles_required(Role.admin)
def jobs():
    """Scheduled jobs: last runs with their errors, and "run now" (queued for the scheduler)."""
    from flask import flash
    from flask_babel import gettext as _

    from .jobs import REGISTRY, JobRun, queue_run

    if request.method == "POST":
        name = request.form.get("job", "")
        if name not in REGISTRY:
            return redirect(url_for("main.jobs"))
        queue_run(name, current_user.username)
        db.session.commit()
        flash(_("Job %(name)s queued; the scheduler runs it within a minute.", name=name),
              "success")
        return redirect(url_for("main.jobs"))
    runs = db.session.scalars(sa.select(JobRun).order_by(JobRun.id.desc()).limit(200)).all()
    last = {}
    for run in runs:
        last.setdefault(run.job, run)
    return render_template("main/jobs.html", registry=REGISTRY, runs=runs[:50], last=last)
