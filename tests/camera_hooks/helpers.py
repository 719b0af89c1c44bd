"""Hall pictures for the camera tests, built from the labelled test set's photographs
(camera_hooks.testset), with the world's windows A01 and D01 at the hall's first two
windows; and a camera set up on them."""
from __future__ import annotations

import io
from functools import lru_cache

import cv2
import numpy as np

from camera_hooks import testset
from compliance.extensions import db

SEED = 2024
OURS = {0: "A01", 1: "D01"}  # hall window index → the world's window code
CITIZEN = (560, 620, 110)  # x, y, width of a citizen's face in front of the counter


@lru_cache(maxsize=1)
def hall() -> testset.Hall:
    return testset.build_hall(0, SEED)


def _ours(code: str) -> str | None:
    for index, lay in enumerate(hall().windows):
        if lay.code == code:
            return OURS.get(index)
    return None


def regions() -> list[dict]:  # noqa: F811 (also the name of set_up_camera's switch)
    """The seat and desk polygons of A01 and D01, as the API takes them."""
    out = []
    for region in hall().regions:
        code = _ours(region.window_code)
        if code:
            out.append({"window_code": code, "kind": region.kind,
                        "polygon": [list(p) for p in region.polygon]})
    return out


_regions = regions


def region_of(code: str, kind: str) -> np.ndarray:
    return np.array(next(r["polygon"] for r in regions()
                         if r["window_code"] == code and r["kind"] == kind))


def empty_hall() -> np.ndarray:
    """The clean capture of the empty hall in its standard layout (the references)."""
    return hall().refs.desk[hall().windows[0].code].copy()


@lru_cache(maxsize=32)
def _scene(occupied: frozenset, deviation: frozenset, citizen: bool, shift: float,
           seed: int) -> np.ndarray:
    h = hall()
    rng = np.random.default_rng(seed)
    img = testset.render_base(h)
    people = dict((name, (sprite, alpha)) for name, sprite, alpha in testset._people())
    clutter = dict((name, (sprite, alpha)) for name, sprite, alpha in testset._clutter())
    for index, lay in enumerate(h.windows):
        code = OURS.get(index)
        if code in occupied:
            sprite, alpha = testset._scaled(*people["back-turned"], height=h.counter_top - 150)
            testset._paste(img, sprite, alpha, lay.centre_x - sprite.shape[1] // 2, 150,
                           clip_bottom=h.counter_top)
        if code in deviation:
            sprite, alpha = testset._scaled(*clutter["coffee"], longest=90)
            testset._paste(img, sprite, alpha, lay.centre_x - 100, h.counter_top + 20)
    if citizen:
        x, y, size = CITIZEN
        testset.paste_face(img, x, y - size // 2, size)
    if shift:
        img = testset._shift(img, shift, shift / 2)
    return testset._finish(img, rng, gain=1.05, offset=4.0, gradient=0.03, noise=1.5,
                           quality=90)


def scene(occupied=(), deviation=(), citizen=False, shift=0.0, seed=1) -> np.ndarray:
    """A snapshot of the hall: people at the seats of ``occupied`` (A01/D01), a cup on the
    desks of ``deviation``, optionally a citizen's face in front of the counter and the
    camera shifted by ``shift`` px."""
    return _scene(frozenset(occupied), frozenset(deviation), bool(citizen), float(shift),
                  seed).copy()


def jpeg(image: np.ndarray, quality: int = 92) -> bytes:
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def upload(image: np.ndarray, name: str = "snap.jpg") -> dict:
    return {"file": (io.BytesIO(jpeg(image)), name)}


def set_up_camera(centre, code: str = "CAM1", source: str = "folder:hall-a", references=True,
                  regions=True):
    """A camera over A01 and D01 with its regions and (by default) references, made through
    the operations (the face check of the reference is skipped: it is tested on its own)."""
    from camera_hooks import operations

    camera = operations.save_camera(centre.id, operations.CameraData(code, "东大厅", source))
    if regions:
        operations.set_regions(camera, operations.parse_regions(centre.id, _regions(), None))
    if references and regions:
        picture = operations.add_picture(camera, empty_hall(), "upload", check_faces=False)
        operations.set_references(camera, picture, [(r.window, r.kind) for r in camera.regions])
    db.session.commit()
    return camera
