"""Errors raised by operations; the API and the pages render them in the user's language."""
from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse. ``fields`` maps a field name to its message."""

    status = 400
    code = "invalid"

    def __init__(self, message, fields: dict | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: str(v) for k, v in self.fields.items()},
        }


class Invalid(DomainError):
    status = 400
    code = "invalid"


class Conflict(DomainError):
    """A duplicate code or an illegal state change."""

    status = 409
    code = "conflict"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
