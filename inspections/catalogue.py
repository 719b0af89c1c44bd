"""Patrol checklist templates (日常巡查) read from the TOML data files in ``checklists/``.

Pure module: it imports neither Flask nor the database. A template is a versioned data
file whose item texts are copied word for word from seed 004 (第六条、第八条、第九条);
this module only reads and validates those files and filters items for a person.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKLIST_DIR = Path(__file__).resolve().parent / "checklists"

# The default templates, in the order an inspector sees them.
DEFAULT_TEMPLATE_FILES = ("staff_conduct.toml", "window_desk.toml", "help_area.toml")

SEVERITIES = frozenset({"minor", "major", "critical"})
APPLIES_TO = frozenset({"F", "M", "any"})
SUBJECTS = frozenset({"person", "window", "zone"})

# Seed 003 五 (取消年度评先资格): the disqualifying events an item can map to. The scoring
# rulebook decides what a standing finding under each key does; the key only names the event.
DISQUALIFIERS = {
    "irregular_approval": "seed 003 五 1 违规审批",
    "substantiated_complaint": "seed 003 五 1 受到服务对象有效投诉",
    "conflict_with_citizen": "seed 003 五 1 与服务对象发生当面冲突",
    "kickbacks": "seed 003 五 2 吃、拿、卡、要等不廉洁行为",
    "public_criticism": "seed 003 五 3 通报批评、媒体曝光或被明查暗访到",
    "gaming_stocks_video": "seed 003 五 4 玩游戏、看股票、看影视、听音乐和上网购物",
    "unauthorised_software": "seed 003 五 5 擅自安装无关软件",
    "unauthorised_absence": "seed 003 五 6 未履行请假手续擅自离岗外出",
    "phone_noise_sleep": "seed 003 五 7 玩手机、喧哗嬉闹、打瞌睡、串岗闲聊",
    "overdue_complaint": "seed 003 五 8 超期办理被投诉",
}

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

    where = str(path)
    _check_keys(data, _TEMPLATE_KEYS, _TEMPLATE_KEYS - {"sections"}, where)
    code = _text(data, "code", where)
    if not SECTION_CODE_PATTERN.match(code):
        raise ValueError(f"{where}: template code {code!r} is not a lower-case ASCII word")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
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
            item = _item(raw, section, section_where)
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


def _item(raw: Any, section: dict, section_where: str) -> CatalogueItem:
    if not isinstance(raw, dict):
        raise ValueError(f"{section_where}: an item must be a table")
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise ValueError(
            f"{section_where}: item {code!r}: code must be dotted lower-case ASCII "
            "such as 'dress.f.uniform'"
        )
    where = f"{section_where}: item {code!r}"
    _check_keys(raw, _ITEM_KEYS, _ITEM_REQUIRED, where)

    points = raw["points"]
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ValueError(f"{where}: points must be an integer >= 0, got {points!r}")
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
        if disqualifier not in DISQUALIFIERS:
            raise ValueError(
                f"{where}: disqualifier {disqualifier!r} is not one of {sorted(DISQUALIFIERS)}"
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
    return value
