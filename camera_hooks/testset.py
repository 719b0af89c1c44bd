"""Labelled synthetic service-hall snapshots for testing and benchmarking the camera analysis.

Every scene is 1280×720 with four windows, each with a ``seat`` and a ``desk`` region, and is
composed from the real photographs bundled with scikit-image (no download): the astronaut
(Eileen Collins), the cameraman and the Labeled-Faces-in-the-Wild subset are the people; the
coffee cup, clock, coins, cat, colour wheel, rocket and Hubble pictures are the clutter; the
brick, gravel and page pictures give the wall, counter and signs their texture.

Labels per window: ``occupied`` (a person pasted in the seat region) and ``deviation``
(clutter on the desk, or its name sign missing). Per scene: ``shifted`` (the whole view
translated by 3–8 px, which must be reported as ``camera_moved``). Nuisances that must NOT
change a label: light gain 0.7–1.3, offset ±25 grey levels, a left-right gradient of ±10 %,
a colour cast of ±7 % per channel, sensor noise σ 0–5, JPEG quality 50–95, and citizens'
faces in front of the counter (outside every region). References are clean captures
(noise σ 1, JPEG 92) of the empty hall in its standard layout.

Everything is drawn from a seeded ``numpy.random.Generator``: the same seed gives the same
pixels. This module is a test and benchmark helper: it imports scikit-image, the product
code (``camera_hooks.analysis``) does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from skimage import data as skdata

from camera_hooks.analysis import References, Region

WIDTH, HEIGHT = 1280, 720
WINDOWS = 4
SHIFT_RANGE_PX = (3.0, 8.0)


# ---------------------------------------------------------------------------------------------
# Assets: sprites are (BGR uint8, alpha float32 in [0, 1]) pairs.


def _bgr(img: np.ndarray) -> np.ndarray:
    if img.dtype != np.uint8:
        img = np.clip(img * 255.0, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(img[:, :, 2::-1])  # RGB(A) -> BGR


def _ellipse_alpha(h: int, w: int) -> np.ndarray:
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, (w // 2, h // 2), (w // 2 - 1, h // 2 - 1), 0, 0, 360, 1.0, -1)
    return alpha


def _feather(alpha: np.ndarray, px: float = 1.5) -> np.ndarray:
    return cv2.GaussianBlur(alpha, (0, 0), px)


@lru_cache(maxsize=1)
def _people() -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
    """Person sprites: head and shoulders, as they show above a counter."""
    people = []

    astro = _bgr(skdata.astronaut())[0:420, 0:370]
    alpha = np.zeros(astro.shape[:2], np.float32)
    cv2.ellipse(alpha, (225, 112), (60, 80), 0, 0, 360, 1.0, -1)
    torso = np.array([[5, 419], [15, 250], [110, 180], [330, 180], [369, 260], [369, 419]])
    cv2.fillPoly(alpha, [torso], 1.0)
    people.append(("astronaut", astro, _feather(alpha)))

    cam = _bgr(skdata.camera())[40:512, 0:300]
    dark = (cv2.cvtColor(cam, cv2.COLOR_BGR2GRAY) < 90).astype(np.uint8)
    dark = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    people.append(("cameraman", cam, _feather(dark.astype(np.float32))))

    faces = skdata.lfw_subset()[:100]  # the first 100 are faces, the rest are not
    for index in (0, 3, 7, 11, 13, 15, 18, 19):
        people.append((f"lfw{index}", *_composite_person(faces[index], index)))

    people.append(("back-turned", *_back_turned_person()))
    return tuple(people)


_UNIFORMS = ((110, 50, 20), (235, 235, 235), (60, 60, 60), (40, 40, 140), (150, 120, 90))


def _composite_person(face: np.ndarray, index: int) -> tuple[np.ndarray, np.ndarray]:
    """A staff member: a real LFW face above a uniform shirt."""
    h, w = 300, 260
    img = np.zeros((h, w, 3), np.uint8)
    alpha = np.zeros((h, w), np.float32)
    colour = _UNIFORMS[index % len(_UNIFORMS)]
    torso = np.array([[0, h - 1], [10, 190], [70, 150], [190, 150], [250, 190], [w - 1, h - 1]])
    cv2.fillPoly(img, [torso], colour)
    cv2.fillPoly(alpha, [torso], 1.0)
    shade = np.linspace(1.1, 0.8, w, dtype=np.float32)[None, :, None]
    img = np.clip(img * shade, 0, 255).astype(np.uint8)
    collar = np.array([[100, 150], [130, 200], [160, 150]])
    cv2.fillPoly(img, [collar], (245, 245, 245))
    face_img = cv2.resize(_bgr(face), (120, 150), interpolation=cv2.INTER_CUBIC)
    img[10:160, 70:190] = face_img
    cv2.ellipse(alpha, (130, 85), (58, 75), 0, 0, 360, 1.0, -1)
    return img, _feather(alpha)


def _back_turned_person() -> tuple[np.ndarray, np.ndarray]:
    """A person facing away: no face for any detector, only the seat comparison sees them."""
    h, w = 300, 260
    img = np.zeros((h, w, 3), np.uint8)
    alpha = np.zeros((h, w), np.float32)
    torso = np.array([[0, h - 1], [10, 190], [70, 150], [190, 150], [250, 190], [w - 1, h - 1]])
    cv2.fillPoly(img, [torso], (120, 90, 60))
    cv2.fillPoly(alpha, [torso], 1.0)
    cv2.ellipse(img, (130, 85), (58, 75), 0, 0, 360, (30, 35, 45), -1)
    cv2.ellipse(alpha, (130, 85), (58, 75), 0, 0, 360, 1.0, -1)
    hair = _bgr(skdata.gravel())[0:150, 0:120]
    head = img[10:160, 71:191].astype(np.float32)
    img[10:160, 71:191] = np.clip(head * (0.6 + 0.8 * hair / 255.0), 0, 255).astype(np.uint8)
    return img, _feather(alpha)


@lru_cache(maxsize=1)
def _clutter() -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
    """Objects that do not belong on a standard desk."""
    items = []
    cup = _bgr(skdata.coffee())[10:330, 140:480]
    items.append(("coffee", cup, _feather(_ellipse_alpha(*cup.shape[:2]))))
    clock = _bgr(skdata.clock())[40:250, 100:310]
    items.append(("clock", clock, _feather(_ellipse_alpha(*clock.shape[:2]))))
    coins = _bgr(skdata.coins())[20:160, 20:200]
    items.append(("coins", coins, np.ones(coins.shape[:2], np.float32)))
    wheel = _bgr(skdata.colorwheel())
    items.append(("ball", wheel, _feather(_ellipse_alpha(*wheel.shape[:2]))))
    for name, photo in (("cat-photo", skdata.chelsea()), ("magazine", skdata.rocket()),
                        ("astro-magazine", skdata.hubble_deep_field())):
        img = _bgr(photo)
        h, w = img.shape[:2]
        side = min(h, w)
        img = img[(h - side) // 2:(h + side) // 2, (w - side) // 2:(w - side) // 2 + int(side * 0.75)]
        img = img.copy()
        cv2.rectangle(img, (0, 0), (img.shape[1] - 1, img.shape[0] - 1), (250, 250, 250), 6)
        items.append((name, img, np.ones(img.shape[:2], np.float32)))

    phone = np.full((120, 64, 3), 25, np.uint8)
    cv2.rectangle(phone, (6, 12), (57, 105), (160, 110, 60), -1)
    items.append(("phone", phone, np.ones(phone.shape[:2], np.float32)))
    bottle = np.zeros((140, 60, 3), np.uint8)
    alpha = np.zeros(bottle.shape[:2], np.float32)
    for target, value in ((bottle, (200, 120, 40)), (alpha, 1.0)):
        cv2.rectangle(target, (5, 40), (54, 139), value, -1)
        cv2.rectangle(target, (20, 0), (39, 40), value, -1)
    cv2.rectangle(bottle, (5, 70), (54, 100), (240, 240, 240), -1)
    items.append(("bottle", bottle, alpha))
    bag = np.zeros((110, 150, 3), np.uint8)
    alpha = np.zeros(bag.shape[:2], np.float32)
    cv2.rectangle(bag, (0, 30), (149, 109), (40, 70, 140), -1)
    cv2.rectangle(alpha, (0, 30), (149, 109), 1.0, -1)
    cv2.ellipse(bag, (75, 30), (45, 28), 0, 180, 360, (20, 40, 90), 8)
    cv2.ellipse(alpha, (75, 30), (45, 28), 0, 180, 360, 1.0, 8)
    items.append(("bag", bag, alpha))
    return tuple(items)


@lru_cache(maxsize=1)
def _textures() -> dict[str, np.ndarray]:
    brick = np.ascontiguousarray(np.rot90(skdata.brick()))
    return {
        "brick": cv2.resize(brick, (640, 640)),
        "gravel": skdata.gravel(),
        "page": skdata.page(),
        "text": skdata.text(),
    }


def _paste(canvas: np.ndarray, sprite: np.ndarray, alpha: np.ndarray, x: int, y: int,
           clip_bottom: int | None = None) -> None:
    """Alpha-blend ``sprite`` with its top-left corner at (x, y), in place."""
    h, w = sprite.shape[:2]
    bottom = canvas.shape[0] if clip_bottom is None else clip_bottom
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, canvas.shape[1]), min(y + h, bottom)
    if x0 >= x1 or y0 >= y1:
        return
    src = sprite[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32)
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x, None]
    dst = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = np.clip(src * a + dst * (1.0 - a) + 0.5, 0, 255).astype(np.uint8)


def _scaled(sprite: np.ndarray, alpha: np.ndarray, height: int | None = None,
            longest: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    h, w = sprite.shape[:2]
    factor = height / h if height is not None else longest / max(h, w)
    size = (max(2, round(w * factor)), max(2, round(h * factor)))
    return cv2.resize(sprite, size, interpolation=cv2.INTER_AREA), cv2.resize(alpha, size)


def paste_face(canvas: np.ndarray, x: int, y: int, size: int) -> None:
    """Paste the astronaut's head and shoulders (a face Haar detects) at (x, y), ``size`` wide."""
    astro = _bgr(skdata.astronaut())[20:300, 120:330]
    alpha = _feather(_ellipse_alpha(*astro.shape[:2]), 3)
    sprite, a = _scaled(astro, alpha, longest=round(size * 280 / 210))
    _paste(canvas, sprite, a, x, y)


# ---------------------------------------------------------------------------------------------
# Halls: the fixed geometry and furniture a camera sees, and its references.


@dataclass(frozen=True)
class WindowLayout:
    code: str
    centre_x: int
    chair_colour: tuple[int, int, int]
    sign_x: int
    keyboard_x: int


@dataclass(frozen=True)
class Hall:
    """One camera view: the empty, standard-layout scene, its regions and references."""

    index: int
    counter_top: int
    wall_tint: tuple[float, float, float]
    counter_colour: tuple[int, int, int]
    windows: tuple[WindowLayout, ...]
    regions: tuple[Region, ...]
    refs: References
    background: np.ndarray  # wall, counter, pillars and signs: everything that never changes

    def seat_polygon(self, code: str) -> np.ndarray:
        return next(np.array(r.polygon) for r in self.regions if r.window_code == code and r.kind == "seat")

    def desk_polygon(self, code: str) -> np.ndarray:
        return next(np.array(r.polygon) for r in self.regions if r.window_code == code and r.kind == "desk")


def build_hall(index: int, seed: int = 0) -> Hall:
    """A hall with jittered geometry and colours; references are a clean JPEG capture."""
    rng = np.random.default_rng([seed, index, 7919])
    top = int(430 + rng.integers(-15, 16))
    layouts, regions = [], []
    for w in range(WINDOWS):
        code = f"W{index + 1}{w + 1:02d}"
        cx = int(160 + 320 * w + rng.integers(-12, 13))
        colour = tuple(int(c) for c in rng.integers(20, 140, 3))
        layouts.append(WindowLayout(code, cx, colour, int(cx - 120 + rng.integers(0, 20)),
                                    int(cx - 10 + rng.integers(0, 30))))
        seat = ((cx - 105, 115), (cx + 105, 115), (cx + 118, top - 4), (cx - 118, top - 4))
        desk = ((cx - 135, top + 6), (cx + 135, top + 6), (cx + 148, top + 122), (cx - 148, top + 122))
        regions.append(Region(code, "seat", seat))
        regions.append(Region(code, "desk", desk))
    hall = Hall(index, top, tuple(float(t) for t in rng.uniform(0.75, 1.1, 3)),
                tuple(int(c) for c in rng.integers(100, 170, 3)), tuple(layouts), tuple(regions),
                References({}, {}), np.zeros((1, 1, 3), np.uint8))
    hall = Hall(hall.index, top, hall.wall_tint, hall.counter_colour, hall.windows, hall.regions,
                hall.refs, _render_background(hall))
    base = render_base(hall)
    seat_ref = _finish(base, rng, gain=1.0, offset=0.0, gradient=0.0, noise=1.0, quality=92)
    desk_ref = _finish(base, rng, gain=1.0, offset=0.0, gradient=0.0, noise=1.0, quality=92)
    refs = References({lay.code: seat_ref for lay in layouts}, {lay.code: desk_ref for lay in layouts})
    return Hall(hall.index, top, hall.wall_tint, hall.counter_colour, hall.windows, hall.regions,
                refs, hall.background)


def render_base(hall: Hall, missing_signs: frozenset[str] = frozenset()) -> np.ndarray:
    """The empty hall in its standard layout, before any nuisance."""
    img = hall.background.copy()
    for lay in hall.windows:
        _draw_chair(img, lay, hall.counter_top)
        _draw_desk(img, lay, hall.counter_top, _textures(), sign=lay.code not in missing_signs)
    return img


def _render_background(hall: Hall) -> np.ndarray:
    tex = _textures()
    top = hall.counter_top
    img = np.empty((HEIGHT, WIDTH, 3), np.uint8)

    brick = np.tile(tex["brick"], (2, 2))[:top, :WIDTH].astype(np.float32) / 255.0
    wall = (70 + 120 * brick)[:, :, None] * np.array(hall.wall_tint, np.float32)
    img[:top] = np.clip(wall, 0, 255).astype(np.uint8)

    gravel = cv2.resize(tex["gravel"], (WIDTH, HEIGHT - top)).astype(np.float32) / 255.0
    counter = (0.8 + 0.25 * gravel)[:, :, None] * np.array(hall.counter_colour, np.float32)
    img[top:] = np.clip(counter, 0, 255).astype(np.uint8)
    front = top + 130
    img[front:] = (img[front:].astype(np.float32) * 0.55).astype(np.uint8)
    cv2.line(img, (0, front), (WIDTH, front), (30, 30, 30), 4)
    cv2.line(img, (0, top), (WIDTH, top), (60, 60, 60), 3)

    for w in range(WINDOWS + 1):  # pillars between windows
        x = 320 * w
        cv2.rectangle(img, (x - 12, 0), (x + 12, top), (90, 95, 100), -1)
        cv2.line(img, (x - 12, 0), (x - 12, top), (40, 40, 40), 2)
    page = cv2.cvtColor(tex["page"], cv2.COLOR_GRAY2BGR)
    for lay in hall.windows:
        panel = cv2.resize(page[0:60, 0:300], (200, 44))
        img[30:74, lay.centre_x - 100:lay.centre_x + 100] = panel
        cv2.putText(img, lay.code, (lay.centre_x - 40, 105), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                    (20, 20, 160), 2, cv2.LINE_AA)
    return img


def _draw_chair(img: np.ndarray, lay: WindowLayout, top: int) -> None:
    cx = lay.centre_x
    back = np.array([[cx - 62, top], [cx - 58, 215], [cx - 40, 195], [cx + 40, 195], [cx + 58, 215], [cx + 62, top]])
    cv2.fillPoly(img, [back], lay.chair_colour)
    cv2.polylines(img, [back], False, tuple(c // 2 for c in lay.chair_colour), 3)
    cv2.line(img, (cx - 45, 250), (cx + 45, 250), tuple(min(255, c + 50) for c in lay.chair_colour), 3)
    cv2.rectangle(img, (cx - 38, 170), (cx + 38, 196), tuple(c // 2 + 20 for c in lay.chair_colour), -1)


def _draw_desk(img: np.ndarray, lay: WindowLayout, top: int, tex: dict, *, sign: bool) -> None:
    kx, ky = lay.keyboard_x, top + 40
    cv2.rectangle(img, (kx, ky), (kx + 110, ky + 34), (45, 45, 45), -1)
    for col in range(kx + 4, kx + 110, 9):
        cv2.line(img, (col, ky + 2), (col, ky + 32), (90, 90, 90), 1)
    for row in range(ky + 4, ky + 34, 8):
        cv2.line(img, (kx + 2, row), (kx + 108, row), (90, 90, 90), 1)
    cv2.rectangle(img, (lay.centre_x + 70, top + 20), (lay.centre_x + 130, top + 60), (200, 200, 205), -1)
    cv2.rectangle(img, (lay.centre_x + 70, top + 20), (lay.centre_x + 130, top + 60), (80, 80, 80), 2)
    if sign:  # the name sign (工作牌/桌牌): its absence is a deviation too
        text = cv2.cvtColor(cv2.resize(tex["text"][20:120, 20:260], (90, 34)), cv2.COLOR_GRAY2BGR)
        sx, sy = lay.sign_x, top + 70
        cv2.rectangle(img, (sx - 4, sy - 4), (sx + 94, sy + 38), (30, 30, 150), -1)
        img[sy:sy + 34, sx:sx + 90] = text


# ---------------------------------------------------------------------------------------------
# Scenes


@dataclass(frozen=True)
class Case:
    name: str
    hall: Hall
    image: np.ndarray
    shifted: bool
    occupied: dict[str, bool]
    deviation: dict[str, bool]
    description: str


def _finish(img: np.ndarray, rng: np.random.Generator, *, gain: float, offset: float,
            gradient: float, noise: float, quality: int, cast: tuple[float, float, float] = (1, 1, 1)
            ) -> np.ndarray:
    """Light (gain, offset, left-right gradient, colour cast), sensor noise, JPEG round trip."""
    ramp = 1.0 + gradient * np.linspace(-1.0, 1.0, img.shape[1], dtype=np.float32)
    factor = (gain * ramp)[None, :, None] * np.array(cast, np.float32)[None, None, :]
    out = img.astype(np.float32)
    out *= factor
    out += np.float32(offset + 0.5)
    if noise > 0:  # a window of one cached noise field: drawing 2.8 M normals per scene is slow
        field, (h, w) = _noise_field(), img.shape[:2]
        y, x = int(rng.integers(0, field.shape[0] - h + 1)), int(rng.integers(0, field.shape[1] - w + 1))
        out += field[y:y + h, x:x + w, :img.shape[2]] * np.float32(noise)
    out = np.clip(out, 0, 255, out=out).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


@lru_cache(maxsize=1)
def _noise_field() -> np.ndarray:
    return np.random.default_rng(12345).standard_normal((HEIGHT + 97, WIDTH + 131, 3), dtype=np.float32)


def _shift(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, matrix, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def _point_in(poly: np.ndarray, rng: np.random.Generator, margin: int) -> tuple[int, int]:
    x, y, w, h = cv2.boundingRect(poly.astype(np.int32))
    while True:
        px, py = int(rng.integers(x + margin, x + w - margin)), int(rng.integers(y + margin, y + h - margin))
        if cv2.pointPolygonTest(poly.astype(np.int32), (px, py), True) >= margin:
            return px, py


def render_case(hall: Hall, rng: np.random.Generator, name: str, *, p_occupied: float = 0.5,
                p_deviation: float = 0.4, shifted: bool = False, citizens: bool | None = None) -> Case:
    """One labelled snapshot of ``hall`` with random people, clutter and nuisances."""
    people, clutter = _people(), _clutter()
    occupied = {lay.code: bool(rng.random() < p_occupied) for lay in hall.windows}
    deviation = {lay.code: bool(rng.random() < p_deviation) for lay in hall.windows}
    notes = []
    missing = frozenset(c for c in deviation if deviation[c] and rng.random() < 0.15)
    img = render_base(hall, missing)
    top = hall.counter_top
    for lay in hall.windows:
        code = lay.code
        if occupied[code]:
            person_name, sprite, alpha = people[int(rng.integers(len(people)))]
            height = int((top - 115) * rng.uniform(0.72, 1.0))
            sprite, alpha = _scaled(sprite, alpha, height=height)
            x = lay.centre_x - sprite.shape[1] // 2 + int(rng.integers(-30, 31))
            _paste(img, sprite, alpha, x, top - height + int(rng.integers(0, 25)), clip_bottom=top)
            notes.append(f"{code}:{person_name}")
        if deviation[code] and code not in missing:
            poly = hall.desk_polygon(code)
            for _ in range(int(rng.integers(1, 3))):
                item_name, sprite, alpha = clutter[int(rng.integers(len(clutter)))]
                sprite, alpha = _scaled(sprite, alpha, longest=int(rng.integers(50, 100)))
                cx, cy = _point_in(poly, rng, margin=20)
                # Keep the object within this desk's box, off the neighbour's desk.
                bx, by, bw, bh = cv2.boundingRect(poly.astype(np.int32))
                x = min(max(cx - sprite.shape[1] // 2, bx), bx + bw - sprite.shape[1])
                y = min(max(cy - sprite.shape[0] // 2, by - sprite.shape[0] // 3), by + bh - sprite.shape[0])
                _paste(img, sprite, alpha, x, y)
                notes.append(f"{code}:{item_name}")
        elif code in missing:
            notes.append(f"{code}:no-sign")
    if citizens if citizens is not None else rng.random() < 0.4:
        for _ in range(int(rng.integers(1, 3))):
            size = int(rng.integers(80, 120))
            paste_face(img, int(rng.integers(0, WIDTH - size)), int(rng.integers(top + 140, HEIGHT - size // 2)), size)
        notes.append("citizens")
    if shifted:
        angle = rng.uniform(0, 2 * np.pi)
        magnitude = rng.uniform(*SHIFT_RANGE_PX)
        img = _shift(img, magnitude * np.cos(angle), magnitude * np.sin(angle))
        notes.append(f"shift={magnitude:.1f}px")
    gain, offset = rng.uniform(0.7, 1.3), rng.uniform(-25, 25)
    gradient, noise, quality = rng.uniform(-0.1, 0.1), rng.uniform(0, 5), int(rng.integers(50, 96))
    cast = tuple(rng.uniform(0.93, 1.07, 3))
    img = _finish(img, rng, gain=gain, offset=offset, gradient=gradient, noise=noise, quality=quality, cast=cast)
    notes.append(f"gain={gain:.2f} offset={offset:+.0f} grad={gradient:+.2f} noise={noise:.1f} q={quality}")
    return Case(name, hall, img, shifted, occupied, deviation, " ".join(notes))


def build_cases(n_scenes: int = 240, seed: int = 2024, n_halls: int = 3,
                shifted_fraction: float = 0.15) -> list[Case]:
    """``n_scenes`` labelled snapshots over ``n_halls`` halls; deterministic for a seed."""
    halls = [build_hall(i, seed) for i in range(n_halls)]
    rng = np.random.default_rng(seed)
    n_shifted = round(n_scenes * shifted_fraction)
    cases = []
    for i in range(n_scenes):
        hall = halls[i % n_halls]
        cases.append(render_case(hall, rng, f"s{seed}-{i:04d}", shifted=i < n_shifted))
    return cases
