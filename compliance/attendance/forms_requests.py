"""Forms of the request pages (leave, corrections, temporary absence): Flask-WTF with CSRF,
labels translated lazily."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from .requests import CorrectionKind, HalfDay, LeaveType


class LeaveForm(FlaskForm):
    staff_no = SelectField(_l("Person"), validators=[DataRequired()])
    type = SelectField(_l("Type of leave"), choices=[(t.value, t.label) for t in LeaveType])
    from_date = DateField(_l("From"), validators=[DataRequired()])
    from_session = SelectField(_l("First half day"),
                               choices=[(h.value, h.label) for h in HalfDay])
    to_date = DateField(_l("To"), validators=[DataRequired()])
    to_session = SelectField(_l("Last half day"), default=HalfDay.pm.value,
                             choices=[(h.value, h.label) for h in HalfDay])
    substitute_staff_no = SelectField(_l("Substitute (替岗人员)"), validators=[Optional()],
                                      validate_choice=False)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class CorrectionForm(FlaskForm):
    staff_no = SelectField(_l("Person"), validators=[DataRequired()])
    date = DateField(_l("Day"), validators=[DataRequired()])
    session = SelectField(_l("Session"), choices=[(h.value, h.label) for h in HalfDay])
    kind = SelectField(_l("Missing punch"), choices=[(k.value, k.label) for k in CorrectionKind])
    time = TimeField(_l("Time (HH:MM)"), format="%H:%M", validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class DecisionForm(FlaskForm):
    """Approve, reject (with the reason) or withdraw a request; ``next`` is where to go
    back to (a path inside the app)."""

    action = HiddenField(validators=[DataRequired()])
    next = HiddenField()
    note = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    substitute_staff_no = SelectField(_l("Substitute (替岗人员)"), validators=[Optional()],
                                      validate_choice=False)


class AwayForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=200)])


class BackForm(FlaskForm):
    pass
