"""Rulebook pages: the rules in force with their history (every login may read them: staff
should know what costs points), and HR's editor of a new version from a date."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, TextAreaField
from wtforms.validators import Length, Optional

from ..errors import DomainError
from ..extensions import db
from ..org.models import Centre
from . import rulebook_editing as editing
from . import settings
from .routes import bp
from .store import RulebookVersion


class VersionForm(FlaskForm):
    effective_from = DateField(_l("In force from"), validators=[Optional()])
    note = TextAreaField(_l("Why the rules change"), validators=[Optional(), Length(max=2000)])
    confirm_past = BooleanField(_l("Yes, apply the rules to past days as well"))


def _rules_centre() -> Centre | None:
    """The centre whose rules are shown (``?centre=CODE`` for a login of every centre)."""
    return editing.rules_centre(current_user, request.args.get("centre", "").strip() or None)


def _centres_for_picker():
    if current_user.centre_id is not None:
        return []
    return db.session.scalars(sa.select(Centre).order_by(Centre.code)).all()


@bp.route("/rulebook")
@login_required
def rulebook():
    centre = _rules_centre()
    centre_id = centre.id if centre else None
    today = editing.centre_today(centre_id)
    version, document = editing.document_in_force(centre_id, today)
    upcoming = [v for v in editing.versions_of(centre_id) if v.effective_from > today]
    return render_template("scores/rulebook.html", centre=centre, version=version,
                           document=document, groups=settings.groups(document), today=today,
                           history=editing.history(centre_id, today), upcoming=upcoming,
                           may_edit=editing.may_edit(current_user, centre_id),
                           centres=_centres_for_picker(), settings=settings)


@bp.route("/rulebook/versions/<int:version_id>")
@login_required
def rulebook_version(version_id: int):
    version = db.session.get(RulebookVersion, version_id)
    if version is None:
        abort(404)
    if not current_user.in_centre(version.centre_id) and version.centre_id is not None:
        abort(403)
    entries = editing.history(version.centre_id, editing.centre_today(version.centre_id))
    entry = next((e for e in entries if e.version.id == version.id), None)
    return render_template("scores/rulebook_version.html", version=version,
                           document=version.document, groups=settings.groups(version.document),
                           changes=entry.changes if entry else [], settings=settings)


@bp.route("/rulebook/new", methods=["GET", "POST"])
@login_required
def rulebook_new():
    centre = _rules_centre()
    centre_id = centre.id if centre else None
    if not editing.may_edit(current_user, centre_id):
        abort(403)
    form = VersionForm()
    today = editing.centre_today(centre_id)
    if request.method == "GET":
        form.effective_from.data = today + timedelta(days=1)
    day = form.effective_from.data or today
    _version, document = editing.document_in_force(centre_id, day)
    errors: dict[str, str] = {}
    values = {s.field_name: settings.display(settings.get(document, s.path))
              for s in settings.all_settings(document)}
    if request.method == "POST" and form.validate_on_submit():
        values.update({k: v for k, v in request.form.items() if k in values})
        changes, errors = editing.changes_from_form(document, values)
        if not errors:
            try:
                version = editing.create_version(
                    current_user, centre_id, form.effective_from.data, changes, form.note.data,
                    confirm_past=form.confirm_past.data)
                db.session.commit()
                flash(_("The new rules apply from %(day)s.",
                        day=version.effective_from.isoformat()), "success")
                return redirect(url_for(".rulebook", centre=centre.code if centre and
                                        current_user.centre_id is None else None))
            except DomainError as error:
                db.session.rollback()
                for name, message in error.fields.items():
                    if name in form._fields:
                        form[name].errors = list(form[name].errors) + [str(message)]
                    else:
                        errors[name] = str(message)
                if not error.fields:
                    flash(str(error.message), "error")
        if errors:
            flash(_("Some settings are not valid; nothing was saved."), "error")
    later = [v for v in editing.versions_of(centre_id) if v.effective_from > day]
    status = 400 if request.method == "POST" else 200
    return render_template("scores/rulebook_form.html", form=form, centre=centre,
                           groups=settings.groups(document), values=values, errors=errors,
                           later=later, schema_error=errors.get("_schema")), status
