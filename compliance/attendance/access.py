"""Who may file a request (leave, correction, temporary absence) for whom, and resolving the
person named by a staff number — shared by the request services, the pages and the API."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import Forbidden, Invalid
from ..extensions import db
from ..org.models import Staff


def may_file_for(user, staff: Staff) -> bool:
    """Staff file only for themselves; a unit lead for the people of their department; HR
    and admin for the people of their centre. Inspectors file for nobody."""
    if user.is_staff:
        return user.staff_id is not None and user.staff_id == staff.id
    if user.is_unit_lead:
        return user.department_id is not None and user.department_id == staff.department_id
    return user.is_manager and user.in_centre(staff.centre_id)


def check_may_file(user, staff: Staff) -> None:
    if not may_file_for(user, staff):
        raise Forbidden(_("You may not file requests for %(no)s.", no=staff.staff_no))


def staff_by_no(user, staff_no: str | None, field: str = "staff_no") -> Staff:
    """The person of the user's centre named by ``staff_no``; unknown (or another centre's)
    is the same 400, so nothing is learnt about other centres."""
    staff = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first() \
        if staff_no else None
    if staff is None or not user.in_centre(staff.centre_id):
        message = _("Unknown staff number %(no)s.", no=staff_no or "")
        raise Invalid(message, {field: message})
    return staff
