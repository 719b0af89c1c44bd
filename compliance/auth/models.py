"""Users, roles, API tokens and the login throttle."""
from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import AuditedMixin, TimestampMixin, enum_column, utcnow
from ..extensions import db
from ..org.models import Centre, Department, Staff


class Role(enum.Enum):
    staff = "staff"
    inspector = "inspector"
    unit_lead = "unit_lead"
    hr = "hr"
    admin = "admin"

    @property
    def label(self):
        return {
            "staff": _l("Window staff"),
            "inspector": _l("Inspector"),
            "unit_lead": _l("Unit lead"),
            "hr": _l("HR"),
            "admin": _l("Administrator"),
        }[self.value]


class User(AuditedMixin, TimestampMixin, UserMixin, db.Model):
    """A login. Its scope: a centre (None: every centre, for hr/admin only), a department for
    a unit lead, and a person for a staff login."""

    __audit_secret__ = ("password_hash", "session_nonce")
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('hr', 'admin') OR centre_id IS NOT NULL", name="centre_required"
        ),
        sa.CheckConstraint(
            "role <> 'unit_lead' OR department_id IS NOT NULL", name="unit_lead_department"
        ),
        sa.CheckConstraint("role <> 'staff' OR staff_id IS NOT NULL", name="staff_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Changing it ends every session of the user (it is part of the Flask-Login id).
    session_nonce: Mapped[str] = mapped_column(
        sa.String(32), default=lambda: secrets.token_hex(8)
    )
    last_login_at: Mapped[datetime | None]

    centre: Mapped[Centre | None] = relationship()
    department: Mapped[Department | None] = relationship()
    staff: Mapped[Staff | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.session_nonce = secrets.token_hex(8)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # Roles
    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    @property
    def is_hr(self) -> bool:
        return self.role is Role.hr

    @property
    def is_manager(self) -> bool:
        """HR or admin: manage people, rosters and the rulebook of their centre."""
        return self.role in (Role.hr, Role.admin)

    @property
    def is_unit_lead(self) -> bool:
        return self.role is Role.unit_lead

    @property
    def is_inspector(self) -> bool:
        return self.role is Role.inspector

    @property
    def is_staff(self) -> bool:
        return self.role is Role.staff

    @property
    def department_id_in_scope(self) -> int | None:
        """The one department a unit lead or staff login belongs to."""
        if self.is_staff:
            return self.staff.department_id if self.staff else None
        return self.department_id

    def in_centre(self, centre_id: int | None) -> bool:
        return self.centre_id is None or self.centre_id == centre_id

    @staticmethod
    def visible_clause(user: User):
        from .permissions import centre_clause

        if not user.is_admin:
            return User.id == user.id
        return centre_clause(User.centre_id, user)

    def can_view(self, user: User) -> bool:
        return self.id == user.id or (user.is_admin and user.in_centre(self.centre_id))

    def can_edit(self, user: User) -> bool:
        # A centre-scoped admin cannot create or edit deployment-wide logins.
        return user.is_admin and user.in_centre(self.centre_id) and (
            self.centre_id is not None or user.centre_id is None
        )


def hash_token(token: str) -> str:
    """API tokens are 256-bit random values, so one SHA-256 is a sufficient hash."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()

    @property
    def is_valid(self) -> bool:
        return not self.revoked and self.expires_at > utcnow() and self.user.active


class LoginThrottle(db.Model):
    """Failed login attempts per key (a user name or a client address) in the current window."""

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
