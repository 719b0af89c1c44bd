"""HR changes the rulebook from a date (SPEC §7): a new version is the rules in force on that
date with HR's changes, validated setting by setting; the history lists every version with
what it changed. Versions are never edited or deleted (a correction is a new version).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..audit import current_actor
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..org.models import Centre
from ..timeutil import local_today
from . import settings
from .rulebook import RulebookError, load_default, merge, problems
from .store import RulebookVersion, save_version, version_for


def rules_centre(user, code: str | None) -> Centre | None:
    """The centre whose rules a user reads or changes: their own (naming another is
    refused); a login of every centre names one by code, or none for the rules of every
    centre. An unknown code is ``NotFound``."""
    if user.centre_id is not None:
        if code and code != user.centre.code:
            raise Forbidden(_("Your role may not do this."))
        return user.centre
    if not code:
        return None
    centre = db.session.scalars(sa.select(Centre).where(Centre.code == code)).first()
    if centre is None:
        raise NotFound(_("There is no centre %(code)s.", code=code))
    return centre


def centre_today(centre_id: int | None) -> date:
    """Today in the centre's zone (the deployment's default zone for every-centre rules)."""
    centre = db.session.get(Centre, centre_id) if centre_id else None
    return local_today(centre.timezone if centre else
                       current_app.config.get("COMPLIANCE_TIMEZONE", "Asia/Shanghai"))


def document_in_force(centre_id: int | None, day: date) -> tuple[RulebookVersion | None, dict]:
    """The stored version in force on a day (None: the defaults) and its document."""
    version = version_for(centre_id, day)
    return version, (dict(version.document) if version else load_default())


def versions_of(centre_id: int | None) -> list[RulebookVersion]:
    """The versions that apply to a centre (its own and every-centre ones), oldest first, in
    the precedence ``version_for`` uses (a centre's own wins over an every-centre one of the
    same date)."""
    clause = RulebookVersion.centre_id.is_(None) if centre_id is None else sa.or_(
        RulebookVersion.centre_id == centre_id, RulebookVersion.centre_id.is_(None))
    rows = db.session.scalars(sa.select(RulebookVersion).where(clause)).all()
    return sorted(rows, key=lambda v: (v.effective_from, v.centre_id is not None, v.id))


@dataclass(frozen=True)
class HistoryEntry:
    version: RulebookVersion
    changes: list[tuple[str, Any, Any]]  # (path, before, after)
    in_force: bool


def history(centre_id: int | None, today: date) -> list[HistoryEntry]:
    """Every version of the centre, newest first, each with the settings it changed
    compared with the version in force before it (the defaults before the first)."""
    entries = []
    previous: dict = load_default()
    current = version_for(centre_id, today)
    for version in versions_of(centre_id):
        entries.append(HistoryEntry(version, settings.changes_between(previous,
                                                                      version.document),
                                    current is not None and version.id == current.id))
        previous = version.document
    return list(reversed(entries))


def may_edit(user, centre_id: int | None) -> bool:
    """HR and admins change their centre's rules; every-centre rules need a login of every
    centre."""
    if not user.is_manager:
        return False
    return user.centre_id is None or user.centre_id == centre_id


def create_version(user, centre_id: int | None, effective_from: date | None, changes: dict,
                   note: str, *, confirm_past: bool = False) -> RulebookVersion:
    """Store a new version in force from ``effective_from``.

    Refused (nothing stored) when: the user may not edit the centre's rules; the date is
    missing, or before today without ``confirm_past`` (scores already computed for those
    days change when recomputed); a version of that centre already starts that day; the
    note is empty; nothing changes; or any setting is invalid — every invalid setting is
    named in ``fields`` by its dotted path, in the user's language.
    """
    if not may_edit(user, centre_id):
        raise Forbidden(_("Only HR changes the rulebook."))
    fields: dict[str, str] = {}
    if effective_from is None:
        fields["effective_from"] = _("Give the date the rules apply from.")
    elif effective_from < centre_today(centre_id) and not confirm_past:
        fields["effective_from"] = _(
            "The date is in the past: scores already computed for those days change when they "
            "are recomputed. Confirm to go ahead.")
    if not (note or "").strip():
        fields["note"] = _("Say why the rules change.")
    if fields:
        raise Invalid(next(iter(fields.values())), fields)
    exists = db.session.scalar(sa.select(RulebookVersion.id).where(
        RulebookVersion.centre_id.is_(None) if centre_id is None
        else RulebookVersion.centre_id == centre_id,
        RulebookVersion.effective_from == effective_from))
    if exists is not None:
        message = _("A version already applies from %(day)s; choose another date.",
                    day=effective_from.isoformat())
        raise Conflict(message, {"effective_from": message}, code="duplicate")
    _base, base_doc = document_in_force(centre_id, effective_from)
    merged = merge(base_doc, changes)
    found = problems(merged)
    if found:
        raise Invalid(_("Some settings are not valid."), settings.translated_fields(found))
    if not settings.changes_between(base_doc, merged):
        raise Invalid(_("Nothing was changed."), {"_schema": _("Nothing was changed.")})
    try:
        return save_version(centre_id, effective_from, changes, note.strip(), current_actor()[1])
    except RulebookError as error:  # pragma: no cover - validated above with the same rules
        raise Invalid(_("Some settings are not valid."),
                      settings.translated_fields(error.problems)) from error


def changes_from_form(document: dict, values: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """Parse the editor's text for every setting: ``(changes, {path: message})``. Only
    settings that differ from ``document`` go into the changes."""
    changes: dict = {}
    errors: dict[str, str] = {}
    for setting in settings.all_settings(document):
        if setting.field_name not in values:
            continue
        value, message = settings.parse(setting, values[setting.field_name])
        if message:
            errors[setting.path] = message
        elif value != settings.get(document, setting.path):
            settings.put(changes, setting.path, value)
    return changes, errors
