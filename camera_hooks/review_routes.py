"""The review queue (SPEC §5): flags filtered by camera, window, kind and state; a flag's page
with the snapshot, its regions and signals drawn, the reason, and confirm / dismiss. After a
decision the next open flag of the same filter opens, and keys do the rest (review.js):
``c`` confirm, ``d`` dismiss, ``1``–``4`` a common dismissal reason, ``j``/``k`` next and
previous, ``?`` the list of keys.
"""
from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from compliance.auth.permissions import get_visible_or_404, roles_required, visible
from compliance.errors import DomainError
from compliance.extensions import db
from compliance.org.models import Window

from . import review
from .forms import ConfirmForm, DismissForm
from .items import SUGGESTED, item_choices
from .models import REVIEWERS, Camera, CameraFlag, FlagKind, FlagState
from .routes import bp, flash_error

QUEUE_LIMIT = 300
QUICK_REASONS = (
    _l("The person is at the seat (not recognised in the picture)."),
    _l("The absence was authorised (leave, break or errand not yet recorded)."),
    _l("The picture is unclear (light, glare, obstruction)."),
    _l("The desk holds only what is allowed."),
)


def _filters() -> dict:
    """The queue's filters from the query string (state defaults to open)."""
    return {"state": request.args.get("state", "open"),
            "camera": request.args.get("camera", "").strip(),
            "window": request.args.get("window", "").strip(),
            "kind": request.args.get("kind", "").strip()}


def _query(filters: dict):
    stmt = visible(CameraFlag)
    if filters["state"] in {s.value for s in FlagState}:
        stmt = stmt.where(CameraFlag.state == FlagState(filters["state"]))
    elif filters["state"] != "all":
        stmt = stmt.where(sa.false())
    if filters["kind"] in {k.value for k in FlagKind}:
        stmt = stmt.where(CameraFlag.kind == FlagKind(filters["kind"]))
    if filters["camera"]:
        stmt = stmt.where(CameraFlag.camera_id.in_(
            sa.select(Camera.id).where(Camera.code == filters["camera"])))
    if filters["window"]:
        stmt = stmt.where(CameraFlag.window_id.in_(
            sa.select(Window.id).where(Window.code == filters["window"])))
    return stmt


def _query_string(filters: dict) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


@bp.route("/camera-flags")
@roles_required(*REVIEWERS)
def flags():
    filters = _filters()
    rows = db.session.scalars(_query(filters).order_by(CameraFlag.at, CameraFlag.id)
                              .limit(QUEUE_LIMIT)).all()
    cameras = db.session.scalars(visible(Camera).order_by(Camera.code)).all()
    windows = db.session.scalars(visible(Window).order_by(Window.code)).all()
    return render_template("camera/flags.html", flags=rows, filters=filters, cameras=cameras,
                           windows=windows, states=list(FlagState), kinds=list(FlagKind),
                           query=_query_string(filters), reason_of=reason_of)


def _neighbours(flag: CameraFlag, filters: dict) -> tuple[int | None, int | None]:
    order = (CameraFlag.at, CameraFlag.id)
    before = db.session.scalar(_query(filters).with_only_columns(CameraFlag.id)
                               .where(sa.or_(CameraFlag.at < flag.at, sa.and_(
                                   CameraFlag.at == flag.at, CameraFlag.id < flag.id)))
                               .order_by(CameraFlag.at.desc(), CameraFlag.id.desc()).limit(1))
    after = db.session.scalar(_query(filters).with_only_columns(CameraFlag.id)
                              .where(sa.or_(CameraFlag.at > flag.at, sa.and_(
                                  CameraFlag.at == flag.at, CameraFlag.id > flag.id)))
                              .order_by(*order).limit(1))
    return before, after


def reason_of(flag: CameraFlag) -> str:
    """Why the flag was raised, in the reader's language, from the numbers kept with it."""
    detail = flag.detail or {}
    if flag.kind is FlagKind.seat_empty:
        person = f"{flag.staff.name} ({flag.staff.staff_no})" if flag.staff else _("the person")
        facts = {"person": person, "session": detail.get("session") or "—",
                 "s": _num(detail.get("similarity")), "t": _num(detail.get("threshold"))}
        if flag.streak > 1:
            return _("Seat empty in %(n)d snapshots in a row while %(person)s was rostered "
                     "(session %(session)s); similarity to the empty seat %(s)s ≥ %(t)s and "
                     "no face found.", n=flag.streak, **facts)
        return _("Seat empty while %(person)s was rostered (session %(session)s); similarity "
                 "to the empty seat %(s)s ≥ %(t)s and no face found.", **facts)
    if flag.kind is FlagKind.desk_deviation:
        return _("The desk differs from the standard layout: difference %(d)s above %(t)s.",
                 d=_num(flag.score), t=_num(detail.get("threshold")))
    return _("The picture no longer matches the references (shift %(px)s px, similarity "
             "%(s)s): set new references.", px=_num(detail.get("shift_px"), 1),
             s=_num(detail.get("similarity")))


def _num(value, places: int = 2) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def _confirm_form(flag: CameraFlag) -> ConfirmForm:
    form = ConfirmForm(prefix="confirm")
    choices: dict[str, list] = {}
    english = str(get_locale()) == "en"
    for choice in item_choices(flag.centre_id, flag.kind):
        group = choice.group_en if english else choice.group
        text = choice.text_en if english else choice.text_zh
        choices.setdefault(group, []).append(
            (choice.code, f"{text} (−{choice.points})"))
    form.item.choices = choices
    if not form.item.data:
        form.item.data = SUGGESTED.get(flag.kind)
    if not form.staff_no.data and flag.staff:
        form.staff_no.data = flag.staff.staff_no
    return form


@bp.route("/camera-flags/<int:flag_id>", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def flag_detail(flag_id: int):
    flag = get_visible_or_404(CameraFlag, flag_id)
    filters = _filters()
    confirm_form, dismiss_form = _confirm_form(flag), DismissForm(prefix="dismiss")
    action = request.form.get("action")
    if request.method == "POST" and flag.can_review(current_user):
        try:
            if action == "confirm" and confirm_form.validate_on_submit():
                finding = review.confirm(flag, current_user, confirm_form.item.data,
                                         confirm_form.staff_no.data or None,
                                         confirm_form.note.data or "")
                db.session.commit()
                flash(_("Confirmed: finding #%(id)d recorded.", id=finding.id), "success")
                return _next(flag, filters)
            if action == "dismiss" and dismiss_form.validate_on_submit():
                review.dismiss(flag, current_user, dismiss_form.reason.data)
                db.session.commit()
                flash(_("Flag dismissed."), "success")
                return _next(flag, filters)
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
    elif request.method == "POST":
        flash(_("This flag has already been decided (%(state)s).", state=flag.state.label),
              "error")
    previous, following = _neighbours(flag, filters)
    return render_template("camera/flag.html", flag=flag, reason=reason_of(flag),
                           confirm_form=confirm_form, dismiss_form=dismiss_form,
                           quick_reasons=QUICK_REASONS, previous=previous, following=following,
                           query=_query_string(filters), snapshot=flag.last_snapshot
                           or flag.snapshot)


def _next(flag: CameraFlag, filters: dict):
    """After a decision: the next flag of the same filter, or the queue when none is left."""
    following = db.session.scalar(_query(filters).with_only_columns(CameraFlag.id)
                                  .where(CameraFlag.id != flag.id)
                                  .order_by(CameraFlag.at, CameraFlag.id).limit(1))
    query = _query_string(filters)
    if following is None:
        return redirect(url_for(".flags") + (f"?{query}" if query else ""))
    return redirect(url_for(".flag_detail", flag_id=following) + (f"?{query}" if query else ""))
