"""Shared marshmallow pieces for the API schemas."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

CODE_PATTERN = validate.Regexp(r"^[A-Za-z0-9_.-]+$")


class StrictSchema(Schema):
    """Unknown fields are refused (marshmallow's default RAISE), named in the error."""


def _length(max_length: int) -> list:
    # Two validators, so the message says which bound was broken ("longer than 32 characters").
    return [validate.Length(min=1), validate.Length(max=max_length)]


def code_field(max_length: int, **kwargs):
    return fields.String(validate=[*_length(max_length), CODE_PATTERN], **kwargs)


def text_field(max_length: int, **kwargs):
    return fields.String(validate=_length(max_length), **kwargs)


def enum_field(enum_cls, **kwargs):
    return fields.Enum(enum_cls, by_value=True, **kwargs)


def items_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A ``{"items": [...]}`` list answer (API.md conventions)."""
    return type(name, (Schema,), {"items": fields.List(fields.Nested(item_schema))})


class ErrorDetail(Schema):
    code = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetail)
