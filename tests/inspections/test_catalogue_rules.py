"""The checklist catalogue against the scoring rulebook, and the pure document edits and score.

Every item's disqualifier must be a key of the rulebook's [disqualifiers] table, so that a
standing finding under, say, 十不准·吃拿卡要 really cancels annual honours in the engine.
"""
from __future__ import annotations

from datetime import date

import pytest

from compliance.scoring.engine import FindingInput, disqualifying_events
from compliance.scoring.rulebook import Rules
from inspections import catalogue

RULES = Rules.default()
RULEBOOK_KEYS = {dq.key for dq in RULES.disqualifiers}
TEMPLATES = {t.code: t for t in catalogue.default_templates()}
STAFF = TEMPLATES["staff_conduct"]
ITEMS = [item for t in TEMPLATES.values() for item in t.items]


def test_the_catalogue_offers_exactly_the_rulebooks_disqualifiers():
    assert set(catalogue.DISQUALIFIERS) == RULEBOOK_KEYS
    assert catalogue.DISQUALIFIERS["bribery"].startswith("seed 003 五.2")


@pytest.mark.parametrize("item", [i for i in ITEMS if i.disqualifier],
                         ids=lambda i: i.code)
def test_every_item_disqualifier_is_a_rulebook_key(item):
    assert item.disqualifier in RULEBOOK_KEYS


def _finding(item, state="open"):
    return FindingInput(id=1, date=date(2026, 3, 2), points=item.points, source="patrol",
                        category=item.category, item_code=item.code, severity=item.severity,
                        state=state, ten_prohibitions=item.ten_prohibitions,
                        bars_quarterly=item.bars_quarterly, disqualifier=item.disqualifier)


@pytest.mark.parametrize("code, key", [
    ("ten_prohibitions.10", "bribery"),              # 吃拿卡要
    ("ten_prohibitions.09", "unauthorised_approval"),  # 暗箱操作
    ("ten_prohibitions.01", "unapproved_absence"),   # 无故离岗
    ("ten_prohibitions.05", "leisure_at_work"),      # 上网娱乐
    ("ten_prohibitions.08", "distraction_at_work"),  # 电话聊天
    ("behaviour.no_tampering", "unauthorised_software"),
])
def test_a_standing_finding_under_the_item_really_disqualifies(code, key):
    item = STAFF.item(code)
    reasons = disqualifying_events(RULES, 2026, [_finding(item)], [], [])
    assert [r.code for r in reasons] == [f"disqualifier.{key}"]
    # Overturned on appeal: it counts for nothing.
    assert disqualifying_events(RULES, 2026, [_finding(item, "overturned")], [], []) == []


def test_ten_prohibitions_are_flagged_and_others_not():
    flagged = {i.code for i in ITEMS if i.ten_prohibitions}
    assert flagged == {f"ten_prohibitions.{n:02d}" for n in range(1, 11)}


# --- documents ------------------------------------------------------------------------------

def test_a_document_round_trips():
    for template in TEMPLATES.values():
        document = catalogue.template_document(template)
        assert catalogue.template_from_document(document) == template


def test_replace_item_changes_only_that_item_and_keeps_its_code():
    document = catalogue.template_document(STAFF)
    changed = catalogue.replace_item(document, "ten_prohibitions.02",
                                     {"points": 7, "text_en": "Neat."})
    template = catalogue.template_from_document(changed)
    assert template.item("ten_prohibitions.02").points == 7
    assert template.item("ten_prohibitions.02").text_en == "Neat."
    assert [i for i in template.items if i.code != "ten_prohibitions.02"] == \
        [i for i in STAFF.items if i.code != "ten_prohibitions.02"]
    assert document == catalogue.template_document(STAFF)  # the original is untouched
    with pytest.raises(KeyError):
        catalogue.replace_item(document, "no.such", {"points": 1})
    with pytest.raises(ValueError, match="unknown item field"):
        catalogue.replace_item(document, "ten_prohibitions.02", {"code": "x.y"})


def test_removing_a_disqualifier_and_validation_of_edits():
    document = catalogue.template_document(STAFF)
    cleared = catalogue.replace_item(document, "ten_prohibitions.10",
                                     {"disqualifier": None, "bars_annual": False})
    assert catalogue.template_from_document(cleared).item("ten_prohibitions.10") \
        .disqualifier is None
    bad = catalogue.replace_item(document, "ten_prohibitions.10", {"severity": "fatal"})
    with pytest.raises(ValueError, match="ten_prohibitions.10.*severity"):
        catalogue.template_from_document(bad, "staff_conduct v2")
    unknown = catalogue.replace_item(document, "ten_prohibitions.10", {"disqualifier": "x"})
    with pytest.raises(ValueError, match="disqualifier"):
        catalogue.template_from_document(unknown)
    # A rulebook of the centre may name other keys: validation takes the allowed list.
    assert catalogue.template_from_document(unknown, disqualifiers={"x", *RULEBOOK_KEYS}) \
        .item("ten_prohibitions.10").disqualifier == "x"


def test_add_and_remove_items():
    document = catalogue.template_document(STAFF)
    fields = {"text_zh": "保持桌面整洁", "text_en": "Desk tidy.", "points": 1,
              "severity": "minor", "applies_to": "any", "category": "behaviour",
              "bars_quarterly": False, "bars_annual": False, "source": "centre rule 2026-1"}
    added = catalogue.template_from_document(
        catalogue.add_item(document, "behaviour", "behaviour.desk_tidy", fields))
    behaviour = [i.code for i in added.items if i.section == "behaviour"]
    assert behaviour[-1] == "behaviour.desk_tidy"
    assert len(added.items) == len(STAFF.items) + 1
    with pytest.raises(ValueError, match="duplicate"):
        catalogue.template_from_document(
            catalogue.add_item(document, "behaviour", "behaviour.farewell", fields))
    with pytest.raises(KeyError):
        catalogue.add_item(document, "nowhere", "behaviour.x", fields)
    removed = catalogue.template_from_document(
        catalogue.remove_item(document, "posture.walk"))
    assert "posture.walk" not in {i.code for i in removed.items}
    assert len(removed.items) == len(STAFF.items) - 1
    # Removing a section's last item drops the section.
    only = catalogue.template_document(TEMPLATES["help_area"])
    for item in [i for i in TEMPLATES["help_area"].items if i.section == "tidiness"]:
        only = catalogue.remove_item(only, item.code)
    assert [s["code"] for s in only["sections"]] == ["facilities"]
    with pytest.raises(KeyError):
        catalogue.remove_item(document, "no.such")


@pytest.mark.parametrize("change, message", [
    ({"points": 101}, "points"), ({"text_zh": "长" * 1001}, "text_zh"),
    ({"category": "c" * 41}, "category"), ({"disqualifier": ["bribery"]}, "disqualifier")])
def test_values_that_would_not_fit_the_records_are_refused(change, message):
    document = catalogue.replace_item(catalogue.template_document(STAFF), "posture.sit",
                                      {"bars_annual": True, **change})
    with pytest.raises(ValueError, match=f"posture.sit.*{message}"):
        catalogue.template_from_document(document)
    too_long = dict(catalogue.template_document(STAFF), title_zh="题" * 201)
    with pytest.raises(ValueError, match="title_zh"):
        catalogue.template_from_document(too_long)


@pytest.mark.parametrize("failed, expected", [
    ([], 100), ([1, 1, 5], 93), ([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 0),
    ([10] * 11, 0), ([0], 100)])
def test_inspection_score_is_100_minus_failed_points_not_below_0(failed, expected):
    assert catalogue.inspection_score(failed) == expected
