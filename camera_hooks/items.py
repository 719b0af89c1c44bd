"""The checklist items a confirmed camera flag is recorded under (SPEC §5: e.g. 十不准·无故离岗).

The items are the centre's current checklist templates, versioned by the inspections package;
``finding_item`` is its ``inspections.operations.finding_item`` (an unknown code is
``Invalid``), and the confirm form offers the items of the templates that fit the flag.
"""
from __future__ import annotations

from dataclasses import dataclass

from inspections import operations as inspections
from inspections.template_store import current_templates, ensure_default_templates

from .models import FlagKind

# The item a reviewer most likely means, preselected on the confirm form.
SUGGESTED = {FlagKind.seat_empty: "ten_prohibitions.01",  # 十不准·不准无故离岗、随意串岗
             FlagKind.desk_deviation: "desk.work.no_private_items"}  # 无规定以外私人物品
# Templates offered for each flag kind (the codes of inspections/checklists/*.toml).
TEMPLATES = {FlagKind.seat_empty: ("staff_conduct",),
             FlagKind.desk_deviation: ("window_desk", "staff_conduct")}

finding_item = inspections.finding_item


@dataclass(frozen=True)
class ItemChoice:
    code: str
    group: str  # template · section title
    group_en: str
    text_zh: str
    text_en: str
    points: int


def item_choices(centre_id: int, kind: FlagKind) -> list[ItemChoice]:
    """The items offered when confirming a flag of ``kind``, grouped by template section, from
    the centre's current template versions."""
    ensure_default_templates(centre_id)
    by_code = {template.code: template for template in current_templates(centre_id)}
    out = []
    for code in TEMPLATES.get(kind, ()):
        template = by_code.get(code)
        if template is None:
            continue
        for item in template.catalogue.items:
            out.append(ItemChoice(item.code, f"{template.title_zh} · {item.section_title_zh}",
                                  f"{template.title_en} · {item.section_title_en}",
                                  item.text_zh, item.text_en, item.points))
    return out
