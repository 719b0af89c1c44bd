"""Forms of the camera pages (Flask-WTF, CSRF-protected; labels translated lazily)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, HiddenField, IntegerField, PasswordField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CameraForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    source = StringField(_l("Source (http://…, rtsp://… or folder:…)"),
                         validators=[DataRequired(), Length(max=500)])
    username = StringField(_l("User name (empty: keep the stored one)"),
                           validators=[Optional(), Length(max=100)])
    password = PasswordField(_l("Password (empty: keep the stored one)"),
                             validators=[Optional(), Length(max=200)])
    clear_credentials = BooleanField(_l("Remove the stored user name and password"))
    timeout_seconds = IntegerField(_l("Timeout (seconds)"), default=10,
                                   validators=[DataRequired(), NumberRange(1, 120)])
    interval_minutes = IntegerField(_l("Snapshot every … minutes (empty: the rulebook's)"),
                                    validators=[Optional(), NumberRange(1, 1440)])
    extra_per_day = IntegerField(_l("Random extra snapshots per day"), default=2,
                                 validators=[NumberRange(0, 48)])
    hours = StringField(_l("Capture hours, e.g. 09:00-12:00 13:30-17:30 (empty: the "
                           "rulebook's)"), validators=[Optional(), Length(max=200)])
    pixelate_block = IntegerField(_l("Privacy mosaic block (pixels, ≥ a quarter of the "
                                     "widest face at the counter)"), default=16,
                                  validators=[DataRequired(), NumberRange(4, 128)])
    active = BooleanField(_l("Active"), default=True)


class RegionsForm(FlaskForm):
    regions = TextAreaField(_l("Regions (JSON)"), validators=[DataRequired()])


class PictureForm(FlaskForm):
    file = FileField(_l("Picture of the empty hall"), validators=[FileRequired()])
    use_as_reference = BooleanField(_l("Use it as the reference of every region"),
                                    default=True)


class SnapshotForm(FlaskForm):
    file = FileField(_l("Snapshot to screen"), validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    item = SelectField(_l("Checklist item"), validators=[DataRequired()])
    staff_no = StringField(_l("Staff number (the person on duty by default)"),
                           validators=[Optional(), Length(max=32)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class DismissForm(FlaskForm):
    reason = TextAreaField(_l("Why this is not a fault"),
                           validators=[DataRequired(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (take a picture, set references)."""

    picture_id = HiddenField()
