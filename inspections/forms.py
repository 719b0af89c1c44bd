"""Forms of the checklist editor and the spot-check pages (Flask-WTF, CSRF-protected)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, \
    TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, \
    Regexp

SEVERITY_CHOICES = [("minor", _l("Minor")), ("major", _l("Major")),
                    ("critical", _l("Critical"))]
APPLIES_CHOICES = [("any", _l("Everyone")), ("F", _l("Women only")), ("M", _l("Men only"))]


class ItemForm(FlaskForm):
    base_version = HiddenField()
    text_zh = TextAreaField(_l("Text (Chinese, word for word from the rules)"),
                            validators=[DataRequired(), Length(max=500)])
    text_en = TextAreaField(_l("Text (English)"), validators=[DataRequired(), Length(max=500)])
    points = IntegerField(_l("Points deducted when failed"),
                          validators=[InputRequired(message=_l("Give the points (0 or more).")),
                                      NumberRange(min=0, max=100)])
    severity = SelectField(_l("Severity"), choices=SEVERITY_CHOICES)
    applies_to = SelectField(_l("Applies to"), choices=APPLIES_CHOICES)
    category = StringField(_l("Category"), validators=[
        DataRequired(), Length(max=40),
        Regexp(r"^[a-z][a-z0-9_]*$", message=_l("Lower-case letters, digits and '_'."))])
    bars_quarterly = BooleanField(_l("A standing failure bars quarterly honours"))
    bars_annual = BooleanField(_l("A standing failure bars annual honours"))
    disqualifier = SelectField(_l("Disqualifying event (seed 003 五)"), choices=[],
                               validators=[Optional()])
    source = StringField(_l("Source (clause of the rules)"),
                         validators=[DataRequired(), Length(max=200)])
    note = TextAreaField(_l("Why it changes (kept with the version)"),
                         validators=[DataRequired(), Length(max=2000)])

    def item_fields(self) -> dict:
        return {"text_zh": self.text_zh.data.strip(), "text_en": self.text_en.data.strip(),
                "points": self.points.data, "severity": self.severity.data,
                "applies_to": self.applies_to.data, "category": self.category.data.strip(),
                "bars_quarterly": bool(self.bars_quarterly.data),
                "bars_annual": bool(self.bars_annual.data),
                "disqualifier": self.disqualifier.data or None,
                "source": self.source.data.strip()}


class NewItemForm(ItemForm):
    code = StringField(_l("Code (stable; findings refer to it)"),
                       validators=[DataRequired(), Length(max=80)])


class RemoveItemForm(FlaskForm):
    base_version = HiddenField()
    note = TextAreaField(_l("Why the item is removed"),
                         validators=[DataRequired(), Length(max=2000)])


class RestoreForm(FlaskForm):
    note = TextAreaField(_l("Why the shipped text is restored"),
                         validators=[DataRequired(), Length(max=2000)])


class CancelTaskForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
