"""The checklist editor (HR and admin) and the read-only checklist pages (every role of the
centre). Each save stores the template's next version with the reason given; past
inspections keep the version they used."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from compliance.auth.permissions import MANAGERS, check_access, roles_required
from compliance.errors import Conflict, DomainError
from compliance.extensions import db

from . import template_store
from .forms import ItemForm, NewItemForm, RemoveItemForm, RestoreForm
from .routes import bp, ensure_templates, record_id, working_centre


def _current(code: str, edit: bool = False):
    centre = working_centre()
    ensure_templates(centre)
    template = template_store.current_template(centre.id, code)
    if template is None:
        abort(404)
    check_access(template, edit=edit)
    return template


def _show_errors(form, error: DomainError) -> None:
    shown = False
    for name, message in error.fields.items():
        if name in form._fields:
            form[name].errors = list(form[name].errors) + [str(message)]
            shown = True
    if not shown:
        flash(str(error.message), "error")


def _save(form, action):
    """Run an edit; on success commit and return the new version, else show why."""
    try:
        saved = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _show_errors(form, error)
        return None
    except IntegrityError:  # another editor stored the same version number first
        db.session.rollback()
        _show_errors(form, Conflict(_("The checklist was changed meanwhile: reload and edit "
                                      "again.")))
        return None
    flash(_("Saved as version %(version)s.", version=saved.version), "success")
    return saved


def _disqualifier_choices(form, centre_id: int) -> None:
    form.disqualifier.choices = [("", _("None"))] + [
        (key, f"{label} ({key})")
        for key, label in template_store.allowed_disqualifiers(centre_id).items()]


@bp.route("/templates")
@login_required
def templates():
    centre = working_centre()
    ensure_templates(centre)
    return render_template("inspections/templates.html",
                           templates=template_store.current_templates(centre.id))


@bp.route("/templates/<code>")
@login_required
def template_detail(code: str):
    current = _current(code)
    version = record_id("version")
    shown = current
    if version and version != current.version:
        shown = template_store.template_version(current.centre_id, code, version)
        if shown is None:
            abort(404)
    return render_template("inspections/template.html", template=shown, current=current,
                           versions=template_store.versions(current.centre_id, code),
                           restore_form=RestoreForm(prefix="restore"))


@bp.route("/templates/<code>/items/<item_code>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_item(code: str, item_code: str):
    current = _current(code, edit=True)
    item = current.item(item_code)
    if item is None:
        abort(404)
    form = ItemForm(obj=item, base_version=current.version)
    _disqualifier_choices(form, current.centre_id)
    if request.method == "GET":
        form.disqualifier.data = item.disqualifier or ""
    remove_form = RemoveItemForm(prefix="remove", base_version=current.version)
    if form.validate_on_submit():
        saved = _save(form, lambda: template_store.edit_item(
            current, item_code, form.item_fields(), form.note.data,
            base_version=int(form.base_version.data or current.version)))
        if saved:
            return redirect(url_for(".template_detail", code=code) + f"#item-{item_code}")
    return render_template("inspections/item_form.html", form=form, template=current,
                           item=item, remove_form=remove_form)


@bp.route("/templates/<code>/items/<item_code>/remove", methods=["POST"])
@roles_required(*MANAGERS)
def remove_item(code: str, item_code: str):
    current = _current(code, edit=True)
    if current.item(item_code) is None:
        abort(404)
    form = RemoveItemForm(prefix="remove")
    if form.validate_on_submit():
        saved = _save(form, lambda: template_store.remove_item(
            current, item_code, form.note.data,
            base_version=int(form.base_version.data or current.version)))
        if saved:
            return redirect(url_for(".template_detail", code=code))
    else:
        flash(_("Say why the item is removed."), "error")
    return redirect(url_for(".edit_item", code=code, item_code=item_code))


@bp.route("/templates/<code>/sections/<section>/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def add_item(code: str, section: str):
    current = _current(code, edit=True)
    titles = {s[0]: s for s in current.catalogue.sections()}
    if section not in titles:
        abort(404)
    form = NewItemForm(base_version=current.version)
    _disqualifier_choices(form, current.centre_id)
    if request.method == "GET":
        form.points.data, form.severity.data, form.applies_to.data = 1, "minor", "any"
        form.category.data = titles[section][3][0].category
    if form.validate_on_submit():
        saved = _save(form, lambda: template_store.add_item(
            current, section, form.code.data.strip(), form.item_fields(), form.note.data,
            base_version=int(form.base_version.data or current.version)))
        if saved:
            return redirect(url_for(".template_detail", code=code)
                            + f"#item-{form.code.data.strip()}")
    return render_template("inspections/item_form.html", form=form, template=current,
                           item=None, section=titles[section], remove_form=None)


@bp.route("/templates/<code>/restore", methods=["POST"])
@roles_required(*MANAGERS)
def restore_template(code: str):
    current = _current(code, edit=True)
    form = RestoreForm(prefix="restore")
    if form.validate_on_submit():
        _save(form, lambda: template_store.restore_default(current, form.note.data))
        for error in form.note.errors:
            flash(str(error), "error")
    else:
        flash(_("Say why the shipped text is restored."), "error")
    return redirect(url_for(".template_detail", code=code))
