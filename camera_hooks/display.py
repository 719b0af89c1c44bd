"""What the camera pages show besides plain values: health and error labels in the reader's
language, and the regions of a snapshot (or of a camera's picture) as the SVG overlay draws
them. Registered as template globals by ``register``.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import Camera, Snapshot

HEALTH_LABELS = {"up": _l("Working"), "retrying": _l("Retrying"), "down": _l("Down"),
                 "never": _l("No capture yet"), "inactive": _l("Switched off")}
ERROR_LABELS = {
    "timeout": _l("The camera did not answer in time."),
    "unreachable": _l("The camera cannot be reached."),
    "auth": _l("The camera refused the user name or password."),
    "http_status": _l("The camera answered with an error."),
    "too_large": _l("The picture is too large."),
    "not_image": _l("The camera did not send a picture."),
    "stream_open": _l("The stream could not be opened."),
    "stream_empty": _l("The stream sent no picture."),
    "folder_missing": _l("The drop folder does not exist."),
    "no_picture": _l("No new picture in the drop folder."),
    "credentials": _l("The stored password cannot be read: enter it again."),
    "hanging": _l("The previous capture has not returned yet."),
    "face_found": _l("The picture shows a face: take it while the hall is empty."),
    "internal": _l("Unexpected error while capturing."),
}


def camera_health_label(state: str):
    return HEALTH_LABELS.get(state, state)


def camera_error_label(code: str):
    return ERROR_LABELS.get(code, code)


def _points(polygon) -> str:
    return " ".join(f"{x},{y}" for x, y in polygon)


def snapshot_overlay(snapshot: Snapshot, highlight: str | None = None) -> list[dict]:
    """The regions of a snapshot as drawn for the reviewer: class by verdict, label with the
    window code and the similarity (``F``: a face was found)."""
    out = []
    for region in snapshot.regions or []:
        code, kind = region["window_code"], region["kind"]
        signals = (snapshot.signals or {}).get(code, {})
        if snapshot.camera_moved:
            state, value = "moved", None
        elif kind == "seat":
            state, value = signals.get("seat", "unknown"), signals.get("seat_similarity")
            if state == "empty" and not signals.get("expected"):
                state = "excused"
        else:
            value = signals.get("desk_similarity")
            state = "unknown" if value is None else (
                "deviation" if signals.get("desk_deviation") else "ok")
        letter = _("S") if kind == "seat" else _("D")
        label = f"{code} {letter} {'—' if value is None else f'{value:.2f}'}"
        if kind == "seat" and signals.get("person"):
            label += " F"
        xs, ys = [p[0] for p in region["polygon"]], [p[1] for p in region["polygon"]]
        out.append({"points": _points(region["polygon"]), "kind": kind, "state": state,
                    "label": label, "x": min(xs), "y": min(ys),
                    "highlight": highlight == code})
    return out


def camera_region_overlay(camera: Camera) -> list[dict]:
    out = []
    for region in camera.regions:
        xs, ys = [p[0] for p in region.polygon], [p[1] for p in region.polygon]
        out.append({"points": _points(region.polygon), "kind": region.kind.value,
                    "state": "drawn", "label": f"{region.window.code} {region.kind.label}",
                    "x": min(xs), "y": min(ys), "highlight": False})
    return out


def register(bp) -> None:
    for helper in (camera_health_label, camera_error_label, snapshot_overlay,
                   camera_region_overlay):
        bp.add_app_template_global(helper)
