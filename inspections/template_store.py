"""Checklist templates kept in the database, versioned per centre (SPEC §4: templates are
data, versioned).

A centre's templates are seeded from the ``checklists/*.toml`` files the first time they are
needed. From then on the database holds them: every edit (an item changed, added or removed,
or the file's text restored) stores the next version, whole, and past inspections keep the
version they were answered against.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from compliance.audit import current_actor
from compliance.errors import Conflict, Invalid
from compliance.extensions import db
from compliance.org.models import Centre
from compliance.scoring.store import rules_for
from compliance.timeutil import local_today

from . import catalogue
from .models import ChecklistTemplate, TemplateSubject

DEFAULT_ORDER = [name.removesuffix(".toml") for name in catalogue.DEFAULT_TEMPLATE_FILES]


def fingerprint(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


def _row(centre_id: int, document: dict, note: str) -> ChecklistTemplate:
    user_id, actor = current_actor()
    row = ChecklistTemplate(
        centre_id=centre_id, code=document["code"], version=document["version"],
        title_zh=document["title_zh"], title_en=document["title_en"],
        subject=TemplateSubject(document["subject"]), document=document,
        fingerprint=fingerprint(document), note=note, created_by_id=user_id, created_by=actor)
    db.session.add(row)
    return row


@lru_cache(maxsize=1)
def _default_documents() -> tuple[tuple[str, str], ...]:
    """``(file name, document as JSON)`` of the shipped templates, parsed once."""
    return tuple((name, json.dumps(catalogue.load_document(catalogue.CHECKLIST_DIR / name),
                                   ensure_ascii=False))
                 for name in catalogue.DEFAULT_TEMPLATE_FILES)


def default_document(code: str) -> dict | None:
    for name, document in _default_documents():
        if name == f"{code}.toml":
            return json.loads(document)
    return None


def ensure_default_templates(centre_id: int) -> int:
    """Seed the centre's templates from the files for every code it does not have yet;
    returns how many were stored (0 once seeded)."""
    have = set(db.session.scalars(sa.select(ChecklistTemplate.code).distinct()
                                  .where(ChecklistTemplate.centre_id == centre_id)))
    stored = 0
    for name, text in _default_documents():
        document = json.loads(text)
        if document["code"] not in have:
            _row(centre_id, document, f"checklists/{name}")
            stored += 1
    if stored:
        db.session.flush()
    return stored


def _latest_versions(centre_id: int):
    latest = (sa.select(ChecklistTemplate.code, sa.func.max(ChecklistTemplate.version)
                        .label("version"))
              .where(ChecklistTemplate.centre_id == centre_id)
              .group_by(ChecklistTemplate.code).subquery())
    return sa.select(ChecklistTemplate).join(
        latest, sa.and_(ChecklistTemplate.code == latest.c.code,
                        ChecklistTemplate.version == latest.c.version)).where(
        ChecklistTemplate.centre_id == centre_id)


def current_templates(centre_id: int) -> list[ChecklistTemplate]:
    """The latest version of each of the centre's templates, the default ones first."""
    rows = db.session.scalars(_latest_versions(centre_id)).all()
    order = {code: n for n, code in enumerate(DEFAULT_ORDER)}
    return sorted(rows, key=lambda t: (order.get(t.code, len(order)), t.code))


def current_template(centre_id: int, code: str) -> ChecklistTemplate | None:
    return db.session.scalars(_latest_versions(centre_id)
                              .where(ChecklistTemplate.code == code)).first()


def template_version(centre_id: int, code: str, version: int) -> ChecklistTemplate | None:
    return db.session.scalars(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.centre_id == centre_id, ChecklistTemplate.code == code,
        ChecklistTemplate.version == version)).first()


def versions(centre_id: int, code: str) -> list[ChecklistTemplate]:
    return db.session.scalars(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.centre_id == centre_id, ChecklistTemplate.code == code)
        .order_by(ChecklistTemplate.version.desc())).all()


def allowed_disqualifiers(centre_id: int) -> dict[str, str]:
    """Disqualifier keys of the rulebook in force today, with their labels."""
    centre = db.session.get(Centre, centre_id)
    rules = rules_for(centre_id, local_today(centre.timezone))
    return {dq.key: dq.label_zh for dq in rules.disqualifiers}


def save_version(current: ChecklistTemplate, document: dict, note: str, *,
                 base_version: int | None = None) -> ChecklistTemplate:
    """Store ``document`` as the next version of ``current``'s template.

    Refused: an empty note, an edit made on a version that is no longer the latest
    (``base_version``, someone else saved meanwhile), a document that does not validate, and a
    document identical to the current one.
    """
    if not note or not note.strip():
        message = _("Say why the checklist changes.")
        raise Invalid(message, {"note": message})
    latest = current_template(current.centre_id, current.code)
    if base_version is not None and latest.version != base_version:
        raise Conflict(_("The checklist was changed meanwhile (now version %(version)s): "
                         "reload and edit again.", version=latest.version), code="stale")
    try:
        parsed = catalogue.template_from_document(
            dict(document, version=latest.version + 1), f"{current.code} v{latest.version + 1}",
            disqualifiers=allowed_disqualifiers(current.centre_id))
    except ValueError as error:
        raise Invalid(_("The checklist is not valid: %(reason)s", reason=str(error))) from error
    canonical = catalogue.template_document(parsed)
    if fingerprint(dict(canonical, version=latest.version)) == latest.fingerprint:
        raise Invalid(_("Nothing was changed."))
    row = _row(current.centre_id, canonical, note.strip())
    db.session.flush()
    return row


def _check_item_fields(fields: dict[str, Any]) -> None:
    """The field-level rules a form can name (the catalogue checks the rest)."""
    errors = {}
    if fields.get("disqualifier") and not fields.get("bars_annual"):
        errors["bars_annual"] = _("An item with a disqualifying event bars annual honours.")
    for name in ("text_zh", "text_en", "category", "source"):
        if name in fields and not str(fields[name] or "").strip():
            errors[name] = _("This field is required.")
    if errors:
        raise Invalid(next(iter(errors.values())), errors)


def edit_item(current: ChecklistTemplate, code: str, fields: dict[str, Any], note: str, *,
              base_version: int | None = None) -> ChecklistTemplate:
    """The next version with one item changed (its code stays: findings refer to it)."""
    _check_item_fields(fields)
    try:
        document = catalogue.replace_item(current.document, code, fields)
    except KeyError:
        raise _unknown_item(code) from None
    return save_version(current, document, note, base_version=base_version)


def add_item(current: ChecklistTemplate, section: str, code: str, fields: dict[str, Any],
             note: str, *, base_version: int | None = None) -> ChecklistTemplate:
    """The next version with a new item at the end of a section."""
    if not catalogue.CODE_PATTERN.match(code or ""):
        message = _("Use lower-case letters, digits and '_' in dotted parts, "
                    "e.g. behaviour.desk_tidy.")
        raise Invalid(message, {"code": message})
    if current.item(code) is not None:
        message = _("The checklist already has an item %(code)s.", code=code)
        raise Invalid(message, {"code": message})
    _check_item_fields(fields)
    try:
        document = catalogue.add_item(current.document, section, code, fields)
    except KeyError:
        message = _("Unknown section %(code)s.", code=section)
        raise Invalid(message, {"section": message}) from None
    return save_version(current, document, note, base_version=base_version)


def remove_item(current: ChecklistTemplate, code: str, note: str, *,
                base_version: int | None = None) -> ChecklistTemplate:
    """The next version without the item (past inspections and findings keep it)."""
    if current.item(code) is None:
        raise _unknown_item(code)
    if len(current.catalogue.items) == 1:
        raise Invalid(_("A checklist keeps at least one item."))
    return save_version(current, catalogue.remove_item(current.document, code), note,
                        base_version=base_version)


def restore_default(current: ChecklistTemplate, note: str) -> ChecklistTemplate:
    """The next version holding the text of the shipped file again."""
    document = default_document(current.code)
    if document is None:
        raise Invalid(_("This checklist has no default file."))
    return save_version(current, document, note)


def replace_document(current: ChecklistTemplate, document: dict, note: str) -> ChecklistTemplate:
    """The next version from a whole document (the API's PUT); its code must not change."""
    if document.get("code") != current.code:
        message = _("The document's code must stay %(code)s.", code=current.code)
        raise Invalid(message, {"code": message})
    document = dict(document, version=current.version)
    return save_version(current, document, note)


def _unknown_item(code: str) -> Invalid:
    message = _("Unknown checklist item %(code)s.", code=code)
    return Invalid(message, {"item": message})
