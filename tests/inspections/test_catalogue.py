"""The default patrol checklists (inspections/checklists/*.toml) against seed 004.

Every Chinese item text must be a word-for-word excerpt of the regulation, and the lists the
regulation enumerates (十必须, 十不准, 十不说, 五个一, the counter items, the help-area
facilities) must appear complete and in the seed's order.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CATALOGUE_PATH = REPO / "inspections" / "catalogue.py"
SEED_004_NAME = "004_4d5da0979a33bc5a.txt"


def _load_catalogue():
    # Loaded by path so that this test needs neither inspections/__init__.py (which wires the
    # Flask blueprint) nor Flask itself: catalogue.py is meant to be pure.
    name = "_inspections_catalogue_under_test"
    spec = importlib.util.spec_from_file_location(name, CATALOGUE_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while building the class
    spec.loader.exec_module(module)
    return module


catalogue = _load_catalogue()
TEMPLATES = {t.code: t for t in catalogue.default_templates()}
STAFF = TEMPLATES["staff_conduct"]
WINDOW = TEMPLATES["window_desk"]
HELP = TEMPLATES["help_area"]
ALL_ITEMS = [(t.code, item) for t in TEMPLATES.values() for item in t.items]


def _seed_path() -> Path:
    candidates = []
    if os.environ.get("COMPLIANCE_SEEDS_DIR"):
        candidates.append(Path(os.environ["COMPLIANCE_SEEDS_DIR"]) / SEED_004_NAME)
    candidates += [REPO / "seeds" / SEED_004_NAME, REPO.parent / "shared" / "seeds" / SEED_004_NAME]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    # Failing, not skipping: a silently skipped word-for-word check would prove nothing.
    pytest.fail(f"seed 004 not found (set COMPLIANCE_SEEDS_DIR); looked in {candidates}")


def normalise(text: str) -> str:
    """Drop every whitespace character (spaces, U+00A0, line breaks) and nothing else.

    The seed is a web copy: its lines are broken mid-paragraph and padded with non-breaking
    spaces, and Chinese prose has no meaningful spaces. Punctuation is NOT normalised: the seed
    writes ASCII , ; : ( ) inside the Chinese text and the templates must keep exactly those.
    """
    return "".join(text.split())


@pytest.fixture(scope="module")
def seed() -> str:
    return normalise(_seed_path().read_text(encoding="utf-8"))


def _between(seed: str, start: str, end: str) -> str:
    match = re.search(re.escape(start) + "(.*?)" + re.escape(end), seed)
    assert match, f"seed 004 no longer contains {start!r} … {end!r}"
    return match.group(1)


def _split_top_level(text: str, sep: str = "、") -> list[str]:
    """Split a seed enumeration on `sep`, leaving separators inside (…) alone."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return parts + [current]


def _texts(template, section: str) -> list[str]:
    return [item.text_zh for item in template.items if item.section == section]


# --- word for word ---------------------------------------------------------------------


@pytest.mark.parametrize(("template", "item"), ALL_ITEMS, ids=[i.code for _, i in ALL_ITEMS])
def test_text_zh_is_an_excerpt_of_seed_004(seed, template, item):
    assert normalise(item.text_zh) == item.text_zh, "text_zh must not carry whitespace"
    assert item.text_zh in seed, f"{template}/{item.code}: {item.text_zh!r} is not in seed 004"


def test_the_excerpt_check_is_strict_about_punctuation(seed):
    # The seed writes ASCII commas; a "tidied" full-width comma must not pass.
    original = STAFF.item("ten_prohibitions.01").text_zh
    assert original in seed
    assert original.replace("、", ",") not in seed
    assert "不说“我不知道,不归我管”".replace(",", "，") not in seed


def test_ten_prohibitions_are_the_seeds_list_in_order(seed):
    listed = _between(seed, "遵守员工“十不准”:", ";(十)").split(";")
    assert len(listed) == 10
    assert _texts(STAFF, "ten_prohibitions") == listed
    assert [i.code for i in STAFF.items if i.section == "ten_prohibitions"] == [
        f"ten_prohibitions.{n:02d}" for n in range(1, 11)
    ]


def test_ten_musts_are_the_seeds_list_in_order(seed):
    listed = _between(seed, "遵守员工“十必须”:", ";(九)").split(";")
    assert len(listed) == 10
    assert _texts(STAFF, "ten_musts") == listed


def test_ten_forbidden_phrases_are_the_seeds_list_in_order(seed):
    listed = _between(seed, "遵守员工“十不说”:", "。第十条").split(";")
    assert len(listed) == 10
    assert _texts(STAFF, "forbidden_phrases") == listed


def test_five_ones_are_the_seeds_list_in_order(seed):
    listed = _between(seed, "做到“五个一”:", ";(十一)").split(";")
    assert len(listed) == 5
    assert _texts(STAFF, "five_ones") == listed


def test_counter_items_are_the_seeds_list_in_order(seed):
    listed = _split_top_level(_between(seed, "窗口受理桌面应定点摆放", ";(三)"))
    # "服务标识牌(员工工牌、五星级服务员标牌、暂停服务牌)" is three signs, checked one by one.
    expanded = []
    for entry in listed:
        signs = re.fullmatch(r"服务标识牌\((.*)\)", entry)
        expanded += signs.group(1).split("、") if signs else [entry]
    assert len(expanded) == 8
    assert _texts(WINDOW, "counter") == expanded


def test_help_area_facilities_are_the_seeds_list_in_order(seed):
    listed = _split_top_level(_between(seed, "便民服务设施,包括:", ";(三)"))
    assert len(listed) == 18
    assert _texts(HELP, "facilities") == listed


def test_no_requirement_is_listed_twice_in_a_template():
    for template in TEMPLATES.values():
        texts = [item.text_zh for item in template.items]
        assert len(texts) == len(set(texts)), template.code


# --- the shape of the default templates -------------------------------------------------


def test_default_templates_and_their_sections():
    assert list(TEMPLATES) == ["staff_conduct", "window_desk", "help_area"]
    assert {t.code: t.subject for t in TEMPLATES.values()} == {
        "staff_conduct": "person", "window_desk": "window", "help_area": "zone",
    }
    assert all(t.version == 1 for t in TEMPLATES.values())
    sections = list(dict.fromkeys(item.section for item in STAFF.items))
    assert sections == [
        "grooming_f", "dress_f", "grooming_m", "dress_m", "dress_all", "posture", "behaviour",
        "ten_musts", "ten_prohibitions", "five_ones", "language", "forbidden_phrases",
    ]
    assert list(dict.fromkeys(i.section for i in WINDOW.items)) == [
        "counter", "work_desk", "screens", "away",
    ]
    assert list(dict.fromkeys(i.section for i in HELP.items)) == ["facilities", "tidiness"]


def test_spec_named_requirements_are_present():
    by_code = {item.code: item for _, item in ALL_ITEMS}
    assert "5分钟" in by_code["behaviour.early_arrival"].text_zh
    assert "暂停服务牌" in by_code["behaviour.pause_sign"].text_zh
    assert "三声以内" in by_code["behaviour.phone_three_rings"].text_zh
    assert "双手递接" in by_code["behaviour.both_hands"].text_zh
    assert "正装" in by_code["dress.any.substitute_formal"].text_zh
    assert "直角" in by_code["desk.screen.right_angle"].text_zh
    assert "桌面背景" in by_code["desk.screen.uniform_wallpaper"].text_zh
    assert by_code["desk.work.no_private_items"].text_zh == "无规定以外私人物品"
    assert "离岗前" in by_code["desk.away.tidy"].text_zh
    assert by_code["ten_prohibitions.01"].text_zh == "不准无故离岗、随意串岗"


def test_codes_are_unique_and_stable_in_format():
    codes = [item.code for _, item in ALL_ITEMS]
    assert len(codes) == len(set(codes))
    prefixes = {
        "staff_conduct": {"grooming", "dress", "posture", "behaviour", "ten_musts",
                          "ten_prohibitions", "five_ones", "language", "forbidden_phrases"},
        "window_desk": {"desk"},
        "help_area": {"help_area"},
    }
    for template, item in ALL_ITEMS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", item.code), item.code
        assert item.code.split(".")[0] in prefixes[template], item.code


def test_every_item_has_an_english_text_and_a_source():
    for _, item in ALL_ITEMS:
        assert item.text_en.strip() and item.text_en != item.text_zh, item.code
        assert item.source.startswith("seed 004 第"), item.code


# --- severity, points and honours -------------------------------------------------------


def test_ten_prohibitions_are_major_except_kickbacks_and_back_room_deals():
    prohibitions = [i for i in STAFF.items if i.section == "ten_prohibitions"]
    critical = {i.text_zh for i in prohibitions if i.severity == "critical"}
    assert critical == {"不准吃拿卡要、违规操作", "不准暗箱操作、延时办理"}
    assert all(i.severity == "major" for i in prohibitions if i.text_zh not in critical)
    assert all(i.bars_quarterly for i in prohibitions)
    assert all(i.category == "ten_prohibitions" for i in prohibitions)


def test_only_ten_prohibition_items_bar_quarterly_honours():
    # SPEC §7: a standing critical finding bars quarterly honours through the rulebook; the
    # flag marks the 十不准 rule, so it must not leak onto other items.
    assert {i.code for _, i in ALL_ITEMS if i.bars_quarterly} == {
        f"ten_prohibitions.{n:02d}" for n in range(1, 11)
    }


def test_points_follow_the_default_scale():
    default_points = {"minor": 1, "major": 5, "critical": 10}
    for _, item in ALL_ITEMS:
        assert item.points == default_points[item.severity], item.code


def test_disqualifiers_name_seed_003_events():
    for _, item in ALL_ITEMS:
        assert item.bars_annual == (item.disqualifier is not None), item.code
        if item.disqualifier is not None:
            assert item.disqualifier in catalogue.DISQUALIFIERS, item.code
    by_text = {i.text_zh: i.disqualifier for i in STAFF.items}
    assert by_text["不准无故离岗、随意串岗"] == "unapproved_absence"
    assert by_text["不准吃拿卡要、违规操作"] == "bribery"
    assert by_text["不准暗箱操作、延时办理"] == "unauthorised_approval"
    assert by_text["不准饮酒吸烟、上网娱乐"] == "leisure_at_work"
    assert by_text["不准公办私事、电话聊天"] == "distraction_at_work"
    assert STAFF.item("behaviour.no_tampering").disqualifier == "unauthorised_software"
    assert all(i.disqualifier is None for i in WINDOW.items + HELP.items)


# --- who an item applies to -------------------------------------------------------------


def test_gender_specific_items_follow_the_person():
    women = {i.code for i in catalogue.items_for(STAFF, "F")}
    men = {i.code for i in catalogue.items_for(STAFF, "M")}
    everyone = {i.code for i in catalogue.items_for(STAFF, None)}
    assert everyone == {i.code for i in STAFF.items}
    assert {"grooming.f.makeup", "dress.f.shoes_stockings", "posture.stand_f"} <= women - men
    assert {"grooming.m.shaven", "dress.m.tie", "posture.stand_m"} <= men - women
    assert all(STAFF.item(c).applies_to != "M" for c in women)
    assert all(STAFF.item(c).applies_to != "F" for c in men)
    assert women & men == {i.code for i in STAFF.items if i.applies_to == "any"}
    assert women | men == everyone
    # order is kept: the form shows items in template order
    assert [i.code for i in catalogue.items_for(STAFF, "F")] == [
        i.code for i in STAFF.items if i.code in women
    ]


def test_gender_sections_are_marked():
    for item in STAFF.items:
        if item.section in ("grooming_f", "dress_f"):
            assert item.applies_to == "F", item.code
        if item.section in ("grooming_m", "dress_m"):
            assert item.applies_to == "M", item.code
    assert all(i.applies_to == "any" for i in WINDOW.items + HELP.items)
    assert catalogue.items_for(WINDOW, "M") == list(WINDOW.items)


def test_items_for_rejects_an_unknown_gender():
    with pytest.raises(ValueError, match="gender"):
        catalogue.items_for(STAFF, "X")


# --- validation -------------------------------------------------------------------------

VALID_ITEM = """
[[sections.items]]
code = "{code}"
text_zh = "必须保持环境清洁"
text_en = "Keep the surroundings clean."
points = {points}
severity = "{severity}"
applies_to = "{applies_to}"
category = "ten_musts"
bars_quarterly = false
bars_annual = {bars_annual}
{extra}
source = "seed 004 第九条二（八）"
"""

HEAD = """
code = "sample"
version = 1
title_zh = "样例"
title_en = "Sample"
subject = "person"
source = "seed 004"

[[sections]]
code = "musts"
title_zh = "十必须"
title_en = "Ten musts"
"""


def _write(tmp_path, *items) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(HEAD + "".join(items), encoding="utf-8")
    return path


def _item(code="sample.one", points=1, severity="minor", applies_to="any", bars_annual="false",
          extra=""):
    return VALID_ITEM.format(code=code, points=points, severity=severity, applies_to=applies_to,
                             bars_annual=bars_annual, extra=extra)


def test_a_valid_sample_loads(tmp_path):
    template = catalogue.load_template(_write(tmp_path, _item(), _item(code="sample.two")))
    assert [i.code for i in template.items] == ["sample.one", "sample.two"]
    assert template.items[0].section_title_en == "Ten musts"
    assert template.items[0].disqualifier is None


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ((_item(code="sample.dup"), _item(code="sample.dup")), "duplicate"),
        ((_item(code="sample.sev", severity="fatal"),), "severity"),
        ((_item(code="sample.who", applies_to="W"),), "applies_to"),
        ((_item(code="sample.neg", points=-1),), "points"),
        ((_item(code="sample.flt", points=1.5),), "points"),
        ((_item(code="sample.dq", bars_annual="true", extra='disqualifier = "jaywalking"'),),
         "disqualifier"),
        ((_item(code="sample.dq2", extra='disqualifier = "bribery"'),), "bars_annual"),
        ((_item(code="sample.typo", extra='severty = "minor"'),), "unknown key"),
    ],
    ids=["duplicate", "severity", "applies_to", "negative", "fractional", "unknown_disqualifier",
         "disqualifier_without_bar", "unknown_key"],
)
def test_validation_errors_name_the_file_and_the_item(tmp_path, items, reason):
    path = _write(tmp_path, *items)
    code = re.search(r'code = "(sample\.[a-z0-9_]+)"', items[-1]).group(1)
    with pytest.raises(ValueError) as excinfo:
        catalogue.load_template(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert code in message
    assert reason in message


def test_a_malformed_code_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="Sample One"):
        catalogue.load_template(_write(tmp_path, _item(code="Sample One")))


def test_a_missing_field_is_rejected(tmp_path):
    item = _item(code="sample.no_en").replace('text_en = "Keep the surroundings clean."\n', "")
    with pytest.raises(ValueError, match=r"sample\.no_en.*text_en"):
        catalogue.load_template(_write(tmp_path, item))


def test_a_bad_subject_is_rejected(tmp_path):
    path = _write(tmp_path, _item())
    path.write_text(path.read_text(encoding="utf-8").replace('"person"', '"desk"'), "utf-8")
    with pytest.raises(ValueError, match="subject"):
        catalogue.load_template(path)


# --- purity -----------------------------------------------------------------------------


def test_catalogue_is_pure():
    tree = ast.parse(CATALOGUE_PATH.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert not imported & {"flask", "sqlalchemy", "flask_sqlalchemy", "compliance"}
