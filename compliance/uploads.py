"""Image uploads (patrol photos, camera snapshots, references).

An upload is accepted only if it decodes as an image (the name and the declared type are not
trusted); it is re-encoded as JPEG, which drops EXIF and its location data, and a thumbnail is
made. Files get random names under the upload folder, so no path a client sends is ever used.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

import cv2
import numpy as np
from flask import current_app
from flask_babel import gettext as _

from .db import utcnow
from .errors import DomainError, Invalid

MAX_PIXELS = 40_000_000
THUMB_EDGE = 320


class TooLarge(DomainError):
    status = 413
    code = "too_large"


@dataclass(frozen=True)
class StoredImage:
    path: str  # relative to the upload folder
    thumb_path: str
    sha256: str
    size: int
    width: int
    height: int


def decode_upload(data: bytes, field: str = "file", max_bytes: int | None = None) -> np.ndarray:
    """Decode an uploaded image (BGR), or refuse it with an error naming ``field``."""
    limit = max_bytes or current_app.config.get("MAX_PHOTO_BYTES", 8 * 1024 * 1024)
    if len(data) > limit:
        message = _("The image is larger than %(mb).0f MB.", mb=limit / 1024 / 1024)
        raise TooLarge(message, {field: message})
    if not data:
        message = _("The file is empty.")
        raise Invalid(message, {field: message})
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        message = _("The file is not an image (JPEG, PNG or WebP).")
        raise Invalid(message, {field: message})
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        message = _("The image has too many pixels.")
        raise TooLarge(message, {field: message})
    return image


def _write(relative: str, payload: bytes) -> None:
    full = os.path.join(current_app.config["UPLOAD_FOLDER"], relative)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    temporary = full + ".part"
    with open(temporary, "wb") as handle:
        handle.write(payload)
    os.replace(temporary, full)  # never a half-written file under the final name


def store_image(image: np.ndarray, folder: str, quality: int = 88) -> StoredImage:
    """Write ``image`` (already decoded, and already made private where needed) as JPEG."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise Invalid(_("The image could not be stored."))
    height, width = image.shape[:2]
    scale = THUMB_EDGE / max(height, width)
    thumb = image if scale >= 1 else cv2.resize(
        image, (max(1, int(width * scale)), max(1, int(height * scale))),
        interpolation=cv2.INTER_AREA)
    _ok, thumb_encoded = cv2.imencode(".jpg", thumb, [cv2.IMWRITE_JPEG_QUALITY, 80])
    payload = encoded.tobytes()
    stamp = utcnow().strftime("%Y/%m")
    name = secrets.token_hex(12)
    path = f"{folder}/{stamp}/{name}.jpg"
    thumb_path = f"{folder}/{stamp}/{name}.thumb.jpg"
    _write(path, payload)
    _write(thumb_path, thumb_encoded.tobytes())
    return StoredImage(path, thumb_path, hashlib.sha256(payload).hexdigest(), len(payload),
                       width, height)


def absolute_path(relative: str) -> str:
    root = os.path.realpath(current_app.config["UPLOAD_FOLDER"])
    full = os.path.realpath(os.path.join(root, relative))
    if not full.startswith(root + os.sep):
        raise Invalid("bad path")
    return full


def delete_file(relative: str) -> None:
    try:
        os.remove(absolute_path(relative))
    except FileNotFoundError:
        pass
