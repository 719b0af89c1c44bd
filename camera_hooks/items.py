"""The checklist items a confirmed camera flag is recorded under (SPEC §5: e.g. 十不准·无故离岗).

``finding_item`` is the one place that turns an item code into what ``record_finding`` needs.
It reads the default checklist templates (``inspections.catalogue``) until the inspections
package keeps versioned templates in the database; then it is re-pointed, in one line, to
``inspections.operations.finding_item``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _

from compliance.conduct.models import Severity
from compliance.conduct.operations import FindingItem
from compliance.errors import Invalid
from inspections import catalogue

from .models import FlagKind

# The item a reviewer most likely means, preselected on the confirm form.
SUGGESTED = {FlagKind.seat_empty: "ten_prohibitions.01",  # 十不准·不准无故离岗、随意串岗
             FlagKind.desk_deviation: "desk.work.no_private_items"}  # 无规定以外私人物品
# Templates offered for each flag kind (the codes of inspections/checklists/*.toml).
TEMPLATES = {FlagKind.seat_empty: ("staff_conduct",),
             FlagKind.desk_deviation: ("window_desk", "staff_conduct")}


@dataclass(frozen=True)
class ItemChoice:
    code: str
    group: str  # template · section title, in the user's language at render time
    group_en: str
    text_zh: str
    text_en: str
    points: int


def finding_item(centre_id: int, item_code: str) -> FindingItem:
    """The checklist item ``item_code`` in force for a centre; ``Invalid`` if unknown."""
    return _catalogue_item(centre_id, item_code)


def _catalogue_item(centre_id: int, item_code: str) -> FindingItem:
    item = _catalogue_items().get(item_code)
    if item is None:
        message = _("Unknown checklist item %(code)s.", code=item_code)
        raise Invalid(message, {"item": message})
    return FindingItem(
        code=item.code, text_zh=item.text_zh, text_en=item.text_en, category=item.category,
        severity=Severity(item.severity), points=item.points,
        ten_prohibitions=item.category == "ten_prohibitions",
        bars_quarterly=item.bars_quarterly, bars_annual=item.bars_annual,
        disqualifier=item.disqualifier)


@lru_cache(maxsize=1)
def _catalogue_items() -> dict:
    return {item.code: item for template in catalogue.default_templates()
            for item in template.items}


@lru_cache(maxsize=1)
def _templates() -> dict:
    return {template.code: template for template in catalogue.default_templates()}


def item_choices(kind: FlagKind) -> list[ItemChoice]:
    """The items offered when confirming a flag of ``kind``, grouped by template section."""
    out = []
    for code in TEMPLATES.get(kind, ()):
        template = _templates().get(code)
        if template is None:
            continue
        for item in template.items:
            out.append(ItemChoice(item.code, f"{template.title_zh} · {item.section_title_zh}",
                                  f"{template.title_en} · {item.section_title_en}",
                                  item.text_zh, item.text_en, item.points))
    return out
