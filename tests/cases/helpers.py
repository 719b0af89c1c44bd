"""Small builders for the case tests (operations called directly, committed as a request)."""
from __future__ import annotations

from datetime import datetime, timezone

from compliance.cases import operations
from compliance.cases.models import (ComplaintCategory, ComplaintChannel, ComplaintConclusion,
                                     ComplaintState, ReviewChannel)
from compliance.extensions import db

# Friday 2026-02-13 10:00 in Beijing: the last working day before the Spring Festival break.
FRIDAY_BEFORE_FESTIVAL = datetime(2026, 2, 13, 2, 0, tzinfo=timezone.utc)


def complaint(world, *, staff=None, window=None, category=ComplaintCategory.attitude,
              at=FRIDAY_BEFORE_FESTIVAL, user=None, complainant="张三丰",
              contact="13812345678"):
    made = operations.create_complaint(user or world.users.hr, operations.ComplaintData(
        channel=ComplaintChannel.phone, category=category, text="办事态度生硬,推诿",
        staff_no=(staff or (None if window else world.carol)).staff_no
        if (staff or not window) else None,
        window_code=window.code if window else None, complainant=complainant,
        contact=contact, received_at=at))
    db.session.commit()
    return made


def advance(complaint_, user, target: ComplaintState,
            conclusion=ComplaintConclusion.unsubstantiated):
    """Walk a complaint along the legal path up to ``target``."""
    while complaint_.state is not target:
        nxt = complaint_.state.next
        operations.transition(complaint_, user, nxt, note=f"to {nxt.value}",
                              conclusion=conclusion if nxt is ComplaintState.concluded else None)
    db.session.commit()
    return complaint_


def review(world, *, level=1, staff=None, real_name=True, at=FRIDAY_BEFORE_FESTIVAL,
           user=None, name="李四", contact="13900001111"):
    made = operations.create_review(user or world.users.hr, operations.ReviewData(
        staff_no=(staff or world.carol).staff_no, at=at, level=level,
        channel=ReviewChannel.device, real_name=real_name, comment="等了很久",
        citizen_name=name, citizen_contact=contact))
    db.session.commit()
    return made
