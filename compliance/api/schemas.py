"""Shared marshmallow pieces for the API schemas."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

CODE_PATTERN = validate.Regexp(r"^[A-Za-z0-9_.-]+$")


class StrictSchema(Schema):
    """Unknown fields are refused (marshmallow's default RAISE), named in the error."""


def code_field(max_length: int, **kwargs):
    return fields.String(validate=[validate.Length(min=1, max=max_length), CODE_PATTERN],
                         **kwargs)


def text_field(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


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
