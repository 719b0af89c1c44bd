"""Rulebook document: defaults, validation messages, merge, typed view, fingerprint."""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json

import pytest

from compliance.scoring import rulebook
from compliance.scoring.rulebook import Rules, RulebookError, fingerprint, load_default, merge, validate

SEED_003_KEYS = {
    "unauthorised_approval", "substantiated_complaint", "citizen_conflict", "bribery",
    "public_criticism", "leisure_at_work", "unauthorised_software", "unapproved_absence",
    "distraction_at_work", "overdue_complaint",
}


def _get(doc, path):
    for part in path.split("."):
        doc = doc[part]
    return doc


def _with(path, value):
    doc = load_default()
    *parents, last = path.split(".")
    target = doc
    for part in parents:
        target = target[part]
    target[last] = value
    return doc


def _without(path):
    doc = load_default()
    *parents, last = path.split(".")
    target = doc
    for part in parents:
        target = target[part]
    del target[last]
    return doc


# --- defaults -----------------------------------------------------------------------------


def test_default_is_valid_and_versioned():
    doc = load_default()
    assert validate(doc) == []
    assert isinstance(doc["version"], str) and doc["version"]
    assert Rules.from_doc(doc).version == doc["version"]


@pytest.mark.parametrize("path, value", [
    ("attendance.late_to_absent_minutes", 30),
    ("attendance.extended_service_minutes", 15),
    ("attendance.duplicate_punch_seconds", 60),
    ("attendance.corrections_per_month", 3),
    ("attendance.temporary_absence_notify_minutes", 10),
    ("deductions.late", 2),
    ("deductions.early_leave", 2),
    ("deductions.missing_punch", 1),
    ("deductions.absent", 10),
    ("quarterly.weights.attendance", 25),
    ("quarterly.weights.patrol", 20),
    ("quarterly.weights.service_norms", 15),
    ("quarterly.weights.reviews", 20),
    ("quarterly.weights.complaints", 10),
    ("quarterly.weights.performance", 10),
    ("quarterly.complaint_points", 20),
    ("quarterly.quarterly_honour_share", 10),
    ("quarterly.good_review_min_level", 3),
    ("annual.annual_honour_share", 15),
    ("annual.min_assessed_quarters", 3),
    ("appeals.appeal_working_days", 3),
    ("cases.bad_review_max_level", 2),
    ("cases.bad_review_contact_working_days", 1),
    ("cases.bad_review_conclude_working_days", 5),
    ("cases.real_name_followup_target", 100),
    ("camera.seat_empty_consecutive", 1),
    ("camera.snapshot_retention_days", 30),
    ("camera.snapshot_interval_minutes", 10),
    ("spot_checks.per_day", 3),
])
def test_default_numbers_match_the_spec(path, value):
    assert _get(load_default(), path) == value


def test_default_complaint_deadlines_are_named_and_ordered():
    cases = load_default()["cases"]
    stages = [cases[f"complaint_{s}_working_days"] for s in ("assign", "conclude", "answer", "close")]
    assert stages == sorted(stages) and stages[0] >= 1


def test_default_camera_thresholds_are_ratios():
    camera = load_default()["camera"]
    assert 0 < camera["seat_similarity_threshold"] < 0.96  # empty seat measured ≥ 0.96 (SPEC §5)
    assert 0 < camera["desk_deviation_threshold"] < 1


def test_default_lists_every_seed_003_disqualifier_with_labels():
    table = load_default()["disqualifiers"]
    assert set(table) == SEED_003_KEYS
    for key, entry in table.items():
        assert entry["label_zh"] and entry["label_en"] and entry["seed_clause"].startswith("003")
        matchers = ("finding_categories", "finding_sources", "item_codes", "case_outcomes",
                    "session_statuses")
        assert any(entry[m] for m in matchers), key


def test_load_default_returns_a_fresh_copy():
    first = load_default()
    first["deductions"]["late"] = 99
    assert load_default()["deductions"]["late"] == 2


# --- validation ---------------------------------------------------------------------------


def test_weights_must_sum_to_100():
    assert validate(_with("quarterly.weights.patrol", 15)) == [
        "quarterly.weights: must sum to 100, got 95"]


@pytest.mark.parametrize("path, value, message", [
    ("deductions.late", -1, "deductions.late: must be an integer ≥ 0, got -1"),
    ("deductions.late", 2.5, "deductions.late: must be an integer ≥ 0, got 2.5"),
    ("deductions.late", True, "deductions.late: must be an integer ≥ 0, got True"),
    ("deductions.late", "2", "deductions.late: must be an integer ≥ 0, got '2'"),
    ("quarterly.quarterly_honour_share", 101,
     "quarterly.quarterly_honour_share: must be an integer between 0 and 100, got 101"),
    ("annual.annual_honour_share", -5,
     "annual.annual_honour_share: must be an integer between 0 and 100, got -5"),
    ("annual.min_assessed_quarters", 5,
     "annual.min_assessed_quarters: must be an integer between 0 and 4, got 5"),
    ("quarterly.good_review_min_level", 0,
     "quarterly.good_review_min_level: must be an integer between 1 and 5, got 0"),
    ("camera.seat_similarity_threshold", 1.5,
     "camera.seat_similarity_threshold: must be a number between 0 and 1, got 1.5"),
    ("camera.seat_empty_consecutive", 0,
     "camera.seat_empty_consecutive: must be an integer ≥ 1, got 0"),
    ("camera.capture_hours", [], 'camera.capture_hours: must be a non-empty list of "HH:MM-HH:MM" '
     "ranges, got []"),
    ("camera.capture_hours", ["9:00-12:00"],
     "camera.capture_hours[0]: must look like 09:00-12:00 and end after it starts, got '9:00-12:00'"),
    ("camera.capture_hours", ["12:00-09:00"],
     "camera.capture_hours[0]: must look like 09:00-12:00 and end after it starts, "
     "got '12:00-09:00'"),
    ("camera.capture_hours", ["09:00-12:00", "11:00-13:00"],
     "camera.capture_hours[1]: must start after the previous range ends"),
    ("version", "", "version: must be a non-empty string, got ''"),
    ("quarterly.substantiated_outcomes", "substantiated",
     "quarterly.substantiated_outcomes: must be a list of strings, got 'substantiated'"),
    ("quarterly.substantiated_outcomes", ["a", "a"],
     "quarterly.substantiated_outcomes: must not repeat an entry"),
    ("quarterly.weights.reviews", -20,
     "quarterly.weights.reviews: must be an integer ≥ 0, got -20"),
])
def test_value_messages_name_the_path(path, value, message):
    assert message in validate(_with(path, value))


@pytest.mark.parametrize("path, message", [
    ("color", "color: unknown key"),
    ("deductions.lateness", "deductions.lateness: unknown key"),
    ("quarterly.weights.luck", "quarterly.weights.luck: unknown key"),
    ("disqualifiers.bribery.note", "disqualifiers.bribery.note: unknown key"),
])
def test_unknown_keys_are_refused(path, message):
    assert message in validate(_with(path, 1))


@pytest.mark.parametrize("path, message", [
    ("version", "version: missing"),
    ("camera", "camera: missing"),
    ("deductions.absent", "deductions.absent: missing"),
    ("quarterly.weights", "quarterly.weights: missing"),
    ("quarterly.weights.patrol", "quarterly.weights.patrol: missing"),
    ("disqualifiers", "disqualifiers: missing"),
    ("disqualifiers.bribery.label_en", "disqualifiers.bribery.label_en: missing"),
])
def test_missing_keys_are_reported(path, message):
    assert message in validate(_without(path))


def test_disqualifier_entries_are_checked():
    doc = load_default()
    doc["disqualifiers"]["bribery"]["case_outcomes"] = ["complaint:substantiated"]
    doc["disqualifiers"]["unapproved_absence"]["session_statuses"] = ["absent", "late"]
    doc["disqualifiers"]["Bad-Key"] = copy.deepcopy(doc["disqualifiers"]["bribery"])
    errors = validate(doc)
    assert ("disqualifiers.bribery.case_outcomes[0]: must look like kind:category:outcome, "
            "got 'complaint:substantiated'") in errors
    assert any(e.startswith("disqualifiers.unapproved_absence.session_statuses[1]: must be one of")
               for e in errors)
    assert "disqualifiers.Bad-Key: key must be lower-case letters, digits and _" in errors


def test_every_problem_is_reported_at_once():
    doc = _with("deductions.late", -1)
    doc["spot_checks"]["per_day"] = "three"
    doc["quarterly"]["weights"]["patrol"] = 0
    assert len(validate(doc)) == 3


@pytest.mark.parametrize("doc", [None, [], "rulebook"])
def test_non_table_document(doc):
    assert validate(doc)[0].startswith("rulebook: must be a table")


def test_section_that_is_not_a_table():
    assert "camera: must be a table, got 5" in validate(_with("camera", 5))


# --- merge --------------------------------------------------------------------------------


def test_merge_is_deep_and_leaves_inputs_alone():
    base = load_default()
    before = copy.deepcopy(base)
    overrides = {"deductions": {"late": 3}, "quarterly": {"weights": {"attendance": 30, "patrol": 15}}}
    merged = merge(base, overrides)
    assert base == before
    assert merged["deductions"] == {"late": 3, "early_leave": 2, "missing_punch": 1, "absent": 10}
    assert merged["quarterly"]["weights"]["service_norms"] == 15
    assert merged["quarterly"]["complaint_points"] == 20
    assert validate(merged) == []
    merged["deductions"]["early_leave"] = 7
    assert base["deductions"]["early_leave"] == 2


def test_merge_replaces_lists_whole():
    merged = merge(load_default(), {"disqualifiers": {"bribery": {"finding_categories": ["graft"]}}})
    assert merged["disqualifiers"]["bribery"]["finding_categories"] == ["graft"]
    assert merged["disqualifiers"]["bribery"]["label_zh"] == load_default()["disqualifiers"]["bribery"]["label_zh"]


def test_merge_keeps_unknown_keys_for_validate_to_refuse():
    merged = merge(load_default(), {"deductions": {"sneeze": 1}})
    assert validate(merged) == ["deductions.sneeze: unknown key"]


def test_merge_override_that_breaks_the_weights():
    merged = merge(load_default(), {"quarterly": {"weights": {"attendance": 40}}})
    assert validate(merged) == ["quarterly.weights: must sum to 100, got 115"]


# --- typed view ---------------------------------------------------------------------------


def test_rules_view_exposes_every_setting():
    rules = Rules.default()
    assert rules.deductions.absent == 10
    assert rules.attendance.late_to_absent_minutes == 30
    assert dict(rules.quarterly.weights) == {"attendance": 25, "patrol": 20, "service_norms": 15,
                                            "reviews": 20, "complaints": 10, "performance": 10}
    assert rules.quarterly.substantiated_outcomes == ("substantiated", "partly")
    assert rules.annual.min_assessed_quarters == 3
    assert rules.cases.complaint_conclude_working_days == 5
    assert rules.camera.seat_similarity_threshold == 0.65
    assert rules.camera.capture_hours == ("09:00-12:00", "13:30-17:30")
    assert rules.spot_checks.per_day == 3
    assert {d.key for d in rules.disqualifiers} == SEED_003_KEYS
    assert rules.disqualifier("bribery").label_zh.startswith("吃")
    assert rules.disqualifier("nope") is None
    assert rules.fingerprint == fingerprint(load_default())


def test_rules_view_is_frozen():
    rules = Rules.default()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.deductions.late = 0
    with pytest.raises(TypeError):
        rules.quarterly.weights["attendance"] = 0


def test_rules_from_invalid_doc_raises_with_every_message():
    with pytest.raises(RulebookError) as caught:
        Rules.from_doc(_with("quarterly.weights.patrol", 15))
    assert caught.value.errors == ["quarterly.weights: must sum to 100, got 95"]
    assert "must sum to 100" in str(caught.value)


@pytest.mark.parametrize("pattern, case, expected", [
    ("complaint:*:substantiated", ("complaint", "rude", "substantiated"), True),
    ("complaint:*:substantiated", ("complaint", None, "substantiated"), True),
    ("complaint:*:substantiated", ("complaint", "rude", "unsubstantiated"), False),
    ("complaint:*:substantiated", ("review_case", "rude", "substantiated"), False),
    ("complaint:overdue:*", ("complaint", "overdue", None), True),
    ("complaint:overdue:*", ("complaint", "rude", "partly"), False),
    ("exposure:*:*", ("exposure", None, None), True),
])
def test_disqualifier_case_patterns(pattern, case, expected):
    doc = _with("disqualifiers.bribery.case_outcomes", [pattern])
    assert Rules.from_doc(doc).disqualifier("bribery").matches_case(*case) is expected


# --- fingerprint --------------------------------------------------------------------------


def test_fingerprint_is_sha256_of_canonical_json():
    doc = load_default()
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert fingerprint(doc) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_fingerprint_ignores_key_order_but_not_values():
    doc = load_default()
    reordered = {key: doc[key] for key in reversed(list(doc))}
    reordered["deductions"] = dict(reversed(list(doc["deductions"].items())))
    assert fingerprint(reordered) == fingerprint(doc)
    assert fingerprint(_with("deductions.late", 3)) != fingerprint(doc)
    assert fingerprint(_with("version", "2025.2")) != fingerprint(doc)
    assert len(fingerprint(doc)) == 64


def test_parse_reads_toml_text():
    assert rulebook.parse(rulebook.DEFAULT_PATH.read_text(encoding="utf-8")) == load_default()
