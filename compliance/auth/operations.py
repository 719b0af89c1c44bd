"""Login, throttling, passwords and API tokens."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..db import utcnow
from ..extensions import db
from .models import ApiToken, LoginThrottle, Role, User, hash_token

MIN_PASSWORD_LENGTH = 8


@dataclass
class LoginResult:
    user: User | None = None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def _throttle_keys(username: str, remote_addr: str | None) -> list[str]:
    keys = [f"user:{username.strip().lower()}"]
    if remote_addr:
        keys.append(f"addr:{remote_addr}")
    return keys


def _locked_until(keys: list[str]) -> datetime | None:
    now = utcnow()
    rows = db.session.scalars(sa.select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    until = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
    return max(until) if until else None


def _record_failure(keys: list[str]) -> datetime | None:
    cfg = current_app.config
    window = timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    # Failures per address are counted more loosely: several people share a hall's address.
    limits = {"user": cfg["LOGIN_MAX_FAILURES"], "addr": cfg["LOGIN_MAX_FAILURES"] * 4}
    now = utcnow()
    locked = None
    for key in keys:
        row = db.session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_start=now)
            db.session.add(row)
        if row.window_start + window < now:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limits[key.split(":", 1)[0]]:
            row.locked_until = now + window
            locked = max(locked or row.locked_until, row.locked_until)
    db.session.flush()
    return locked


def authenticate(username: str, password: str, remote_addr: str | None) -> LoginResult:
    """Check a user name and password, applying the lockout after repeated failures.

    A locked name or address is refused without looking at the password, so guessing goes no
    faster while the lock lasts. Success clears the name's counter.
    """
    keys = _throttle_keys(username, remote_addr)
    locked = _locked_until(keys)
    if locked:
        return LoginResult(locked_until=locked)
    user = db.session.scalars(sa.select(User).where(User.username == username.strip())).first()
    if user is None or not user.active or not user.check_password(password):
        locked = _record_failure(keys)
        audit.log_event("login_failed", "user", user.id if user else None,
                        centre_id=user.centre_id if user else None,
                        after={"username": username[:64]})
        return LoginResult(locked_until=locked)
    row = db.session.get(LoginThrottle, keys[0])
    if row is not None:
        db.session.delete(row)
    user.last_login_at = utcnow()
    db.session.flush()
    return LoginResult(user=user)


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; ends the user's other sessions."""
    if not user.check_password(current):
        raise ValueError("current")
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    if len(new) < MIN_PASSWORD_LENGTH:
        raise ValueError("length")
    user.set_password(new)
    # Tokens issued under the old password are revoked with it.
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id).values(revoked=True)
    )
    db.session.flush()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new API token; the clear value is returned once and only its hash is stored."""
    token = secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token: str) -> User | None:
    """The active user of a valid token: one query on the unique index of the token's hash,
    and nothing written (so a time clock's every request costs a single indexed read)."""
    return db.session.scalars(_USER_FOR_TOKEN,
                              {"hash": hash_token(token), "now": utcnow()}).first()


# built once: the statement of every token call
_USER_FOR_TOKEN = (
    sa.select(User).join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == sa.bindparam("hash"), ApiToken.revoked.is_(False),
           ApiToken.expires_at > sa.bindparam("now", type_=ApiToken.expires_at.type),
           User.active.is_(True)))


def create_user(username: str, password: str, role: Role, *, centre_id=None,
                department_id=None, staff_id=None) -> User:
    """Create a login; the scope rules are checked by the database constraints too."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError("length")
    user = User(username=username.strip(), role=role, centre_id=centre_id,
                department_id=department_id, staff_id=staff_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
