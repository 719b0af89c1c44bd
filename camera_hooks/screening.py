"""One snapshot through the pipeline (SPEC §5): analyse the frame, pixelate everything outside
the staff regions (the only version that may be stored); and the face check that keeps reference
pictures free of recognisable people.

PURE: numpy and OpenCV only, so the capture job runs it in its worker threads. The frame as
the camera sent it only ever lives in memory: what leaves this module is the private JPEG.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from .analysis import Analysis, AnalysisSettings, References, Region, _cascade, analyse
from .imaging import pixelate_outside

_FACE_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")


@dataclass(frozen=True)
class Screened:
    analysis: Analysis
    private: np.ndarray  # the privacy-pixelated picture: the only version that may be stored
    width: int
    height: int


def screen(image: np.ndarray, regions: Sequence[Region], refs: References,
           settings: AnalysisSettings) -> Screened:
    """Analyse ``image`` and make the one version of it that may be stored."""
    result = analyse(image, regions, refs, settings)
    private = pixelate_outside(image, regions, settings.pixelate_block)
    height, width = image.shape[:2]
    return Screened(result, private, width, height)


def has_face(image: np.ndarray, min_size: int = 20) -> bool:
    """Whether a face (frontal, or in profile either way) shows anywhere in the picture.

    Reference pictures are stored whole, so they must show the empty hall: a picture with a
    face in it is refused. The check is a safety net, not a guarantee: on faces pasted in
    front of the counter of the labelled scenes it found about 5 in 6, and none on empty
    halls (NOTES_analysis.md).
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    for name, flipped in ((_FACE_CASCADES[0], False), (_FACE_CASCADES[1], False),
                          (_FACE_CASCADES[1], True)):
        picture = cv2.flip(grey, 1) if flipped else grey
        if len(_cascade(name).detectMultiScale(picture, scaleFactor=1.1, minNeighbors=5,
                                               minSize=(min_size, min_size))):
            return True
    return False


_EVIDENCE_RED = (40, 40, 220)
_WHITE = (255, 255, 255)


def outline(image: np.ndarray, polygons: Sequence[Sequence[Sequence[int]]], label: str
            ) -> np.ndarray:
    """A copy of a stored (already private) snapshot with the flagged window's regions
    outlined and labelled with its code, so the person concerned sees which seat is meant."""
    out = image.copy()
    thickness = max(2, round(out.shape[1] / 400))
    font_scale = max(0.6, out.shape[1] / 1600)
    for polygon in polygons:
        points = np.round(np.asarray(polygon, np.float64)).astype(np.int32)
        cv2.polylines(out, [points], True, _EVIDENCE_RED, thickness, cv2.LINE_AA)
    if polygons and label:
        points = np.asarray(polygons[0])
        x, y = int(points[:, 0].min()), int(points[:, 1].min())
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 2)
        y = max(y, th + base + 4)
        cv2.rectangle(out, (x, y - th - base - 4), (x + tw + 8, y), _EVIDENCE_RED, -1)
        cv2.putText(out, label, (x + 4, y - base - 2), cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                    _WHITE, 2, cv2.LINE_AA)
    return out
