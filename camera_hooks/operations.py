"""Setting up cameras (SPEC §5): the camera and its source, its pictures of the empty hall and
the references made of them (the regions drawn on a picture: ``regions.py``).

Operations validate everything before they write, ``flush()`` and never commit: the request,
the job or the command commits once. Bad input raises ``Invalid`` naming each bad field, and
changes nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from compliance.audit import current_actor
from compliance.db import utcnow
from compliance.errors import Conflict, Invalid
from compliance.extensions import db
from compliance.org.models import Window
from compliance.uploads import store_image

from . import credentials
from .models import (Camera, CameraFlag, CameraImage, CameraReference, CameraState,
                     FlagKind, FlagState, RegionKind, SourceKind, WindowStreak)
from .regions import RegionInput, parse_regions, set_regions  # noqa: F401 (the region half)
from .schedule import format_hours, parse_hours
from .screening import has_face

CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


# --- sources ---------------------------------------------------------------------------------


def drop_root() -> str:
    """The folder under which every drop-folder camera's folder must lie."""
    return os.path.realpath(current_app.config["CAMERA_DROP_ROOT"])


def parse_source(value: str, field: str = "source") -> tuple[SourceKind, str]:
    """``http(s)://…`` (snapshot URL), ``rtsp(s)://…`` (stream) or ``folder:<path>`` (a folder
    under the drop root; an absolute path or ``file://`` URL inside it works too).

    User names and passwords are refused inside URLs: they have their own fields, so that no
    page, answer or log ever shows them.
    """
    value = (value or "").strip()
    if not value or len(value) > 500:
        message = _("Give the camera's source: an http://, rtsp:// or folder: address.")
        raise Invalid(message, {field: message})
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "rtsp", "rtsps"):
        if parts.username is not None or parts.password is not None:
            message = _("Put the user name and password in their own fields, not in the "
                        "address.")
            raise Invalid(message, {field: message})
        if not parts.hostname or any(c.isspace() for c in value):
            message = _("%(value)s is not a valid address.", value=value)
            raise Invalid(message, {field: message})
        kind = SourceKind.http if scheme.startswith("http") else SourceKind.rtsp
        return kind, urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))
    if scheme in ("folder", "file") or value.startswith("/"):
        path = parts.path if scheme else value
        return SourceKind.folder, _folder_under_root(path, field)
    message = _("Give an http://, rtsp:// or folder: address.")
    raise Invalid(message, {field: message})


def _folder_under_root(path: str, field: str) -> str:
    root = drop_root()
    full = os.path.realpath(path if os.path.isabs(path) else os.path.join(root, path))
    if not path.strip("/") or os.path.commonpath([root, full]) != root or full == root:
        message = _("The folder must lie inside the drop folder %(root)s.", root=root)
        raise Invalid(message, {field: message})
    return os.path.relpath(full, root).replace(os.sep, "/")


def source_display(camera: Camera) -> str:
    return f"folder:{camera.source}" if camera.source_kind is SourceKind.folder else camera.source


def source_location(camera: Camera) -> str:
    """Where the capture job reads (an absolute folder for drop folders)."""
    if camera.source_kind is SourceKind.folder:
        return os.path.join(drop_root(), camera.source)
    return camera.source


# --- cameras ---------------------------------------------------------------------------------


@dataclass
class CameraData:
    code: str
    name: str
    source: str
    username: str | None = None  # None: keep the stored one; "": remove it
    password: str | None = None  # None: keep the stored one; "": remove it
    timeout_seconds: int = 10
    interval_minutes: int | None = None
    extra_per_day: int = 2
    hours: str = ""
    pixelate_block: int = 16
    active: bool = True


def _check(errors: dict, ok: bool, field: str, message) -> None:
    if not ok and field not in errors:
        errors[field] = message


def save_camera(centre_id: int, data: CameraData, camera: Camera | None = None) -> Camera:
    """Create a camera, or update ``camera``; codes are unique within a centre."""
    errors: dict[str, str] = {}
    code = (data.code or "").strip()
    _check(errors, 1 <= len(code) <= 32 and set(code) <= CODE_CHARS, "code",
           _("Letters, digits, '-', '_' and '.' only (at most 32)."))
    _check(errors, 1 <= len((data.name or "").strip()) <= 200, "name",
           _("Give a name of at most 200 characters."))
    _check(errors, data.username is None or len(data.username) <= 100, "username",
           _("At most 100 characters."))
    _check(errors, data.password is None or len(data.password) <= 200, "password",
           _("At most 200 characters."))
    _check(errors, 1 <= data.timeout_seconds <= 120, "timeout_seconds",
           _("Between 1 and 120 seconds."))
    _check(errors, data.interval_minutes is None or 1 <= data.interval_minutes <= 1440,
           "interval_minutes", _("Between 1 and 1440 minutes, or empty for the rulebook's."))
    _check(errors, 0 <= data.extra_per_day <= 48, "extra_per_day", _("Between 0 and 48."))
    _check(errors, 4 <= data.pixelate_block <= 128, "pixelate_block",
           _("Between 4 and 128 pixels."))
    hours = ""
    if (data.hours or "").strip():
        try:
            hours = format_hours(parse_hours(data.hours))
        except ValueError:
            errors["hours"] = _("Time ranges such as 09:00-12:00 13:30-17:30, in order.")
    kind = location = None
    try:
        kind, location = parse_source(data.source)
    except Invalid as error:
        errors.update(error.fields)
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    duplicate = db.session.scalar(sa.select(Camera.id).where(
        Camera.centre_id == centre_id, Camera.code == code,
        Camera.id != (camera.id if camera else -1)))
    if duplicate is not None:
        message = _("%(value)s is already in use.", value=code)
        raise Conflict(message, {"code": message}, code="duplicate")
    if camera is None:
        camera = Camera(centre_id=centre_id)
        db.session.add(camera)
        camera.state = CameraState()
    source_changed = (camera.source_kind, camera.source) != (kind, location)
    camera.code, camera.name = code, data.name.strip()
    camera.source_kind, camera.source = kind, location
    if data.username is not None:
        camera.username_token = credentials.seal(data.username.strip())
    if data.password is not None:
        camera.password_token = credentials.seal(data.password)
    camera.timeout_seconds, camera.interval_minutes = data.timeout_seconds, data.interval_minutes
    camera.extra_per_day, camera.hours = data.extra_per_day, hours
    camera.pixelate_block, camera.active = data.pixelate_block, data.active
    if source_changed and camera.state is not None:
        # A new source starts afresh: its first capture is due at once.
        camera.state.failures, camera.state.next_capture_at = 0, None
    db.session.flush()
    return camera


def camera_by_code(centre_id: int, code: str) -> Camera | None:
    return db.session.scalars(sa.select(Camera).where(Camera.centre_id == centre_id,
                                                      Camera.code == code)).first()


# --- pictures and references -----------------------------------------------------------------


def picture_size(camera: Camera) -> tuple[int, int] | None:
    """(width, height) of the camera's pictures: its newest picture, else its references."""
    image = latest_picture(camera)
    if image is None and camera.references:
        image = camera.references[0].image
    return (image.width, image.height) if image is not None else None


def latest_picture(camera: Camera) -> CameraImage | None:
    return db.session.scalars(sa.select(CameraImage).where(CameraImage.camera_id == camera.id)
                              .order_by(CameraImage.id.desc()).limit(1)).first()


def add_picture(camera: Camera, image: np.ndarray, origin: str, taken_at: datetime | None = None,
                field: str = "file", check_faces: bool = True) -> CameraImage:
    """Keep a whole-view picture of the empty hall (for drawing regions and as a reference).

    Refused when a face is found in it (pictures are kept whole: they must show nobody), or
    when the camera's regions do not fit inside it.
    """
    if check_faces and has_face(image):
        message = _("A face was found in the picture. Reference pictures must show the empty "
                    "hall: take them before opening hours.")
        raise Invalid(message, {field: message})
    height, width = image.shape[:2]
    outside = [r for r in camera.regions
               if any(x >= width or y >= height for x, y in r.polygon)]
    if outside:
        message = _("The picture (%(w)d×%(h)d) is smaller than the camera's regions: redraw "
                    "them or send a picture of the camera's size.", w=width, h=height)
        raise Invalid(message, {field: message})
    stored = store_image(image, "camera/pictures", quality=92)
    _user_id, actor = current_actor()
    picture = CameraImage(centre_id=camera.centre_id, camera_id=camera.id, origin=origin,
                          path=stored.path, thumb_path=stored.thumb_path, sha256=stored.sha256,
                          width=stored.width, height=stored.height,
                          taken_at=taken_at or utcnow(), created_by=actor)
    db.session.add(picture)
    db.session.flush()
    return picture


def set_references(camera: Camera, picture: CameraImage,
                   targets: list[tuple[Window, RegionKind]]) -> int:
    """Make ``picture`` the empty-seat or standard-desk reference of the given windows.

    New references end any open ``camera_moved`` flag (that is what it asked for) and
    restart the streaks: comparisons against the old references are not continued.
    """
    if picture.camera_id != camera.id:
        raise Invalid(_("The picture is not one of this camera's."))
    if not targets:
        message = _("Choose at least one window and kind.")
        raise Invalid(message, {"targets": message})
    _user_id, actor = current_actor()
    existing = {(r.window_id, r.kind): r for r in camera.references}
    for window, kind in targets:
        if window.centre_id != camera.centre_id:
            raise Invalid(_("Unknown window %(code)s.", code=window.code))
        row = existing.get((window.id, kind))
        if row is None:
            row = CameraReference(centre_id=camera.centre_id, window_id=window.id, kind=kind)
            camera.references.append(row)
            existing[(window.id, kind)] = row
        row.image_id, row.set_at, row.set_by = picture.id, utcnow(), actor
    resolve_moved(camera, _("New reference pictures were set by %(who)s.", who=actor))
    db.session.execute(sa.delete(WindowStreak).where(WindowStreak.camera_id == camera.id))
    db.session.flush()
    return len(targets)


def resolve_moved(camera: Camera, reason: str) -> int:
    user_id, actor = current_actor()
    flags = db.session.scalars(sa.select(CameraFlag).where(
        CameraFlag.camera_id == camera.id, CameraFlag.kind == FlagKind.camera_moved,
        CameraFlag.state == FlagState.open)).all()
    for flag in flags:
        flag.state, flag.reason = FlagState.resolved, reason
        flag.reviewed_by_id, flag.reviewed_by, flag.reviewed_at = user_id, actor, utcnow()
    return len(flags)


def request_picture(camera: Camera) -> None:
    """Ask the capture job for a reference picture from the camera (taken within a minute;
    the web request never talks to the camera)."""
    _user_id, actor = current_actor()
    if camera.state is None:
        camera.state = CameraState()
    camera.state.picture_requested_at = utcnow()
    camera.state.picture_requested_by = actor
    db.session.flush()
