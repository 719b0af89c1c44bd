"""Excel exports (SPEC §8), one registry of export names (API.md ``GET /exports/{name}.xlsx``).

A feature registers each workbook it offers with :func:`register_export`: its name, the roles
that may ask for it, a marshmallow schema for its query, and a builder. The API and the page
route both call :func:`build_export`, which checks the role, validates the query (an error
names each bad field, in the user's language) and runs the builder; the builder applies the
user's own visibility (a unit lead gets their department only) with the models' rules.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError

from ..errors import Forbidden, Invalid, NotFound


@dataclass(frozen=True)
class ExportFile:
    """A finished workbook: its bytes, or the temporary ``path`` it was written to (large
    exports; removed once sent), and the file name offered to the browser."""

    content: bytes | None
    filename: str
    path: str | None = None


@dataclass(frozen=True)
class ExportSpec:
    name: str
    title: Any  # a lazy translated string
    roles: tuple  # compliance.auth.models.Role members
    query: type[Schema]
    build: Callable[[Any, Mapping[str, Any]], ExportFile]  # (user, validated query) -> file


_registry: dict[str, ExportSpec] = {}


def register_export(name: str, title, roles, query: type[Schema]):
    """Decorator: register ``build(user, query) -> ExportFile`` under ``name``.

    Registering a name twice with another builder is a programming error.
    """

    def decorator(build):
        spec = ExportSpec(name, title, tuple(roles), query, build)
        existing = _registry.get(name)
        if existing is not None and existing.build is not build:
            raise RuntimeError(f"export {name!r} is registered twice")
        _registry[name] = spec
        return build

    return decorator


def unregister_export(name: str) -> None:
    _registry.pop(name, None)


def export_spec(name: str) -> ExportSpec:
    spec = _registry.get(name)
    if spec is None:
        raise NotFound(_("There is no export named %(name)s.", name=name), code="not_found")
    return spec


def exports_for(user) -> list[ExportSpec]:
    """The exports a user's role may ask for, by name."""
    return sorted((s for s in _registry.values() if user.role in s.roles), key=lambda s: s.name)


def build_export(name: str, user, args: Mapping[str, Any]) -> ExportFile:
    """Check the role, validate the query and build the workbook (nothing is changed)."""
    from ..api.errors import flatten_messages

    spec = export_spec(name)
    if user.role not in spec.roles:
        raise Forbidden(_("Your role may not do this."))
    try:
        query = spec.query().load(dict(args.items()))
    except ValidationError as error:
        raise Invalid(_("Some fields are not valid."), flatten_messages(error.messages)) from error
    return spec.build(user, query)
