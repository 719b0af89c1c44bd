"""Findings made by substantiated complaints and bad reviews (SPEC §6–§7; seed 003 五).

A substantiated (or partly substantiated) complaint, or a bad review found substantiated,
makes one finding against the person (or the window) through the one core operation
``record_finding``, with source ``complaint`` and category ``complaint``. Its points are the
rulebook's ``quarterly.complaint_points``; it bars quarterly honours (SPEC §7) and, when the
rulebook's seed-003 table maps the case (``complaint:<category>:<outcome>``), annual honours
with that disqualifier's key.
"""
from __future__ import annotations

from flask_babel import force_locale

from ..conduct.models import Finding, FindingSource, Severity
from ..conduct.operations import FindingItem, record_finding
from ..db import utcnow
from ..extensions import db
from ..org.models import Centre
from ..scoring.rulebook import Rules
from ..scoring.store import rules_for
from ..timeutil import local_today
from .models import LEVEL_NAMES_ZH, Complaint, ComplaintCategory, ReviewCase

FINDING_CATEGORY = "complaint"
# Soliciting favours is critical wherever it is found (seed 004 十不准: 吃拿卡要).
CRITICAL_CATEGORIES = {ComplaintCategory.bribery}


def disqualifier_for(rules: Rules, category: str | None, outcome: str) -> str | None:
    """PURE: the seed-003 disqualifier the rulebook maps ``complaint:<category>:<outcome>``
    to, the most specific pattern winning (``complaint:bribery:*`` over ``complaint:*:*``);
    None when no entry matches."""
    best: tuple[int, str] | None = None
    actual = ("complaint", category or "", outcome or "")
    for dq in rules.disqualifiers:
        for pattern in dq.case_outcomes:
            parts = pattern.split(":")
            if len(parts) != 3 or not all(p in ("*", a) for p, a in zip(parts, actual)):
                continue
            specificity = sum(p != "*" for p in parts)
            if best is None or specificity > best[0]:
                best = (specificity, dq.key)
    return best[1] if best else None


def _both_languages(label) -> tuple[str, str]:
    with force_locale("zh_CN"):
        zh = str(label)
    with force_locale("en"):
        en = str(label)
    return zh, en


def complaint_finding(complaint: Complaint) -> Finding:
    """The finding of a substantiated or partly substantiated complaint."""
    centre = db.session.get(Centre, complaint.centre_id)
    today = local_today(centre.timezone)
    rules = rules_for(centre.id, today)
    outcome = complaint.conclusion.value
    key = disqualifier_for(rules, complaint.category.value, outcome)
    zh, en = _both_languages(complaint.category.label)
    outcome_zh, outcome_en = _both_languages(complaint.conclusion.label)
    item = FindingItem(
        code=f"complaint.{complaint.category.value}",
        text_zh=f"受到服务对象有效投诉({zh},{outcome_zh})",
        text_en=f"Substantiated complaint ({en}, {outcome_en})",
        category=FINDING_CATEGORY,
        severity=Severity.critical if complaint.category in CRITICAL_CATEGORIES
        else Severity.major,
        points=rules.quarterly.complaint_points,
        bars_quarterly=True, bars_annual=key is not None, disqualifier=key)
    # Dated at the conclusion, so the person keeps the full appeal period (SPEC §4).
    return record_finding(centre=centre, item=item, at=utcnow(), source=FindingSource.complaint,
                          source_ref=f"complaint:{complaint.id}", staff=complaint.staff,
                          window=complaint.window, note=complaint.text[:500])


def review_case_finding(case: ReviewCase) -> Finding:
    """The finding of a bad review found substantiated: a valid complaint from a citizen
    (seed 003 五.1 有效投诉), matched as ``complaint:*:substantiated``."""
    centre = db.session.get(Centre, case.centre_id)
    rules = rules_for(centre.id, local_today(centre.timezone))
    key = disqualifier_for(rules, None, "substantiated")
    review = case.review
    item = FindingItem(
        code="review.bad_substantiated",
        text_zh=f"差评经核实属实({review.level}星 {LEVEL_NAMES_ZH[review.level]})",
        text_en=f"Bad review found substantiated (level {review.level})",
        category=FINDING_CATEGORY, severity=Severity.major,
        points=rules.quarterly.complaint_points,
        bars_quarterly=True, bars_annual=key is not None, disqualifier=key)
    return record_finding(centre=centre, item=item, at=utcnow(), source=FindingSource.complaint,
                          source_ref=f"review_case:{case.id}", staff=review.staff,
                          window=review.window, note=case.conclusion_note[:500])

