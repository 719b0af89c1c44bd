"""Camera passwords at rest: encrypted with a key derived from the app's secret key.

The database (and so every backup of it) holds only a Fernet token (AES-128-CBC with an
HMAC); the key lives with the secret key in the instance folder or the environment, never in
the database. Pages and API answers never show a password back, and the audit log records
only that it changed (``Camera.__audit_secret__``).

If the secret key changes, stored passwords can no longer be read: the capture reports it
and an admin enters the password again.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

_CONTEXT = b"compliance camera credentials v1\x00"


class CredentialError(Exception):
    pass


def _fernet(secret_key: str | bytes) -> Fernet:
    if isinstance(secret_key, str):
        secret_key = secret_key.encode()
    digest = hashlib.sha256(_CONTEXT + secret_key).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(password: str, secret_key: str | None = None) -> str:
    """The token stored for ``password`` ("" for no password)."""
    if not password:
        return ""
    key = secret_key or current_app.config["SECRET_KEY"]
    return _fernet(key).encrypt(password.encode()).decode("ascii")


def unseal(token: str, secret_key: str | None = None) -> str:
    """The password behind a stored token; ``CredentialError`` when the key has changed."""
    if not token:
        return ""
    key = secret_key or current_app.config["SECRET_KEY"]
    try:
        return _fernet(key).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise CredentialError("the stored camera password cannot be read (the secret key "
                              "changed?): enter it again") from exc
