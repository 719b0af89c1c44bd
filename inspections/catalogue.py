"""Patrol checklist templates (日常巡查) read from the TOML data files in ``checklists/``.

Pure module: it imports neither Flask nor the database. A template is a versioned data
file whose item texts are copied word for word from seed 004 (第六条、第八条、第九条);
this module reads and validates those files (and the same documents once stored in the
database and edited), filters items for a person, edits documents and scores an inspection.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKLIST_DIR = Path(__file__).resolve().parent / "checklists"
# The scoring rulebook's defaults, read as data: its [disqualifiers] table names the seed-003
# events an item may map to, so the catalogue and the scoring rules share one list of keys.
RULEBOOK_DEFAULT = (Path(__file__).resolve().parent.parent / "compliance" / "scoring"
                    / "rulebook" / "default.toml")

# SPEC §4: an inspection scores 100 minus the points of its failed items, never below 0.
FULL_SCORE = 100
# No item deducts more than a whole inspection is worth.
MAX_POINTS = FULL_SCORE
# The longest text a field may hold: the database columns keep copies of these (a finding
# copies an item's code, category and texts). Item codes are dotted and may be longer.
MAX_LENGTHS = {"code": 40, "title_zh": 200, "title_en": 200, "category": 40, "source": 200,
               "text_zh": 1000, "text_en": 1000}
MAX_ITEM_CODE = 80
MAX_VERSION = 2**31 - 1

# The default templates, in the order an inspector sees them.
DEFAULT_TEMPLATE_FILES = ("staff_conduct.toml", "window_desk.toml", "help_area.toml")

SEVERITIES = frozenset({"minor", "major", "critical"})
APPLIES_TO = frozenset({"F", "M", "any"})
SUBJECTS = frozenset({"person", "window", "zone"})



def rulebook_disqualifiers(path: str | Path = RULEBOOK_DEFAULT) -> dict[str, str]:
    """Seed 003 五 (取消年度评先资格): the rulebook's disqualifier keys with their seed clause
    and label. The scoring rulebook decides what a standing finding under each key does."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return {key: f"seed {entry['seed_clause']} {entry['label_zh']}"
            for key, entry in data["disqualifiers"].items()}


DISQUALIFIERS = rulebook_disqualifiers()

# Stable codes: lower-case ASCII words joined by dots, at least two parts ("dress.f.uniform").
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
SECTION_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

_TEMPLATE_KEYS = {"code", "version", "title_zh", "title_en", "subject", "source", "sections"}
_SECTION_KEYS = {"code", "title_zh", "title_en", "items"}
_ITEM_REQUIRED = {
    "code", "text_zh", "text_en", "points", "severity", "applies_to", "category",
    "bars_quarterly", "bars_annual", "source",
}
_ITEM_KEYS = _ITEM_REQUIRED | {"disqualifier"}


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    section: str
    section_title_zh: str
    section_title_en: str
    text_zh: str
    text_en: str
    points: int
    severity: str
    applies_to: str
    category: str
    bars_quarterly: bool
    bars_annual: bool
    disqualifier: str | None
    source: str

    @property
    def ten_prohibitions(self) -> bool:
        """One of the ten prohibitions 十不准 (seed 004 第九条二（九）), flagged for scoring."""
        return self.section == TEN_PROHIBITIONS


TEN_PROHIBITIONS = "ten_prohibitions"
ITEM_FIELDS = ("text_zh", "text_en", "points", "severity", "applies_to", "category",
               "bars_quarterly", "bars_annual", "disqualifier", "source")


@dataclass(frozen=True)
class CatalogueTemplate:
    code: str
    version: int
    title_zh: str
    title_en: str
    subject: str
    source: str
    items: tuple[CatalogueItem, ...]

    def item(self, code: str) -> CatalogueItem:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def sections(self) -> list[tuple[str, str, str, list[CatalogueItem]]]:
        """``(code, title_zh, title_en, items)`` per section, in template order."""
        out: dict[str, tuple[str, str, str, list[CatalogueItem]]] = {}
        for item in self.items:
            out.setdefault(item.section, (item.section, item.section_title_zh,
                                          item.section_title_en, []))[3].append(item)
        return list(out.values())


def load_template(path: str | Path) -> CatalogueTemplate:
    """Read and validate one checklist template file.

    Raises ``ValueError`` naming the file (and the item, when one is at fault) for: unknown
    or missing keys, a malformed or duplicate code, a severity, applies_to or subject outside
    the allowed values, negative or non-integer points, non-boolean bars, an unknown
    disqualifier, or a disqualifier on an item that does not bar annual honours.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    return template_from_document(data, str(path))


def load_document(path: str | Path) -> dict:
    """The plain document of a template file (as stored in the database), validated."""
    template = load_template(path)
    return template_document(template)


def template_from_document(data: Any, where: str = "template",
                           disqualifiers: Iterable[str] | None = None) -> CatalogueTemplate:
    """Validate a template document (the dict form of a TOML file) and build the template.

    ``disqualifiers`` are the allowed disqualifier keys (default: the rulebook's defaults).
    Raises ``ValueError`` as :func:`load_template` does, naming ``where``.
    """
    allowed = frozenset(DISQUALIFIERS if disqualifiers is None else disqualifiers)
    _check_keys(data, _TEMPLATE_KEYS, _TEMPLATE_KEYS - {"sections"}, where)
    code = _text(data, "code", where)
    if not SECTION_CODE_PATTERN.match(code):
        raise ValueError(f"{where}: template code {code!r} is not a lower-case ASCII word")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or \
            not 1 <= version <= MAX_VERSION:
        raise ValueError(f"{where}: version must be an integer >= 1, got {version!r}")
    subject = _text(data, "subject", where)
    if subject not in SUBJECTS:
        raise ValueError(f"{where}: subject {subject!r} is not one of {sorted(SUBJECTS)}")

    sections = data.get("sections", [])
    if not isinstance(sections, list) or not sections:
        raise ValueError(f"{where}: a template needs at least one [[sections]]")

    items: list[CatalogueItem] = []
    seen_items: set[str] = set()
    seen_sections: set[str] = set()
    for index, section in enumerate(sections):
        section_where = f"{where}: section #{index + 1}"
        _check_keys(section, _SECTION_KEYS, _SECTION_KEYS - {"items"}, section_where)
        section_code = _text(section, "code", section_where)
        section_where = f"{where}: section {section_code!r}"
        if not SECTION_CODE_PATTERN.match(section_code):
            raise ValueError(f"{section_where}: code is not a lower-case ASCII word")
        if section_code in seen_sections:
            raise ValueError(f"{section_where}: duplicate section code")
        seen_sections.add(section_code)
        raw_items = section.get("items", [])
        if not isinstance(raw_items, list) or not raw_items:
            raise ValueError(f"{section_where}: a section needs at least one [[sections.items]]")
        for raw in raw_items:
            item = _item(raw, section, section_where, allowed)
            if item.code in seen_items:
                raise ValueError(f"{where}: item {item.code!r}: duplicate item code")
            seen_items.add(item.code)
            items.append(item)

    return CatalogueTemplate(
        code=code,
        version=version,
        title_zh=_text(data, "title_zh", where),
        title_en=_text(data, "title_en", where),
        subject=subject,
        source=_text(data, "source", where),
        items=tuple(items),
    )


def template_document(template: CatalogueTemplate) -> dict:
    """The plain document of a template: the inverse of :func:`template_from_document`."""
    sections = []
    for code, title_zh, title_en, items in template.sections():
        sections.append({
            "code": code, "title_zh": title_zh, "title_en": title_en,
            "items": [_item_document(item) for item in items],
        })
    return {"code": template.code, "version": template.version, "title_zh": template.title_zh,
            "title_en": template.title_en, "subject": template.subject,
            "source": template.source, "sections": sections}


def _item_document(item: CatalogueItem) -> dict:
    doc = {"code": item.code}
    for name in ITEM_FIELDS:
        value = getattr(item, name)
        if name != "disqualifier" or value is not None:
            doc[name] = value
    return doc


# --- editing a document (each edit makes the next version of the template) ----------------

def replace_item(document: Mapping, code: str, fields: Mapping[str, Any]) -> dict:
    """A copy of ``document`` with the item ``code`` changed; the code itself never changes
    (findings refer to it). ``disqualifier`` None removes it. Raises ``KeyError``."""
    doc = copy.deepcopy(dict(document))
    for section in doc["sections"]:
        for raw in section["items"]:
            if raw["code"] == code:
                _set_fields(raw, fields)
                return doc
    raise KeyError(code)


def add_item(document: Mapping, section_code: str, code: str,
             fields: Mapping[str, Any]) -> dict:
    """A copy of ``document`` with a new item at the end of a section. Raises ``KeyError``
    for an unknown section; a duplicate code is refused by validation."""
    doc = copy.deepcopy(dict(document))
    for section in doc["sections"]:
        if section["code"] == section_code:
            raw = {"code": code}
            _set_fields(raw, fields)
            section["items"].append(raw)
            return doc
    raise KeyError(section_code)


def remove_item(document: Mapping, code: str) -> dict:
    """A copy of ``document`` without the item; a section left empty is dropped with it.
    Raises ``KeyError`` for an unknown code."""
    doc = copy.deepcopy(dict(document))
    for section in doc["sections"]:
        kept = [raw for raw in section["items"] if raw["code"] != code]
        if len(kept) != len(section["items"]):
            section["items"] = kept
            doc["sections"] = [s for s in doc["sections"] if s["items"]]
            return doc
    raise KeyError(code)


def _set_fields(raw: dict, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        if name not in ITEM_FIELDS:
            raise ValueError(f"unknown item field {name!r}")
        if name == "disqualifier" and value is None:
            raw.pop("disqualifier", None)
        else:
            raw[name] = value


# --- scoring an inspection --------------------------------------------------------------

def inspection_score(failed_points: Iterable[int]) -> int:
    """SPEC §4: 100 minus the points of the failed items, not below 0. Items answered
    "not applicable" are simply not among the failures."""
    return max(0, FULL_SCORE - sum(failed_points))


def default_templates() -> list[CatalogueTemplate]:
    """The three default templates built from seed 004, in ``DEFAULT_TEMPLATE_FILES`` order."""
    return [load_template(CHECKLIST_DIR / name) for name in DEFAULT_TEMPLATE_FILES]


def items_for(template: CatalogueTemplate, gender: str | None) -> list[CatalogueItem]:
    """The items an inspection of this person shows: gender-specific items follow the person.

    ``"F"`` hides the items for men, ``"M"`` hides the items for women, ``None`` (unknown, or
    a window/zone inspection) keeps every item. Seed 004 第八条一、二 and 第九条一（二）.
    """
    if gender is None:
        return list(template.items)
    if gender not in ("F", "M"):
        raise ValueError(f"gender must be 'F', 'M' or None, got {gender!r}")
    return [item for item in template.items if item.applies_to in ("any", gender)]


def _item(raw: Any, section: dict, section_where: str,
          disqualifiers: frozenset[str]) -> CatalogueItem:
    if not isinstance(raw, dict):
        raise ValueError(f"{section_where}: an item must be a table")
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code) or len(code) > MAX_ITEM_CODE:
        raise ValueError(
            f"{section_where}: item {code!r}: code must be dotted lower-case ASCII "
            "such as 'dress.f.uniform'"
        )
    where = f"{section_where}: item {code!r}"
    _check_keys(raw, _ITEM_KEYS, _ITEM_REQUIRED, where)

    points = raw["points"]
    if isinstance(points, bool) or not isinstance(points, int) or \
            not 0 <= points <= MAX_POINTS:
        raise ValueError(f"{where}: points must be an integer from 0 to {MAX_POINTS}, "
                         f"got {points!r}")
    severity = _text(raw, "severity", where)
    if severity not in SEVERITIES:
        raise ValueError(f"{where}: severity {severity!r} is not one of {sorted(SEVERITIES)}")
    applies_to = _text(raw, "applies_to", where)
    if applies_to not in APPLIES_TO:
        raise ValueError(f"{where}: applies_to {applies_to!r} is not one of {sorted(APPLIES_TO)}")
    for flag in ("bars_quarterly", "bars_annual"):
        if not isinstance(raw[flag], bool):
            raise ValueError(f"{where}: {flag} must be true or false, got {raw[flag]!r}")
    disqualifier = raw.get("disqualifier")
    if disqualifier is not None:
        if not isinstance(disqualifier, str) or disqualifier not in disqualifiers:
            raise ValueError(
                f"{where}: disqualifier {disqualifier!r} is not one of {sorted(disqualifiers)}"
            )
        if not raw["bars_annual"]:
            raise ValueError(f"{where}: an item with a disqualifier must set bars_annual = true")

    return CatalogueItem(
        code=code,
        section=section["code"],
        section_title_zh=_text(section, "title_zh", section_where),
        section_title_en=_text(section, "title_en", section_where),
        text_zh=_text(raw, "text_zh", where),
        text_en=_text(raw, "text_en", where),
        points=points,
        severity=severity,
        applies_to=applies_to,
        category=_text(raw, "category", where),
        bars_quarterly=raw["bars_quarterly"],
        bars_annual=raw["bars_annual"],
        disqualifier=disqualifier,
        source=_text(raw, "source", where),
    )


def _check_keys(table: Any, allowed: set[str], required: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table")
    unknown = set(table) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
    missing = required - set(table)
    if missing:
        raise ValueError(f"{where}: missing key(s) {sorted(missing)}")


def _text(table: dict, key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} must be a non-empty string")
    if len(value) > MAX_LENGTHS.get(key, MAX_LENGTHS["text_zh"]):
        raise ValueError(f"{where}: {key} is longer than "
                         f"{MAX_LENGTHS.get(key, MAX_LENGTHS['text_zh'])} characters")
    return value
