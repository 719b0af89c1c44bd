"""Camera snapshot analysis (SPEC §5, 电子视频监察): image, regions and references in, flags out.

PURE: numpy and OpenCV only. No database, no Flask, no clock; the same inputs always give
the same result. The caller applies the roster (a seat is only a finding while its staff is
rostered and not on leave, break or temporary absence) and the rulebook's
``seat_empty_consecutive`` count; this module only says what the picture shows.

Method (NOTES_analysis.md has the measurements behind every default):

* comparisons run on grey at half resolution, with the light removed per crop (mean and
  standard deviation inside the polygon), a Gaussian pre-smoothing (σ = 1 px) that takes out
  sensor noise, JPEG blocks and sub-pixel camera jitter, then the structural similarity index
  (SSIM, Wang et al. 2004, Gaussian window σ = 1.5);
* seat: two independent signals. The SSIM map against the empty-seat reference, summarised
  as the value 90 % of the region reaches (a person changes far more than 10 % of it); and
  the Haar frontal-face cascade on the seat crop only (a profile cascade too, before a seat
  is reported empty). A face proves presence, no face proves nothing: occupied if a face is
  found, else if the similarity is below ``seat_similarity_threshold``, else empty;
* desk: the SSIM map against the standard-layout reference, averaged over square blocks a
  quarter of the region's shorter side; the worst block is the desk similarity, so one phone
  is not averaged away by an unchanged rest of the desk;
* camera moved: phase correlation of the whole frame against the references estimates a
  translation; SSIM of everything outside the regions says whether the view matches at all.
  A moved camera gives one ``camera_moved`` flag and no window flags.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np

SEAT, DESK = "seat", "desk"
SEAT_EMPTY, DESK_DEVIATION, CAMERA_MOVED = "seat_empty", "desk_deviation", "camera_moved"

_SCALE = 0.5  # analysis resolution relative to the snapshot
_SSIM_SIGMA = 1.5
_PRE_BLUR = 1.0  # σ at analysis resolution; without it a 1 px camera jitter broke desk comparisons
_C1, _C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
_NORM_MEAN, _NORM_STD, _MIN_STD = 128.0, 40.0, 8.0
_SEAT_PERCENTILE = 10  # seat similarity: the SSIM that 90 % of the seat region reaches
_DESK_BLOCK_FRACTION = 1 / 4  # desk similarity: worst block, side = this × the shorter side
_FACE_MIN_FRACTION = 0.16  # smallest face searched, as a fraction of the seat crop's width
_FACE_CASCADE = "haarcascade_frontalface_default.xml"
_PROFILE_CASCADE = "haarcascade_profileface.xml"


@dataclass(frozen=True)
class Region:
    """A polygon drawn on the reference picture, in snapshot pixel coordinates."""

    window_code: str
    kind: str  # "seat" | "desk"
    polygon: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if self.kind not in (SEAT, DESK):
            raise ValueError(f"region kind must be 'seat' or 'desk', not {self.kind!r}")
        if len(self.polygon) < 3:
            raise ValueError("a region needs at least three points")


@dataclass(frozen=True)
class References:
    """Whole-view BGR reference pictures per window code (``None`` where not taken yet)."""

    empty_seat: dict[str, np.ndarray | None] = field(default_factory=dict)
    desk: dict[str, np.ndarray | None] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalysisSettings:
    """Decision thresholds; the defaults are measured on the labelled set (NOTES_analysis.md).

    seat_similarity_threshold: seat similarity (SSIM reached by 90 % of the seat region,
        against the empty-seat reference) at or above which a seat without a face is empty.
        Measured: empty seats ≥ 0.945 (≥ 0.77 with the camera 1.5–2 px off), seated people
        without a detected face ≤ 0.55. Lower it and fewer seats are reported empty.
    desk_deviation_threshold: desk similarity (worst-block SSIM against the standard layout)
        below which the desk deviates. Measured: standard desks ≥ 0.97 (≥ 0.75 with the camera
        1.5–2 px off), clutter or a missing sign ≤ 0.56.
    camera_moved_threshold: SSIM of everything outside the regions against the best-matching
        reference below which the view no longer matches (camera turned, zoomed, covered).
        Measured: unmoved ≥ 0.89, shifted 3–8 px 0.44–0.81 (the shift test catches those).
    camera_shift_px: translation in snapshot pixels, estimated by phase correlation, at or
        above which the camera has moved. Measured: unmoved ≤ 0.43, shifted 3–8 px ≥ 3.1 (the
        estimate is off by up to 0.9 px); the region comparisons stay right up to 2 px.
    pixelate_block: block size in pixels for ``pixelate_outside``: at least a quarter of the
        widest face the camera sees in front of the counter.
    """

    seat_similarity_threshold: float = 0.65
    desk_deviation_threshold: float = 0.65
    camera_moved_threshold: float = 0.60
    camera_shift_px: float = 2.0
    pixelate_block: int = 16


@dataclass(frozen=True)
class WindowSignals:
    window_code: str
    seat_similarity: float | None  # None: no seat region, no reference, or region off-picture
    face_found: bool
    person_found: bool  # frontal face, or a profile face looked for before reporting a seat empty
    seat_occupied: bool | None  # None: cannot tell (no reference and no face)
    desk_similarity: float | None
    desk_deviation: bool


@dataclass(frozen=True)
class Flag:
    """``score`` is the strength of the evidence in [0, 1]: seat_empty the seat similarity,
    desk_deviation 1 − desk similarity, camera_moved the Analysis.moved_score."""

    kind: str  # "seat_empty" | "desk_deviation" | "camera_moved"
    window_code: str | None
    score: float


@dataclass(frozen=True)
class Analysis:
    camera_moved: bool
    moved_score: float  # 1 − background_similarity, raised to 1.0 when the shift alone decides
    windows: dict[str, WindowSignals]
    flags: tuple[Flag, ...]
    background_similarity: float | None = None  # None without references
    shift_px: float | None = None  # estimated translation; None without (same-size) references


# ---------------------------------------------------------------------------------------------
# Image primitives


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _small_grey(image: np.ndarray) -> np.ndarray:
    """Grey at analysis resolution, float32."""
    grey = _grey(image)
    size = (max(1, round(grey.shape[1] * _SCALE)), max(1, round(grey.shape[0] * _SCALE)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)


def _normalised(grey: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Remove the light: the same mean and contrast inside ``mask`` for every picture."""
    mean, std = cv2.meanStdDev(grey, mask=mask)
    scale = _NORM_STD / max(float(std[0, 0]), _MIN_STD)
    return (grey - float(mean[0, 0])) * scale + _NORM_MEAN


def _ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Structural similarity per pixel (Wang et al. 2004) with a Gaussian window.

    Local means are clamped at zero for the luminance term: after ``_normalised`` (mean 128,
    std 40) only patches darker than −3σ go below it, and they must not look opposite.
    """
    blur = lambda x: cv2.GaussianBlur(x, (0, 0), _SSIM_SIGMA)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a * mu_a
    var_b = blur(b * b) - mu_b * mu_b
    cov = blur(a * b) - mu_a * mu_b
    la, lb = np.maximum(mu_a, 0), np.maximum(mu_b, 0)
    return ((2 * la * lb + _C1) * (2 * cov + _C2)) / ((la * la + lb * lb + _C1) * (var_a + var_b + _C2))


@dataclass(frozen=True)
class _Crop:
    """A region's bounding box at full and analysis resolution, with its polygon mask."""

    box: tuple[int, int, int, int]  # x, y, w, h in snapshot pixels
    small_box: tuple[int, int, int, int]
    small_mask: np.ndarray  # uint8, 255 inside the polygon


def _crop_for(region: Region, shape: tuple[int, ...]) -> _Crop | None:
    height, width = shape[:2]
    poly = np.asarray(region.polygon, np.float64)
    x0, y0 = np.clip(np.floor(poly.min(axis=0)), 0, [width, height]).astype(int)
    x1, y1 = np.clip(np.ceil(poly.max(axis=0)) + 1, 0, [width, height]).astype(int)
    sx0, sy0 = int(x0 * _SCALE), int(y0 * _SCALE)
    sx1, sy1 = int(np.ceil(x1 * _SCALE)), int(np.ceil(y1 * _SCALE))
    sx1, sy1 = min(sx1, round(width * _SCALE)), min(sy1, round(height * _SCALE))
    if x1 - x0 < 8 or y1 - y0 < 8 or sx1 - sx0 < 4 or sy1 - sy0 < 4:
        return None
    mask = np.zeros((sy1 - sy0, sx1 - sx0), np.uint8)
    small_poly = np.round(poly * _SCALE - [sx0, sy0]).astype(np.int32)
    cv2.fillPoly(mask, [small_poly], 255)
    if cv2.countNonZero(mask) < 16:
        return None
    return _Crop((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), (sx0, sy0, sx1 - sx0, sy1 - sy0), mask)


def _region_ssim(frame_small: np.ndarray, ref_small: np.ndarray, crop: _Crop) -> np.ndarray:
    x, y, w, h = crop.small_box
    a = _normalised(frame_small[y:y + h, x:x + w], crop.small_mask)
    b = _normalised(ref_small[y:y + h, x:x + w], crop.small_mask)
    if _PRE_BLUR:
        a, b = cv2.GaussianBlur(a, (0, 0), _PRE_BLUR), cv2.GaussianBlur(b, (0, 0), _PRE_BLUR)
    return _ssim_map(a, b)


def _mean_in(values: np.ndarray, mask: np.ndarray) -> float:
    return float(cv2.mean(values, mask=mask)[0])


def _percentile_in(values: np.ndarray, mask: np.ndarray, percent: float) -> float:
    return float(np.percentile(values[mask > 0], percent))


def _worst_block(ssim: np.ndarray, mask: np.ndarray) -> float:
    """Lowest mean SSIM over square blocks a quarter of the region's shorter side (mask-weighted)."""
    h, w = mask.shape
    side = max(5, round(min(h, w) * _DESK_BLOCK_FRACTION))
    weight = (mask > 0).astype(np.float32)
    num = cv2.boxFilter(ssim * weight, -1, (side, side), normalize=False, borderType=cv2.BORDER_CONSTANT)
    den = cv2.boxFilter(weight, -1, (side, side), normalize=False, borderType=cv2.BORDER_CONSTANT)
    valid = den >= 0.6 * side * side
    if not valid.any():
        return _mean_in(ssim, mask)
    return float((num[valid] / den[valid]).min())


# ---------------------------------------------------------------------------------------------
# Detectors (one per thread: a CascadeClassifier is not safe to share between threads)

_local = threading.local()


def _cascade(name: str) -> cv2.CascadeClassifier:
    cache = getattr(_local, "cascades", None)
    if cache is None:
        cache = _local.cascades = {}
    if name not in cache:
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        if classifier.empty():
            raise RuntimeError(f"OpenCV cascade {name} missing from cv2.data.haarcascades")
        cache[name] = classifier
    return cache[name]


def _detect(name: str, grey_crop: np.ndarray, mask: np.ndarray, min_side: int) -> bool:
    """True if the cascade finds an object whose centre lies inside the polygon mask."""
    if min(grey_crop.shape) < min_side:
        return False
    found = _cascade(name).detectMultiScale(
        grey_crop, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side)
    )
    for x, y, w, h in found:
        if mask[min(y + h // 2, mask.shape[0] - 1), min(x + w // 2, mask.shape[1] - 1)]:
            return True
    return False


def _seat_patch(grey_full: np.ndarray, crop: _Crop) -> np.ndarray:
    """The seat crop at analysis resolution, for the face cascades.

    No histogram equalisation: it turned JPEG blocks on a plain chair into a "face"; the
    cascades normalise contrast themselves.
    """
    x, y, w, h = crop.box
    _sx, _sy, sw, sh = crop.small_box
    return cv2.resize(grey_full[y:y + h, x:x + w], (sw, sh), interpolation=cv2.INTER_AREA)


def _frontal_face(patch: np.ndarray, crop: _Crop) -> bool:
    return _detect(_FACE_CASCADE, patch, crop.small_mask, _min_face(patch))


def _profile_face(patch: np.ndarray, crop: _Crop) -> bool:
    """A face in profile, looking either way (staff often face their monitor)."""
    side = _min_face(patch)
    return _detect(_PROFILE_CASCADE, patch, crop.small_mask, side) or _detect(
        _PROFILE_CASCADE, cv2.flip(patch, 1), cv2.flip(crop.small_mask, 1), side)


def _min_face(patch: np.ndarray) -> int:
    return max(20, round(patch.shape[1] * _FACE_MIN_FRACTION))


# ---------------------------------------------------------------------------------------------
# Camera position


def _fingerprint(image: np.ndarray) -> tuple:
    return image.shape, hash(np.ascontiguousarray(image[::31, ::29]).tobytes())


def _distinct_refs(refs: References) -> list[np.ndarray]:
    seen, out = set(), []
    for group in (refs.desk, refs.empty_seat):
        for code in sorted(group):
            img = group[code]
            if img is None:
                continue
            key = _fingerprint(img)
            if key not in seen:
                seen.add(key)
                out.append(img)
    return out


def _background_mask(small_shape: tuple[int, int], regions: Sequence[Region]) -> np.ndarray:
    mask = np.full(small_shape, 255, np.uint8)
    for region in regions:
        poly = np.round(np.asarray(region.polygon, np.float64) * _SCALE).astype(np.int32)
        cv2.fillPoly(mask, [poly], 0)
    # Keep clear of the region borders: the SSIM window reaches about 3σ into them.
    return cv2.erode(mask, np.ones((9, 9), np.uint8))


def _camera_check(frame_small: np.ndarray, ref_small: np.ndarray, background: np.ndarray) -> tuple[float, float]:
    """(similarity outside the regions, estimated shift in snapshot pixels)."""
    if cv2.countNonZero(background) >= 64:
        ssim = _ssim_map(_normalised(frame_small, background), _normalised(ref_small, background))
        similarity = _mean_in(ssim, background)
    else:
        similarity = 1.0
    window = _hanning(frame_small.shape)
    # OpenCV 4.14's phaseCorrelate multiplies its inputs by the window in place: pass copies.
    (dx, dy), _response = cv2.phaseCorrelate(frame_small.copy(), ref_small.copy(), window)
    return similarity, float(np.hypot(dx, dy)) / _SCALE


_hanning_cache: dict[tuple[int, int], np.ndarray] = {}


def _hanning(shape: tuple[int, int]) -> np.ndarray:
    if shape not in _hanning_cache:
        _hanning_cache[shape] = cv2.createHanningWindow((shape[1], shape[0]), cv2.CV_32F)
    return _hanning_cache[shape]


# ---------------------------------------------------------------------------------------------
# The analysis


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError("expected an 8-bit BGR image as a numpy array")


def analyse(image: np.ndarray, regions: Sequence[Region], refs: References,
            settings: AnalysisSettings = AnalysisSettings()) -> Analysis:
    """What one snapshot shows, per window and for the camera as a whole (SPEC §5).

    Rules: a seat is occupied if a face (frontal, or profile before calling it empty) is found
    in it (proof of presence), else if its similarity to the empty-seat reference is below
    ``seat_similarity_threshold``; otherwise it is empty and gets a ``seat_empty`` flag. A desk deviates when its worst-block similarity
    to the standard layout is below ``desk_deviation_threshold``. When the camera has moved
    (whole view unlike the references, or shifted by ``camera_shift_px`` or more), the region
    comparisons are meaningless: one ``camera_moved`` flag, no window flags.
    """
    _check_image(image)
    keyed: dict[tuple[str, str], Region] = {}
    for region in regions:
        key = (region.window_code, region.kind)
        if key in keyed:
            raise ValueError(f"two {region.kind} regions for window {region.window_code}")
        keyed[key] = region

    grey_full = _grey(image)
    frame_small = _small_grey(image)
    small_cache: dict[int, np.ndarray | None] = {}

    def small_ref(ref: np.ndarray | None) -> np.ndarray | None:
        if ref is None:
            return None
        if id(ref) not in small_cache:
            small_cache[id(ref)] = _small_grey(ref) if ref.shape[:2] == image.shape[:2] else None
        return small_cache[id(ref)]

    # Camera position: the best match among the distinct references decides.
    distinct = _distinct_refs(refs)
    similarity, shift = None, None
    moved = False
    if distinct:
        if any(ref.shape[:2] != image.shape[:2] for ref in distinct):
            moved, similarity, shift = True, 0.0, None
        else:
            background = _background_mask(frame_small.shape, regions)
            checks = [_camera_check(frame_small, small_ref(ref), background) for ref in distinct]
            similarity = max(c[0] for c in checks)
            shift = min(c[1] for c in checks)
            moved = similarity < settings.camera_moved_threshold or shift >= settings.camera_shift_px
    moved_score = 0.0 if similarity is None else min(1.0, max(0.0, 1.0 - similarity))
    if moved and similarity is not None and similarity >= settings.camera_moved_threshold:
        moved_score = 1.0  # the shift decided; the whole-view similarity understates it

    windows: dict[str, WindowSignals] = {}
    flags: list[Flag] = []
    for code in sorted({code for code, _kind in keyed}):
        signals = _window(code, keyed.get((code, SEAT)), keyed.get((code, DESK)), grey_full,
                          frame_small, refs, small_ref, settings)
        windows[code] = signals
        if signals.seat_occupied is False:
            flags.append(Flag(SEAT_EMPTY, code, _unit(signals.seat_similarity)))
        if signals.desk_deviation:
            flags.append(Flag(DESK_DEVIATION, code, _unit(1.0 - signals.desk_similarity)))
    if moved:
        flags = [Flag(CAMERA_MOVED, None, _unit(moved_score))]
    return Analysis(moved, round(moved_score, 4), windows, tuple(flags),
                    None if similarity is None else round(similarity, 4),
                    None if shift is None else round(shift, 2))


def _unit(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 4)


def _window(code: str, seat: Region | None, desk: Region | None, grey_full: np.ndarray,
            frame_small: np.ndarray, refs: References, small_ref, settings: AnalysisSettings) -> WindowSignals:
    seat_similarity, face, person, occupied = None, False, False, None
    seat_crop = _crop_for(seat, grey_full.shape) if seat is not None else None
    if seat_crop is not None:
        patch = _seat_patch(grey_full, seat_crop)
        face = person = _frontal_face(patch, seat_crop)
        ref = small_ref(refs.empty_seat.get(code))
        if ref is not None:
            seat_ssim = _region_ssim(frame_small, ref, seat_crop)
            seat_similarity = round(_percentile_in(seat_ssim, seat_crop.small_mask, _SEAT_PERCENTILE), 4)
        if face:  # proof of presence
            occupied = True
        elif seat_similarity is not None and seat_similarity < settings.seat_similarity_threshold:
            occupied = True
        else:
            # About to report an empty seat (or unable to tell): look harder for a person first.
            # The profile cascade costs twice the frontal one, so it only runs here.
            person = _profile_face(patch, seat_crop)
            occupied = True if person else (None if seat_similarity is None else False)

    desk_similarity, deviation = None, False
    desk_crop = _crop_for(desk, grey_full.shape) if desk is not None else None
    ref = small_ref(refs.desk.get(code)) if desk_crop is not None else None
    if ref is not None:
        desk_ssim = _region_ssim(frame_small, ref, desk_crop)
        desk_similarity = round(_worst_block(desk_ssim, desk_crop.small_mask), 4)
        deviation = desk_similarity < settings.desk_deviation_threshold
    return WindowSignals(code, seat_similarity, face, person, occupied, desk_similarity, deviation)


# ---------------------------------------------------------------------------------------------
# Privacy, review overlay, codecs
