"""Forms of the case pages (Flask-WTF, CSRF-protected; labels translated lazily)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, HiddenField, RadioField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional

from .models import (LEVEL_NAMES, ComplaintCategory, ComplaintChannel, ComplaintConclusion,
                     ReviewChannel, ReviewConclusion)


class ComplaintForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=[(c.value, c.label) for c in ComplaintChannel])
    category = SelectField(_l("Category"),
                           choices=[(c.value, c.label) for c in ComplaintCategory])
    staff_no = StringField(_l("Staff number of the person complained about"),
                           validators=[Optional(), Length(max=32)])
    window_code = SelectField(_l("Window"), validators=[Optional()])
    complainant = StringField(_l("Complainant"), validators=[Optional(), Length(max=100)])
    contact = StringField(_l("Contact (phone or e-mail)"),
                          validators=[Optional(), Length(max=100)])
    received_at = DateTimeLocalField(_l("Received at (empty: now)"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
    text = TextAreaField(_l("What the complaint says"),
                         validators=[DataRequired(), Length(max=5000)])


class TransitionForm(FlaskForm):
    action = HiddenField(default="transition")
    to = HiddenField()
    assignee = SelectField(_l("Assign to"), validators=[Optional()])
    conclusion = SelectField(_l("Conclusion"), validators=[Optional()],
                             choices=[(c.value, c.label) for c in ComplaintConclusion])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ReviewForm(FlaskForm):
    staff_no = StringField(_l("Staff number"), validators=[DataRequired(), Length(max=32)])
    window_code = SelectField(_l("Window (empty: the person's own)"), validators=[Optional()])
    at = DateTimeLocalField(_l("Service time"), format="%Y-%m-%dT%H:%M",
                            validators=[DataRequired()])
    level = SelectField(_l("Level"), coerce=int,
                        choices=[(level, f"{level} {name}") for level, name in
                                 LEVEL_NAMES.items()])
    channel = SelectField(_l("Channel"), default=ReviewChannel.phone.value,
                          choices=[(c.value, c.label) for c in ReviewChannel])
    real_name = BooleanField(_l("Real-name review"), default=True)
    citizen_name = StringField(_l("Citizen's name"), validators=[Optional(), Length(max=100)])
    contact = StringField(_l("Citizen's contact"), validators=[Optional(), Length(max=100)])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class FollowupForm(FlaskForm):
    action = HiddenField(default="follow_up")
    note = TextAreaField(_l("What the follow-up found"),
                         validators=[DataRequired(), Length(max=2000)])


class ConcludeForm(FlaskForm):
    action = HiddenField(default="conclude")
    conclusion = RadioField(_l("Conclusion"), validators=[DataRequired()],
                            choices=[(c.value, c.label) for c in ReviewConclusion])
    note = TextAreaField(_l("Rectification made, or the reason"),
                         validators=[DataRequired(), Length(max=2000)])


class ApprovalForm(FlaskForm):
    action = HiddenField(default="approval")
    decision = RadioField(_l("Decision"), validators=[DataRequired()], choices=[
        ("approve", _l("Approve: the review no longer counts")),
        ("reject", _l("Reject: the review counts; conclude again"))])
    note = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class CloseForm(FlaskForm):
    action = HiddenField(default="close")
    note = TextAreaField(_l("What was reported back"),
                         validators=[DataRequired(), Length(max=2000)])


class OverrideForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    is_workday = RadioField(_l("This day is"), default="0", choices=[
        ("1", _l("a working day")), ("0", _l("a day off"))])
    note = StringField(_l("Note (e.g. the State Council notice)"),
                       validators=[Optional(), Length(max=200)])
