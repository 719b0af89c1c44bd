"""Cameras, references, snapshots and flags over the API (API.md): ``POST /cameras``,
``PUT /cameras/{code}/references/{window_code}/{kind}``, ``POST /cameras/{code}/snapshots``,
``GET /camera-flags``, ``POST /camera-flags/{id}/confirm`` and ``…/dismiss``; plus reading
cameras and snapshots, changing a camera and asking it for a reference picture.

Roles: reviewers (inspector, HR, admin) read and decide flags; an admin configures cameras
and sends snapshots. Credentials are accepted, never answered (``has_username``,
``has_password`` say whether they are set).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from compliance.api import ApiBlueprint, requires
from compliance.api.org import target_centre
from compliance.api.schemas import items_schema
from compliance.auth.models import Role
from compliance.auth.permissions import check_access, get_visible_or_404, visible
from compliance.errors import Invalid
from compliance.extensions import db
from compliance.org.models import Centre, Window
from compliance.org.operations import window_by_code
from compliance.uploads import decode_upload

from . import operations, review
from .api_schemas import (CameraIn, CameraOut, CameraUpdate, ConfirmIn, DismissIn, FlagOut,
                          FlagQuery, FlagWithFinding, SnapshotCreated, SnapshotForm, SnapshotOut,
                          SnapshotQuery, UploadFile)
from .models import REVIEWERS, Camera, CameraFlag, RegionKind, Snapshot
from .snapshots import upload_snapshot

blp = ApiBlueprint("api_camera", __name__, description="Cameras, snapshots and review flags")

SNAPSHOT_LIST_LIMIT = 500


# --- helpers ----------------------------------------------------------------------------------

def camera_or_404(code: str, *, edit: bool = False) -> Camera:
    """The caller's centre's camera ``code``; a deployment-wide login names the centre
    (``centre_code``) when two centres use the code."""
    stmt = sa.select(Camera).where(Camera.code == code)
    centre_code = request.args.get("centre_code")
    if current_user.centre_id is not None:
        stmt = stmt.where(Camera.centre_id == current_user.centre_id)
    elif centre_code:
        stmt = stmt.join(Centre, Camera.centre_id == Centre.id).where(Centre.code == centre_code)
    cameras = db.session.scalars(stmt.limit(2)).all()
    if not cameras:
        abort(404)
    if len(cameras) > 1:
        message = _("Name the centre (centre_code).")
        raise Invalid(message, {"centre_code": message})
    check_access(cameras[0], edit=edit)
    return cameras[0]


def _camera_data(body: dict, camera: Camera | None = None) -> operations.CameraData:
    def pick(name, default):
        return body[name] if name in body else default

    return operations.CameraData(
        code=pick("code", camera.code if camera else ""),
        name=pick("name", camera.name if camera else ""),
        source=pick("source", operations.source_display(camera) if camera else ""),
        username=body.get("username"), password=body.get("password"),
        timeout_seconds=pick("timeout_seconds", camera.timeout_seconds if camera else 10),
        interval_minutes=pick("interval_minutes", camera.interval_minutes if camera else None),
        extra_per_day=pick("extra_per_day", camera.extra_per_day if camera else 2),
        hours=pick("hours", camera.hours if camera else ""),
        pixelate_block=pick("pixelate_block", camera.pixelate_block if camera else 16),
        active=pick("active", camera.active if camera else True))


def _save(centre_id: int, body: dict, camera: Camera | None = None) -> Camera:
    """Validate the camera and its regions together: nothing is stored unless all is valid."""
    regions = None
    if "regions" in body:
        regions = operations.parse_regions(
            centre_id, body["regions"], operations.picture_size(camera) if camera else None)
    camera = operations.save_camera(centre_id, _camera_data(body, camera), camera)
    if regions is not None:
        operations.set_regions(camera, regions)
    return camera


# --- cameras ----------------------------------------------------------------------------------

@blp.route("/cameras", methods=["GET"])
@requires(*REVIEWERS)
@blp.response(200, items_schema(CameraOut, "CameraList"))
def list_cameras():
    return {"items": db.session.scalars(visible(Camera).order_by(Camera.code)).all()}


@blp.route("/cameras", methods=["POST"])
@requires(Role.admin)
@blp.arguments(CameraIn)
@blp.response(201, CameraOut)
def create_camera(body):
    """A camera with its source and (optionally) its regions; credentials are write-only."""
    centre = target_centre(body.pop("centre_code", None))
    camera = _save(centre.id, body)
    db.session.commit()
    return camera


@blp.route("/cameras/<code>", methods=["GET"])
@requires(*REVIEWERS)
@blp.response(200, CameraOut)
def get_camera(code):
    return camera_or_404(code)


@blp.route("/cameras/<code>", methods=["PATCH"])
@requires(Role.admin)
@blp.arguments(CameraUpdate)
@blp.response(200, CameraOut)
def update_camera(body, code):
    """Change a camera; ``regions`` replaces all its regions; ``password: ""`` removes it."""
    camera = camera_or_404(code, edit=True)
    body.pop("centre_code", None)
    _save(camera.centre_id, body, camera)
    db.session.commit()
    return camera


@blp.route("/cameras/<code>/references/<window_code>/<kind>", methods=["PUT"])
@requires(Role.admin)
@blp.arguments(UploadFile, location="files")
@blp.response(204)
def put_reference(files, code, window_code, kind):
    """The empty-seat (``seat``) or standard-desk (``desk``) picture of one window. It must
    show nobody: a picture with a face in it is refused."""
    camera = camera_or_404(code, edit=True)
    try:
        region_kind = RegionKind(kind)
    except ValueError:
        message = _("Must be one of: %(n)s.", n="seat, desk")
        raise Invalid(message, {"kind": message}) from None
    window = window_by_code(camera.centre_id, window_code)
    image = decode_upload(files["file"].read())
    picture = operations.add_picture(camera, image, "upload")
    operations.set_references(camera, picture, [(window, region_kind)])
    db.session.commit()


@blp.route("/cameras/<code>/picture-request", methods=["POST"])
@requires(Role.admin)
@blp.response(202, CameraOut)
def request_picture(code):
    """Ask the scheduler to take a reference picture from the camera (within a minute)."""
    camera = camera_or_404(code, edit=True)
    operations.request_picture(camera)
    _queue_capture()
    db.session.commit()
    return camera


def _queue_capture() -> None:
    from compliance.jobs import queue_run

    queue_run("camera_capture", current_user.username)


# --- snapshots --------------------------------------------------------------------------------

@blp.route("/cameras/<code>/snapshots", methods=["POST"])
@requires(Role.admin)
@blp.arguments(SnapshotForm, location="form")
@blp.arguments(UploadFile, location="files")
@blp.response(201, SnapshotCreated)
def post_snapshot(form, files, code):
    """Screen a snapshot sent by a recorder: the answer lists the flags it raised. Only the
    privacy-pixelated picture is stored; the upload itself never touches the disk."""
    camera = camera_or_404(code, edit=True)
    snapshot, flags = upload_snapshot(camera, files["file"].read(), form.get("taken_at"))
    db.session.commit()
    snapshot.flags = flags
    return snapshot


@blp.route("/cameras/<code>/snapshots", methods=["GET"])
@requires(*REVIEWERS)
@blp.arguments(SnapshotQuery, location="query")
@blp.response(200, items_schema(SnapshotOut, "SnapshotList"))
def list_snapshots(query, code):
    camera = camera_or_404(code)
    stmt = sa.select(Snapshot).where(Snapshot.camera_id == camera.id)
    if "from_" in query:
        stmt = stmt.where(Snapshot.taken_at >= query["from_"])
    if "to" in query:
        stmt = stmt.where(Snapshot.taken_at <= query["to"])
    rows = db.session.scalars(stmt.order_by(Snapshot.taken_at.desc())
                              .limit(SNAPSHOT_LIST_LIMIT)).all()
    return {"items": rows}


# --- flags ------------------------------------------------------------------------------------

@blp.route("/camera-flags", methods=["GET"])
@requires(*REVIEWERS)
@blp.arguments(FlagQuery, location="query")
@blp.response(200, items_schema(FlagOut, "CameraFlagList"))
def list_flags(query):
    """Flags the caller may review, oldest first, in every state unless ``state`` is
    given."""
    stmt = visible(CameraFlag).order_by(CameraFlag.at, CameraFlag.id)
    if "state" in query:
        stmt = stmt.where(CameraFlag.state == query["state"])
    if "kind" in query:
        stmt = stmt.where(CameraFlag.kind == query["kind"])
    if "camera" in query:
        stmt = stmt.join(Camera, CameraFlag.camera_id == Camera.id).where(
            Camera.code == query["camera"])
    if "window_code" in query:
        stmt = stmt.join(Window, CameraFlag.window_id == Window.id).where(
            Window.code == query["window_code"])
    return {"items": db.session.scalars(stmt.limit(1000)).all()}


@blp.route("/camera-flags/<int:flag_id>", methods=["GET"])
@requires(*REVIEWERS)
@blp.response(200, FlagWithFinding)
def get_flag(flag_id):
    return get_visible_or_404(CameraFlag, flag_id)


@blp.route("/camera-flags/<int:flag_id>/confirm", methods=["POST"])
@requires(*REVIEWERS)
@blp.arguments(ConfirmIn)
@blp.response(200, FlagWithFinding)
def confirm_flag(body, flag_id):
    """Confirm: a finding (source camera) under checklist item ``item`` against ``staff_no``
    or the person on duty, with the snapshot as evidence. Answers with the finding made."""
    flag = get_visible_or_404(CameraFlag, flag_id)
    review.confirm(flag, current_user, body["item"], body.get("staff_no"), body.get("note", ""))
    db.session.commit()
    return flag


@blp.route("/camera-flags/<int:flag_id>/dismiss", methods=["POST"])
@requires(*REVIEWERS)
@blp.arguments(DismissIn)
@blp.response(200, FlagWithFinding)
def dismiss_flag(body, flag_id):
    flag = get_visible_or_404(CameraFlag, flag_id)
    review.dismiss(flag, current_user, body["reason"])
    db.session.commit()
    return flag
