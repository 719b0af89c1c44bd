"""Recording findings and their appeals (SPEC §4 申诉).

The only way a deduction enters the system: ``record_finding``. A person appeals within the
rulebook's working days; HR upholds or overturns with a reason; an overturned finding counts
for nothing. Every step is kept (``FindingStep``) besides the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from ..audit import current_actor
from ..cases.calendar import add_working_days
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import db
from ..org.models import Centre, Staff, Window
from ..timeutil import local_date, local_today
from .models import Evidence, Finding, FindingSource, FindingState, FindingStep, Severity


@dataclass(frozen=True)
class FindingItem:
    """What was failed: a checklist item's stable code and the facts scoring needs."""

    code: str
    text_zh: str
    text_en: str
    category: str
    severity: Severity
    points: int
    ten_prohibitions: bool = False
    bars_quarterly: bool = False
    bars_annual: bool = False
    disqualifier: str | None = None


def appeal_working_days(centre_id: int, day: date) -> int:
    from ..scoring.store import rules_for

    return rules_for(centre_id, day).appeals.appeal_working_days


def _step(finding: Finding, action: str, reason: str = "") -> None:
    user_id, actor = current_actor()
    finding.steps.append(FindingStep(action=action, user_id=user_id, actor=actor,
                                     reason=reason))


def record_finding(*, centre: Centre, item: FindingItem, at: datetime, source: FindingSource,
                   source_ref: str, staff: Staff | None = None, window: Window | None = None,
                   note: str = "", evidence: list[Evidence] = ()) -> Finding:
    """Record one deduction against a person (or, with no person, against a window).

    The local day comes from the centre's zone; the appeal deadline is that day plus the
    rulebook's appeal working days (seed 004 / SPEC §4: 3 working days).
    """
    if staff is None and window is None:
        raise Invalid(_("A finding needs a person or a window."),
                      {"staff_no": _("A finding needs a person or a window.")})
    if item.points < 0:
        raise Invalid(_("Points cannot be negative."), {"points": _("Points cannot be negative.")})
    day = local_date(at, centre.timezone)
    user_id, _actor = current_actor()
    finding = Finding(
        centre_id=centre.id, staff_id=staff.id if staff else None,
        window_id=window.id if window else (staff.window_id if staff else None),
        department_id=staff.department_id if staff else window.department_id,
        at=at, day=day, source=source, source_ref=source_ref,
        item_code=item.code, item_text_zh=item.text_zh, item_text_en=item.text_en,
        category=item.category, severity=item.severity, points=item.points,
        ten_prohibitions=item.ten_prohibitions, bars_quarterly=item.bars_quarterly,
        bars_annual=item.bars_annual, disqualifier=item.disqualifier, note=note,
        recorded_by_id=user_id, state=FindingState.open,
        appeal_due=add_working_days(day, appeal_working_days(centre.id, day)))
    db.session.add(finding)
    for proof in evidence:
        proof.finding = finding
    _step(finding, "recorded", note)
    db.session.flush()
    return finding


def appeal(finding: Finding, user, reason: str) -> Finding:
    """The person concerned appeals an open finding up to its appeal deadline (inclusive)."""
    if not reason or not reason.strip():
        raise Invalid(_("Give the reason for the appeal."), {"reason": _("Give the reason for "
                                                                         "the appeal.")})
    if finding.state is not FindingState.open:
        raise Conflict(_("Only an open finding can be appealed."), code="illegal_state")
    if not finding.can_appeal(user):
        raise Forbidden(_("Only the person concerned can appeal."))
    centre = db.session.get(Centre, finding.centre_id)
    if local_today(centre.timezone) > finding.appeal_due:
        raise Conflict(_("The appeal deadline (%(due)s) has passed.", due=finding.appeal_due),
                       code="deadline_passed")
    finding.state = FindingState.appealed
    _step(finding, "appealed", reason.strip())
    db.session.flush()
    return finding


def decide(finding: Finding, user, upheld: bool, reason: str) -> Finding:
    """HR upholds or overturns an appealed finding, always with a reason."""
    if not reason or not reason.strip():
        raise Invalid(_("Give the reason for the decision."),
                      {"reason": _("Give the reason for the decision.")})
    if finding.state is not FindingState.appealed:
        raise Conflict(_("Only an appealed finding can be decided."), code="illegal_state")
    if not finding.can_decide(user):
        raise Forbidden(_("Only HR decides appeals."))
    finding.state = FindingState.upheld if upheld else FindingState.overturned
    _step(finding, "upheld" if upheld else "overturned", reason.strip())
    db.session.flush()
    return finding
