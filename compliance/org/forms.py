from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from .models import DepartmentKind, Employment, Gender, Zone

CODE = Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, '-', '_' and '.' only."))


class CentreForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai",
                           validators=[DataRequired(), Length(max=64)])


class DepartmentForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[(k.value, k.label) for k in DepartmentKind])


class WindowForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    zone = SelectField(_l("Zone"), choices=[(z.value, z.label) for z in Zone])
    department_code = SelectField(_l("Department"), validators=[DataRequired()])


class StaffForm(FlaskForm):
    staff_no = StringField(_l("Staff number"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    gender = SelectField(_l("Gender"), choices=[(g.value, g.label) for g in Gender])
    department_code = SelectField(_l("Department"), validators=[DataRequired()])
    employment = SelectField(_l("Employment"), choices=[(e.value, e.label) for e in Employment])
    window_code = SelectField(_l("Default window"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


class ImportForm(FlaskForm):
    file = FileField(_l("File (CSV or Excel)"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx", "txt"], _l("CSV or Excel files only."))])
