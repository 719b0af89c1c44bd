"""The reviewer's decision on a flag (SPEC §5 review queue): confirm it, choosing the
checklist item, which records a finding against the person on duty with the snapshot as
evidence; or dismiss it with a reason. A moved camera is nobody's fault: it is dismissed, or
resolved by setting new references.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from compliance.audit import current_actor
from compliance.conduct.models import Evidence, Finding, FindingSource
from compliance.conduct.operations import record_finding
from compliance.db import utcnow
from compliance.errors import Conflict, Forbidden, Invalid
from compliance.extensions import db
from compliance.org.models import Centre, Staff
from compliance.uploads import store_image

from .items import finding_item
from .models import CameraFlag, FlagState
from .screening import outline
from .snapshots import load_picture

MAX_TEXT = 2000


def _check_open(flag: CameraFlag, user) -> None:
    if not flag.can_view(user):
        raise Forbidden(_("Your role may not do this."))
    if not flag.state.is_open:
        raise Conflict(_("This flag has already been decided (%(state)s).",
                         state=flag.state.label), code="illegal_state")


def confirm(flag: CameraFlag, user, item_code: str, staff_no: str | None = None,
            note: str = "") -> Finding:
    """Record the flag as a finding (source camera) under checklist item ``item_code``.

    The finding is against ``staff_no`` when given (a person of the flag's centre), else
    against the person on duty when the snapshot was taken, else against the window. The
    snapshot, with the window's regions outlined, is the finding's evidence; the snapshot
    itself is kept as long as the flag is.
    """
    _check_open(flag, user)
    if not flag.kind.makes_finding:
        raise Conflict(_("A moved camera is nobody's fault: set new references, or dismiss "
                         "the flag."), code="illegal_state")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        message = _("Longer than %(n)s characters.", n=MAX_TEXT)
        raise Invalid(message, {"note": message})
    item = finding_item(flag.centre_id, (item_code or "").strip())
    staff = flag.staff
    if staff_no:
        staff = db.session.scalars(sa.select(Staff).where(
            Staff.centre_id == flag.centre_id, Staff.staff_no == staff_no.strip())).first()
        if staff is None:
            message = _("Unknown staff number %(staff_no)s.", staff_no=staff_no)
            raise Invalid(message, {"staff_no": message})
    snapshot = flag.last_snapshot or flag.snapshot
    if snapshot is None:
        raise Conflict(_("The flag's snapshot is no longer stored."), code="illegal_state")
    picture = load_picture(snapshot.path)
    if picture is None:
        raise Conflict(_("The flag's snapshot is no longer stored."), code="illegal_state")
    polygons = [r["polygon"] for r in snapshot.regions
                if flag.window is not None and r["window_code"] == flag.window.code]
    stored = store_image(outline(picture, polygons, flag.window.code if flag.window else ""),
                         "evidence")
    evidence = Evidence(centre_id=flag.centre_id, kind="snapshot",
                        source_ref=f"snapshot:{snapshot.id}", path=stored.path,
                        thumb_path=stored.thumb_path, sha256=stored.sha256, size=stored.size,
                        width=stored.width, height=stored.height)
    db.session.add(evidence)
    finding = record_finding(centre=db.session.get(Centre, flag.centre_id), item=item,
                             at=flag.at, source=FindingSource.camera,
                             source_ref=f"camera-flag:{flag.id}", staff=staff,
                             window=flag.window, note=note, evidence=[evidence])
    user_id, actor = current_actor()
    flag.state, flag.item_code, flag.finding_id = FlagState.confirmed, item.code, finding.id
    flag.reason = note
    flag.reviewed_by_id, flag.reviewed_by, flag.reviewed_at = user_id, actor, utcnow()
    db.session.flush()
    return finding


def dismiss(flag: CameraFlag, user, reason: str) -> CameraFlag:
    """Close the flag as not a fault; the reason is required and kept."""
    _check_open(flag, user)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_TEXT:
        message = _("Give the reason for dismissing the flag.") if not reason else \
            _("Longer than %(n)s characters.", n=MAX_TEXT)
        raise Invalid(message, {"reason": message})
    user_id, actor = current_actor()
    flag.state, flag.reason = FlagState.dismissed, reason
    flag.reviewed_by_id, flag.reviewed_by, flag.reviewed_at = user_id, actor, utcnow()
    db.session.flush()
    return flag
