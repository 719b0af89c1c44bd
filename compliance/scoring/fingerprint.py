"""Fingerprints of the scoring engine's inputs (PURE: no Flask, no database).

A stored score keeps the fingerprint of everything that made it: the engine's revision, the
rulebook (its own fingerprint) and the inputs. Recomputing finds the same fingerprint when
nothing that matters changed, so nothing is written.

A year of 2,000 people is hundreds of thousands of input records, so the hot path is plain
Python: every input record of the engine gives its own JSON-ready tuple
(``_fingerprint_form``, one value per field), which the C JSON encoder writes in one call
per fingerprint.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from compliance.scoring.rulebook import Rules


def iso(value: date | None) -> str | None:
    """A date as ISO text; an aware instant in UTC first."""
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo:
        value = value.astimezone(timezone.utc)
    return value.isoformat()


def num(value: Decimal) -> str:
    """A Decimal as normalised text: 2, 2.0 and 2.00 are the same number."""
    return format(value.normalize(), "f")


# Bump when a change to the engine changes any result for the same inputs: every stored
# score then differs from its recomputation by fingerprint, so a recompute replaces it.
ENGINE_REVISION = 1

_NOT_A_RECORD = ()
_record_fields: dict[type, tuple[str, ...]] = {}
_SCALARS = frozenset({str, int, bool, float, type(None)})


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names (empty for any other type), looked up once per type."""
    names = _record_fields.get(cls)
    if names is None:
        names = _record_fields[cls] = (tuple(f.name for f in dataclasses.fields(cls))
                                       if dataclasses.is_dataclass(cls) else _NOT_A_RECORD)
    return names


def _plain(value: Any) -> Any:
    """The JSON form of a value: an input record its ``_fingerprint_form`` (one value per
    field, in declaration order: the hot path), any other dataclass the list of its field
    values in declaration order, a Decimal its normalised text, an instant its UTC ISO text,
    a date its ISO text, a set its sorted items; str, numbers and None as they are. Plain
    Python on purpose: an encoder hook per value costs more than this walk."""
    cls = type(value)
    if cls in _SCALARS:
        return value
    form = getattr(cls, "_fingerprint_form", None)
    if form is not None:  # an input record: its own JSON-ready tuple
        return form(value)
    names = _field_names(cls)
    if names:
        return [_plain(getattr(value, name)) for name in names]
    if cls is date:
        return value.isoformat()
    if cls is Decimal:
        return num(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (frozenset, set)):
        return sorted(_encode(_plain(v)) for v in value)
    raise TypeError(f"cannot fingerprint {value!r}")


# Canonical JSON: sorted keys, compact, UTF-8 (rulebook.canonical_json writes the same).
_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def fingerprint(kind: str, rules: Rules, **parts: Any) -> str:
    """SHA-256 of the canonical JSON of ``{kind, engine, rulebook, **parts}``; each list is
    put in a canonical order (by the ``repr`` of its items' JSON-ready forms, a total and
    deterministic order), so the same inputs in any order give the same value."""
    body = {"kind": kind, "engine": ENGINE_REVISION, "rulebook": rules.fingerprint}
    for name, value in parts.items():
        if isinstance(value, (list, tuple)):
            body[name] = sorted((_plain(v) for v in value), key=repr)
        else:
            body[name] = _plain(value)
    return hashlib.sha256(_encode(body).encode("utf-8")).hexdigest()
