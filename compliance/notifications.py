"""In-app notifications: a short text and a link for one user, read or not.

Generic on purpose: any feature (deadline reminders, appeals, spot-check tasks) calls
``notify``; a ``key`` makes a notification idempotent (the same key for the same user is
created once), so a job run twice reminds once.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import Mapped, mapped_column

from .db import utcnow
from .extensions import db

PAGE_SIZE = 100


class Notification(db.Model):
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),
                      sa.Index("ix_notification_user_id_read_at", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.String(500))
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    key: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    @staticmethod
    def visible_clause(user):
        return Notification.user_id == user.id

    def can_view(self, user) -> bool:
        return self.user_id == user.id

    can_edit = can_view


def notify(user_id: int, text: str, link: str = "", key: str | None = None) -> Notification | None:
    """Create a notification; with a ``key`` already sent to this user, create nothing and
    return None."""
    if key is not None and db.session.scalar(sa.select(Notification.id).where(
            Notification.user_id == user_id, Notification.key == key)) is not None:
        return None
    note = Notification(user_id=user_id, text=text[:500], link=link[:300], key=key)
    db.session.add(note)
    db.session.flush()
    return note


def unread_count(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def notifications():
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.visible_clause(current_user))
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                  Notification.id.desc()).limit(PAGE_SIZE)).all()
    return render_template("notifications/list.html", notifications=rows)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    note = db.session.get(Notification, notification_id)
    if note is None:
        abort(404)
    if not note.can_view(current_user):
        abort(403)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    # Only links inside the app are followed.
    target = note.link if note.link.startswith("/") and not note.link.startswith("//") \
        else url_for(".notifications")
    return redirect(target)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    db.session.execute(sa.update(Notification).where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    db.session.commit()
    return redirect(request.referrer if request.referrer and request.referrer.startswith(
        request.host_url) else url_for(".notifications"))


def init_notifications(app) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _unread():
        if current_user and getattr(current_user, "is_authenticated", False):
            return {"unread_notifications": unread_count(current_user)}
        return {"unread_notifications": 0}
