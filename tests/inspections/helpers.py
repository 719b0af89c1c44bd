"""Builders for the inspection tests: answers for a whole checklist, submits over the API."""
from __future__ import annotations

import io
import uuid

import cv2
import numpy as np

from inspections import catalogue

TEMPLATES = {t.code: t for t in catalogue.default_templates()}
AT = "2026-03-02T10:15:00+08:00"  # Monday 2 March 2026, 10:15 in Beijing


def answers(template="staff_conduct", gender=None, fail=(), na=(), note="现场发现问题"):
    """An answer for every item that applies to a person of ``gender``: pass, unless listed
    in ``fail`` (with a note) or ``na``."""
    out = []
    for item in catalogue.items_for(TEMPLATES[template], gender):
        if item.code in fail:
            out.append({"item": item.code, "result": "fail", "note": note})
        elif item.code in na:
            out.append({"item": item.code, "result": "na"})
        else:
            out.append({"item": item.code, "result": "pass"})
    return out


def body(template="staff_conduct", staff_no="S1", window_code="A01", gender="F", fail=(),
         na=(), client_id=None, **extra):
    data = {"template": template, "window_code": window_code, "at": AT,
            "answers": answers(template, gender, fail, na),
            "client_id": client_id or uuid.uuid4().hex}
    if staff_no:
        data["staff_no"] = staff_no
    data.update(extra)
    return data


def submit(client, headers, **kwargs):
    return client.post("/api/v1/inspections", headers=headers, json=body(**kwargs))


def jpeg(width=640, height=480, exif: bytes | None = None) -> bytes:
    """A real JPEG (a desk-like picture); with ``exif``, an APP1 segment carrying it."""
    image = np.full((height, width, 3), 200, np.uint8)
    cv2.rectangle(image, (width // 4, height // 3), (3 * width // 4, height - 20), (60, 90, 140), -1)
    cv2.putText(image, "A01", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 3)
    ok, encoded = cv2.imencode(".jpg", image)
    data = encoded.tobytes()
    if exif is not None:
        segment = b"Exif\x00\x00" + exif
        data = data[:2] + b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment + data[2:]
    return data


def photo(client, headers, inspection_id, data=None, item=None, client_id=None,
          filename="photo.jpg"):
    form = {"file": (io.BytesIO(data if data is not None else jpeg()), filename)}
    if item:
        form["item"] = item
    if client_id:
        form["client_id"] = client_id
    return client.post(f"/api/v1/inspections/{inspection_id}/photos", headers=headers,
                       data=form, content_type="multipart/form-data")
