"""Camera pages: the list with each camera's health, a camera's page (current picture,
regions and references, recent snapshots), the admin forms (camera, regions drawn on its
picture, reference pictures, a test snapshot) and the picture files.

Pages never talk to a camera: "take a picture" asks the capture job, which serves it within
a minute; the page refreshes itself meanwhile.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask import (Blueprint, abort, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from compliance.auth.models import Role
from compliance.auth.permissions import (check_access, get_visible_or_404, roles_required,
                                         visible)
from compliance.errors import DomainError
from compliance.extensions import db
from compliance.org.models import Centre, Window
from compliance.uploads import absolute_path, decode_upload

from . import display, operations
from .forms import ActionForm, CameraForm, PictureForm, RegionsForm, SnapshotForm
from .models import (REVIEWERS, Camera, CameraFlag, CameraImage, FlagState, RegionKind,
                     Snapshot)
from .snapshots import upload_snapshot

bp = Blueprint("camera", __name__, static_folder="static", static_url_path="/camera-static")
display.register(bp)

RECENT_SNAPSHOTS = 12


def form_errors(form, error: DomainError) -> None:
    shown = False
    for name, message in error.fields.items():
        if name in form._fields:
            form[name].errors = list(form[name].errors) + [str(message)]
            shown = True
    if not shown:
        flash(str(error.message), "error")


def flash_error(error: DomainError) -> None:
    """The first field's message (the upload forms name one field), else the message."""
    flash(str(next(iter(error.fields.values()), error.message)), "error")


def camera_or_404(code: str, *, edit: bool = False) -> Camera:
    """The camera ``code`` of the user's centre (a deployment-wide login: ``?centre=<id>``
    when two centres use the code)."""
    stmt = sa.select(Camera).where(Camera.code == code)
    if current_user.centre_id is not None:
        stmt = stmt.where(Camera.centre_id == current_user.centre_id)
    elif request.args.get("centre", type=int):
        stmt = stmt.where(Camera.centre_id == request.args.get("centre", type=int))
    camera = db.session.scalars(stmt.order_by(Camera.id)).first()
    if camera is None:
        abort(404)
    check_access(camera, edit=edit)
    return camera


def _centre_choices() -> list[Centre]:
    return db.session.scalars(visible(Centre).order_by(Centre.code)).all()


# --- list and detail -------------------------------------------------------------------------

@bp.route("/cameras")
@roles_required(*REVIEWERS)
def cameras():
    rows = db.session.scalars(visible(Camera).order_by(Camera.code)).all()
    open_flags = dict(db.session.execute(
        sa.select(CameraFlag.camera_id, sa.func.count()).where(
            CameraFlag.state == FlagState.open, CameraFlag.visible_clause(current_user))
        .group_by(CameraFlag.camera_id)).all())
    return render_template("camera/cameras.html", cameras=rows, open_flags=open_flags,
                           source_display=operations.source_display)


@bp.route("/cameras/<code>")
@roles_required(*REVIEWERS)
def camera_detail(code: str):
    camera = camera_or_404(code)
    snapshots = db.session.scalars(
        sa.select(Snapshot).where(Snapshot.camera_id == camera.id)
        .order_by(Snapshot.taken_at.desc()).limit(RECENT_SNAPSHOTS)).all()
    picture = operations.latest_picture(camera)
    open_flags = db.session.scalar(sa.select(sa.func.count()).where(
        CameraFlag.camera_id == camera.id, CameraFlag.state == FlagState.open))
    return render_template(
        "camera/camera.html", camera=camera, snapshots=snapshots, current=snapshots[0]
        if snapshots else None, picture=picture, windows=_region_windows(camera),
        open_flags=open_flags, health=camera.health, schedule=_schedule(camera),
        source=operations.source_display(camera), action_form=ActionForm(),
        picture_form=PictureForm(), snapshot_form=SnapshotForm())


def _schedule(camera: Camera) -> dict:
    """The camera's capture rhythm as it applies today (its own settings, else the
    rulebook's)."""
    from compliance.scoring.store import rules_for
    from compliance.timeutil import local_today

    rules = rules_for(camera.centre_id, local_today(camera.centre.timezone)).camera
    return {"interval": camera.interval_minutes or rules.snapshot_interval_minutes,
            "interval_from_rulebook": camera.interval_minutes is None,
            "hours": camera.hours or " ".join(rules.capture_hours),
            "hours_from_rulebook": not camera.hours}


def _region_windows(camera: Camera) -> list[dict]:
    """Per window with a region: its regions and references, for the table and the form."""
    rows: dict[int, dict] = {}
    for region in camera.regions:
        row = rows.setdefault(region.window_id, {"window": region.window, "regions": {},
                                                 "references": {}})
        row["regions"][region.kind.value] = region
    for ref in camera.references:
        row = rows.setdefault(ref.window_id, {"window": ref.window, "regions": {},
                                              "references": {}})
        row["references"][ref.kind.value] = ref
    return sorted(rows.values(), key=lambda r: r["window"].code)


# --- admin: the camera -----------------------------------------------------------------------

def _data(form: CameraForm) -> operations.CameraData:
    clear = form.clear_credentials.data
    return operations.CameraData(
        code=form.code.data or "", name=form.name.data or "", source=form.source.data or "",
        username="" if clear else (form.username.data or None),
        password="" if clear else (form.password.data or None),
        timeout_seconds=form.timeout_seconds.data or 10,
        interval_minutes=form.interval_minutes.data,
        extra_per_day=form.extra_per_day.data if form.extra_per_day.data is not None else 2,
        hours=form.hours.data or "", pixelate_block=form.pixelate_block.data or 16,
        active=bool(form.active.data))


@bp.route("/cameras/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def camera_new():
    form = CameraForm()
    centres = _centre_choices()
    if form.validate_on_submit():
        centre_id = current_user.centre_id or request.form.get("centre_id", type=int)
        if centre_id not in {c.id for c in centres}:
            flash(_("Choose the centre."), "error")
        else:
            try:
                camera = operations.save_camera(centre_id, _data(form))
                db.session.commit()
                flash(_("Camera %(code)s saved. Take or upload a picture of the empty hall, "
                        "then draw the regions.", code=camera.code), "success")
                return redirect(url_for(".camera_detail", code=camera.code))
            except DomainError as error:
                db.session.rollback()
                form_errors(form, error)
    return render_template("camera/camera_form.html", form=form, camera=None,
                           centres=centres if current_user.centre_id is None else [])


@bp.route("/cameras/<code>/edit", methods=["GET", "POST"])
@roles_required(Role.admin)
def camera_edit(code: str):
    camera = camera_or_404(code, edit=True)
    form = CameraForm(obj=camera)
    if request.method == "GET":
        form.source.data = operations.source_display(camera)
        form.username.data = form.password.data = ""
    if form.validate_on_submit():
        try:
            operations.save_camera(camera.centre_id, _data(form), camera)
            db.session.commit()
            flash(_("Camera %(code)s saved.", code=camera.code), "success")
            return redirect(url_for(".camera_detail", code=camera.code))
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
    return render_template("camera/camera_form.html", form=form, camera=camera, centres=[])


# --- admin: regions, pictures, references, test snapshots -------------------------------------

@bp.route("/cameras/<code>/regions", methods=["GET", "POST"])
@roles_required(Role.admin)
def camera_regions(code: str):
    """Draw each window's seat and desk polygon on the camera's picture (regions.js; the
    JSON field underneath works without JavaScript)."""
    camera = camera_or_404(code, edit=True)
    form = RegionsForm()
    picture = operations.latest_picture(camera)
    if form.validate_on_submit():
        try:
            raw = json.loads(form.regions.data)
        except ValueError:
            form.regions.errors = [_("Not valid JSON.")]
        else:
            try:
                regions = operations.parse_regions(camera.centre_id, raw,
                                                   operations.picture_size(camera))
                operations.set_regions(camera, regions)
                db.session.commit()
                flash(_("Regions saved: %(n)d.", n=len(regions)), "success")
                return redirect(url_for(".camera_detail", code=camera.code))
            except DomainError as error:
                db.session.rollback()
                form.regions.errors = [f"{k}: {v}" for k, v in error.fields.items()] or \
                    [str(error.message)]
    elif request.method == "GET":
        form.regions.data = json.dumps(
            [{"window_code": r.window.code, "kind": r.kind.value, "polygon": r.polygon}
             for r in camera.regions], ensure_ascii=False)
    windows = db.session.scalars(sa.select(Window).where(Window.centre_id == camera.centre_id)
                                 .order_by(Window.code)).all()
    return render_template("camera/regions.html", camera=camera, form=form, picture=picture,
                           windows=windows)


@bp.route("/cameras/<code>/picture-request", methods=["POST"])
@roles_required(Role.admin)
def camera_picture_request(code: str):
    from compliance.jobs import queue_run

    camera = camera_or_404(code, edit=True)
    if ActionForm().validate_on_submit():
        operations.request_picture(camera)
        queue_run("camera_capture", current_user.username)
        db.session.commit()
        flash(_("The scheduler takes the picture within a minute; this page refreshes until "
                "it is there."), "info")
    return redirect(url_for(".camera_detail", code=camera.code))


@bp.route("/cameras/<code>/pictures", methods=["POST"])
@roles_required(Role.admin)
def camera_picture_upload(code: str):
    camera = camera_or_404(code, edit=True)
    form = PictureForm()
    if not form.validate_on_submit():
        flash(_("Choose a picture to upload."), "error")
        return redirect(url_for(".camera_detail", code=camera.code))
    try:
        image = decode_upload(form.file.data.read())
        picture = operations.add_picture(camera, image, "upload")
        if form.use_as_reference.data and camera.regions:
            operations.set_references(camera, picture, _all_targets(camera))
        db.session.commit()
        flash(_("Picture saved."), "success")
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
    return redirect(url_for(".camera_detail", code=camera.code))


def _all_targets(camera: Camera) -> list[tuple[Window, RegionKind]]:
    return [(r.window, r.kind) for r in camera.regions]


@bp.route("/cameras/<code>/references", methods=["POST"])
@roles_required(Role.admin)
def camera_references(code: str):
    """Make a picture of this camera the reference of the chosen windows and kinds
    (checkboxes named ``<window code>:<seat|desk>``)."""
    camera = camera_or_404(code, edit=True)
    form = ActionForm()
    if form.validate_on_submit():
        picture = db.session.get(CameraImage, int(form.picture_id.data or 0))
        if picture is None or picture.camera_id != camera.id:
            abort(404)
        wanted = set(request.form.getlist("target"))
        targets = [(r.window, r.kind) for r in camera.regions
                   if f"{r.window.code}:{r.kind.value}" in wanted]
        try:
            count = operations.set_references(camera, picture, targets)
            db.session.commit()
            flash(_("References set: %(n)d.", n=count), "success")
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
    return redirect(url_for(".camera_detail", code=camera.code))


@bp.route("/cameras/<code>/snapshots", methods=["POST"])
@roles_required(Role.admin)
def camera_snapshot_upload(code: str):
    """Screen a picture as a snapshot now (to check the regions and references)."""
    camera = camera_or_404(code, edit=True)
    form = SnapshotForm()
    if not form.validate_on_submit():
        flash(_("Choose a picture to upload."), "error")
        return redirect(url_for(".camera_detail", code=camera.code))
    try:
        snapshot, flags = upload_snapshot(camera, form.file.data.read(), None)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return redirect(url_for(".camera_detail", code=camera.code))
    flash(_("Snapshot screened: %(n)d new flags.", n=len(flags)), "success")
    return redirect(url_for(".snapshot_detail", snapshot_id=snapshot.id))


# --- snapshots and picture files -------------------------------------------------------------

@bp.route("/camera/snapshots/<int:snapshot_id>")
@roles_required(*REVIEWERS)
def snapshot_detail(snapshot_id: int):
    snapshot = get_visible_or_404(Snapshot, snapshot_id)
    flags = db.session.scalars(sa.select(CameraFlag).where(sa.or_(
        CameraFlag.snapshot_id == snapshot.id, CameraFlag.last_snapshot_id == snapshot.id))
        .order_by(CameraFlag.id)).all()
    return render_template("camera/snapshot.html", snapshot=snapshot, flags=flags)


def _send(relative: str):
    response = send_file(absolute_path(relative), mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/camera/snapshots/<int:snapshot_id>/<any(full, thumb):size>")
@login_required
def snapshot_file(snapshot_id: int, size: str):
    snapshot = get_visible_or_404(Snapshot, snapshot_id)
    return _send(snapshot.thumb_path if size == "thumb" else snapshot.path)


@bp.route("/camera/pictures/<int:picture_id>/<any(full, thumb):size>")
@login_required
def picture_file(picture_id: int, size: str):
    picture = get_visible_or_404(CameraImage, picture_id)
    return _send(picture.thumb_path if size == "thumb" else picture.path)


from . import review_routes  # noqa: E402,F401  (the review queue)
