"""The regions of a camera (SPEC §5): each window's ``seat`` and ``desk`` polygon, drawn on the
camera's picture. ``parse_regions`` validates everything a client can send and names each bad
field (``regions.<i>.<field>``); ``set_regions`` replaces a camera's regions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from compliance.errors import Invalid
from compliance.extensions import db
from compliance.org.models import Window
from compliance.org.operations import window_by_code

from .models import Camera, CameraRegion, RegionKind, WindowStreak

MAX_POINTS = 64
MIN_REGION_SIDE = 8  # pixels: the analysis ignores anything smaller


@dataclass(frozen=True)
class RegionInput:
    window: Window
    kind: RegionKind
    polygon: tuple[tuple[int, int], ...]


def parse_regions(centre_id: int, raw, size: tuple[int, int] | None,
                  field: str = "regions") -> list[RegionInput]:
    """Validate regions given as ``[{"window_code", "kind", "polygon": [[x, y], …]}]``.

    A polygon has 3 to 64 points of non-negative numbers inside the picture (when its size
    is known), spans at least 8×8 pixels, encloses an area and does not cross itself; each
    window has at most one seat and one desk region. Every problem is named, as
    ``regions.<i>.<field>``.
    """
    if not isinstance(raw, list):
        message = _("Not a valid list.")
        raise Invalid(message, {field: message})
    errors: dict[str, str] = {}
    out: list[RegionInput] = []
    seen: set[tuple[int, RegionKind]] = set()
    for index, item in enumerate(raw):
        where = f"{field}.{index}"
        if not isinstance(item, dict):
            errors[where] = _("Not a valid object.")
            continue
        window = kind = None
        code = item.get("window_code")
        try:
            window = window_by_code(centre_id, str(code or ""), f"{where}.window_code")
        except Invalid as error:
            errors.update(error.fields)
        try:
            kind = RegionKind(item.get("kind"))
        except ValueError:
            errors[f"{where}.kind"] = _("Must be one of: %(n)s.", n="seat, desk")
        polygon, problem = _polygon(item.get("polygon"), size)
        if problem:
            errors[f"{where}.polygon"] = problem
        if window is not None and kind is not None:
            if (window.id, kind) in seen:
                errors[where] = _("Window %(code)s has two %(kind)s regions.", code=window.code,
                                  kind=kind.label)
            seen.add((window.id, kind))
        if window is not None and kind is not None and not problem:
            out.append(RegionInput(window, kind, polygon))
    if errors:
        raise Invalid(_("Some regions are not valid."), errors)
    return out


def _polygon(raw, size: tuple[int, int] | None):
    if not isinstance(raw, list) or not 3 <= len(raw) <= MAX_POINTS:
        return None, _("A polygon needs 3 to %(n)d points.", n=MAX_POINTS)
    points = []
    for point in raw:
        if not (isinstance(point, (list, tuple)) and len(point) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                for v in point)):
            return None, _("Each point is a pair of numbers [x, y].")
        x, y = round(point[0]), round(point[1])
        if x < 0 or y < 0 or (size is not None and (x >= size[0] or y >= size[1])):
            return None, _("Every point must lie inside the picture (%(w)d×%(h)d).",
                           w=size[0] if size else 0, h=size[1] if size else 0) if size else \
                _("Coordinates cannot be negative.")
        points.append((x, y))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    if max(xs) - min(xs) < MIN_REGION_SIDE or max(ys) - min(ys) < MIN_REGION_SIDE:
        return None, _("The region is too small (at least %(n)d×%(n)d pixels).",
                       n=MIN_REGION_SIDE)
    if abs(_area(points)) < MIN_REGION_SIDE * MIN_REGION_SIDE / 2:
        return None, _("The points do not enclose an area.")
    if _self_intersects(points):
        return None, _("The polygon's edges cross each other.")
    return tuple(points), None


def _area(points) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2)
               in zip(points, points[1:] + points[:1])) / 2


def _self_intersects(points) -> bool:
    n = len(points)
    edges = [(points[i], points[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # neighbours share a corner
            if _segments_cross(*edges[i], *edges[j]):
                return True
    return False


def _segments_cross(a, b, c, d) -> bool:
    def orient(p, q, r):
        value = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return (value > 0) - (value < 0)

    def on_segment(p, q, r):
        return min(p[0], r[0]) <= q[0] <= max(p[0], r[0]) and \
            min(p[1], r[1]) <= q[1] <= max(p[1], r[1])

    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    if o1 != o2 and o3 != o4:
        return True
    return (o1 == 0 and on_segment(a, c, b)) or (o2 == 0 and on_segment(a, d, b)) or \
        (o3 == 0 and on_segment(c, a, d)) or (o4 == 0 and on_segment(c, b, d))


def set_regions(camera: Camera, regions: list[RegionInput]) -> None:
    """Replace the camera's regions; a window or kind left out loses its streak."""
    wanted = {(r.window.id, r.kind): r for r in regions}
    for row in list(camera.regions):
        key = (row.window_id, row.kind)
        if key in wanted:
            polygon = [list(p) for p in wanted.pop(key).polygon]
            if row.polygon != polygon:
                row.polygon = polygon
        else:
            camera.regions.remove(row)
    for region in wanted.values():
        camera.regions.append(CameraRegion(centre_id=camera.centre_id, window_id=region.window.id,
                                           kind=region.kind,
                                           polygon=[list(p) for p in region.polygon]))
    kept = {(r.window.id, r.kind) for r in regions}
    for streak in db.session.scalars(sa.select(WindowStreak).where(
            WindowStreak.camera_id == camera.id)):
        if (streak.window_id, streak.kind) not in kept:
            db.session.delete(streak)
    db.session.flush()
