"""Imaging helpers around the analysis (SPEC §5): privacy pixelation, the reviewer's overlay,
and image decoding/encoding. PURE: numpy and OpenCV only.

Privacy: ``pixelate_outside`` mosaics everything outside the staff regions before a snapshot
is stored, so a citizen at the counter is never kept recognisable (NOTES_analysis.md: block ≥
the widest face at the counter ÷ 4).
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from .analysis import SEAT, Analysis, Region, _check_image

def _regions_mask(shape: tuple[int, ...], regions: Sequence[Region]) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    for region in regions:
        cv2.fillPoly(mask, [np.round(np.asarray(region.polygon, np.float64)).astype(np.int32)], 255)
    return mask


def pixelate_outside(image: np.ndarray, regions: Sequence[Region], block: int = 16) -> np.ndarray:
    """A copy with everything outside the union of the staff regions pixelated (SPEC §5 privacy).

    Blocks of ``block``×``block`` pixels (on a grid anchored at the top-left corner) take
    their mean colour; pixels inside a seat or desk polygon are copied unchanged.
    Measured limit: a face wider than about four blocks can still be *detected* (Haar) after
    the mosaic (at 16 px: faces up to ~60 px never were, from ~70 px some were; at 24 px none
    up to 108 px). Choose the block from the largest face a camera sees: its width / 4.
    """
    _check_image(image)
    if block < 2:
        raise ValueError("block must be at least 2 pixels")
    inside = _regions_mask(image.shape, regions) > 0
    out = _mosaic(image, block)
    out[inside] = image[inside]
    return out


def _mosaic(image: np.ndarray, block: int) -> np.ndarray:
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, -(-w // block)), max(1, -(-h // block))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


_GREEN, _RED, _ORANGE, _GREY, _WHITE = (60, 180, 60), (40, 40, 220), (0, 140, 255), (160, 160, 160), (255, 255, 255)


def draw_overlay(image: np.ndarray, regions: Sequence[Region], analysis: Analysis) -> np.ndarray:
    """A copy with each region outlined and labelled for the reviewer.

    Colours: green = as expected, red = seat empty, orange = desk deviation, grey = unknown.
    Labels carry no words (the review page's legend is translated): the window code, then
    S (seat similarity, "+F" when a face was found) or D (desk similarity). A moved camera
    gets a red frame around the whole picture and grey regions: their verdicts do not count.
    """
    _check_image(image)
    out = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    thickness = max(2, round(out.shape[1] / 640))
    font_scale = max(0.5, out.shape[1] / 2560)
    for region in regions:
        signals = analysis.windows.get(region.window_code)
        if region.kind == SEAT:
            occupied = None if signals is None or analysis.camera_moved else signals.seat_occupied
            colour = _GREY if occupied is None else (_GREEN if occupied else _RED)
            value = None if signals is None else signals.seat_similarity
            text = f"{region.window_code} S {'-' if value is None else f'{value:.2f}'}"
            if signals is not None and signals.person_found:
                text += " +F"
        else:
            deviation = signals is not None and signals.desk_deviation
            value = None if signals is None else signals.desk_similarity
            colour = _GREY if value is None or analysis.camera_moved else (_ORANGE if deviation else _GREEN)
            text = f"{region.window_code} D {'-' if value is None else f'{value:.2f}'}"
        poly = np.round(np.asarray(region.polygon, np.float64)).astype(np.int32)
        cv2.polylines(out, [poly], True, colour, thickness, cv2.LINE_AA)
        x, y = int(poly[:, 0].min()), int(poly[:, 1].min())
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
        y = max(y, th + base + 2)
        cv2.rectangle(out, (x, y - th - base - 2), (x + tw + 4, y), colour, -1)
        cv2.putText(out, text, (x + 2, y - base), cv2.FONT_HERSHEY_SIMPLEX, font_scale, _WHITE, 1, cv2.LINE_AA)
    if analysis.camera_moved:
        h, w = out.shape[:2]
        cv2.rectangle(out, (0, 0), (w - 1, h - 1), _RED, thickness * 4)
    return out


def decode_image(data: bytes) -> np.ndarray:
    """BGR image from encoded bytes (JPEG, PNG, ...); ``ValueError("not an image")`` otherwise."""
    if not data:
        raise ValueError("not an image")
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as exc:
        raise ValueError("not an image") from exc
    if image is None or image.size == 0:
        raise ValueError("not an image")
    return image


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """JPEG bytes of a BGR (or grey) image."""
    _check_image(image)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("could not encode the image as JPEG")
    return buf.tobytes()
