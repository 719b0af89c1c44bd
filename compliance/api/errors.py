"""The JSON error format of API.md: ``{"error": {"code", "message", "fields"}}``."""
from __future__ import annotations

import re

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

DEFAULT_MESSAGES = {
    400: ("bad_request", _l("The request is not valid.")),
    401: ("unauthorized", _l("Log in or send a valid API token.")),
    403: ("forbidden", _l("Your role may not do this.")),
    404: ("not_found", _l("No such record.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("This conflicts with the stored records.")),
    413: ("too_large", _l("The upload is too large.")),
    415: ("unsupported_media_type", _l("Send JSON or a form upload.")),
    422: ("invalid", _l("The request is not valid.")),
    429: ("throttled", _l("Too many attempts. Try again later.")),
    500: ("server_error", _l("An unexpected error occurred; nothing was changed.")),
}

# marshmallow's messages, translated. Patterns with a group keep the original detail.
_FIELD_MESSAGES = [
    (re.compile(r"^Missing data for required field\.$"), _l("This field is required.")),
    (re.compile(r"^Field may not be null\.$"), _l("This field may not be empty.")),
    (re.compile(r"^Unknown field\.$"), _l("Unknown field.")),
    (re.compile(r"^Not a valid string\.$"), _l("Not a valid text.")),
    (re.compile(r"^Not a valid integer\.$"), _l("Not a valid whole number.")),
    (re.compile(r"^Not a valid number\.$"), _l("Not a valid number.")),
    (re.compile(r"^Not a valid boolean\.$"), _l("Not a valid yes/no value.")),
    (re.compile(r"^Not a valid date\.$"), _l("Not a valid date (YYYY-MM-DD).")),
    (re.compile(r"^Not a valid datetime\.$"),
     _l("Not a valid instant (ISO 8601 with an offset).")),
    (re.compile(r"^Not a valid time\.$"), _l("Not a valid time of day (HH:MM).")),
    (re.compile(r"^Not a valid list\.$"), _l("Not a valid list.")),
    (re.compile(r"^Invalid input type\.$"), _l("Wrong kind of value.")),
    (re.compile(r"^Not a valid mapping type\.$"), _l("Not a valid object.")),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), _l("Shorter than %(n)s characters.")),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), _l("Longer than %(n)s characters.")),
    (re.compile(r"^Must be one of: (.*)\.$"), _l("Must be one of: %(n)s.")),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     _l("Must be between %(n)s and %(m)s.")),
    (re.compile(r"^String does not match expected pattern\.$"),
     _l("Letters, digits, '-', '_' and '.' only.")),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     _l("Must hold between %(n)s and %(m)s entries.")),
    (re.compile(r"^Not a valid timezone-aware datetime\.$"),
     _l("The instant needs an offset, e.g. +08:00.")),
]


def translate_message(message) -> str:
    text = str(message)
    for pattern, template in _FIELD_MESSAGES:
        match = pattern.match(text)
        if match:
            groups = match.groups()
            return str(template) % {"n": groups[0] if groups else "",
                                    "m": groups[1] if len(groups) > 1 else ""}
    return text


def flatten_messages(messages, prefix: str = "") -> dict[str, str]:
    """webargs gives {"json": {"field": ["msg"], "list": {0: {"f": [...]}}}}: flatten it."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "form", "files", "view_args", "headers"):
                out.update(flatten_messages(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, name))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_schema"] = " ".join(translate_message(m) for m in messages)
        else:
            for index, value in enumerate(messages):
                out.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "_schema"] = translate_message(messages)
    return out


def error_response(status: int, message=None, *, code: str | None = None,
                   fields: dict | None = None):
    default_code, default_message = DEFAULT_MESSAGES.get(status, ("error", _l("Error.")))
    if status == 422:
        status = 400
    body = {
        "error": {
            "code": code or default_code,
            "message": str(message) if message else str(default_message),
            "fields": fields or {},
        }
    }
    return jsonify(body), status


def http_error_response(error):
    """Render a werkzeug HTTPException raised inside the API (webargs puts messages in data)."""
    status = getattr(error, "code", 500) or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages:
        fields = flatten_messages(messages)
        return error_response(400, _("Some fields are not valid."), code="invalid", fields=fields)
    description = getattr(error, "description", None)
    # werkzeug's English defaults are replaced by our translated texts.
    if description and description == type(error).description:
        description = None
    return error_response(status, description)


def import_rejected(report):
    """400 for an import with row errors: each error named ``row N.field``, plus the report."""
    body = {
        "error": {
            "code": "import_rejected",
            "message": _("Nothing was imported: %(count)d errors.", count=len(report.errors)),
            "fields": {f"row {e.row}.{e.field}": str(e.message) for e in report.errors},
        },
        "report": report.as_dict(),
    }
    return jsonify(body), 400
