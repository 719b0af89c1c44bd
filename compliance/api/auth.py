"""POST /api/v1/auth/token."""
from __future__ import annotations

from flask import request
from flask_babel import format_datetime
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from ..auth import operations
from ..extensions import db
from . import ApiBlueprint
from .errors import error_response
from .schemas import StrictSchema

blp = ApiBlueprint("api_auth", __name__, description="API tokens", public=True)


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256),
                             load_only=True)


class TokenUser(Schema):
    username = fields.String()
    role = fields.Function(lambda user: user.role.value)
    staff_no = fields.Function(lambda user: user.staff.staff_no if user.staff else None)


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.AwareDateTime()
    user = fields.Nested(TokenUser)


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
@blp.alt_response(401, description="Wrong user name or password")
@blp.alt_response(429, description="Too many failed attempts")
def issue_token(body):
    """Exchange a user name and password for a bearer token (stored hashed, expiring)."""
    result = operations.authenticate(body["username"], body["password"], request.remote_addr)
    if not result.ok:
        db.session.commit()  # keep the failure count
        if result.locked_until:
            return error_response(429, _("Too many failed attempts. Try again after %(time)s.",
                                         time=format_datetime(result.locked_until, "HH:mm")))
        return error_response(401, _("Wrong user name or password."), code="bad_credentials")
    token, record = operations.issue_token(result.user)
    db.session.commit()
    return {"token": token, "expires_at": record.expires_at, "user": result.user}
