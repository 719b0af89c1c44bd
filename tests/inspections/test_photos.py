"""Photos of failed items: decoded to check them, stored without EXIF (location) with a
thumbnail, attached to the finding as evidence, served only to who may see the finding, and
refused clearly (nothing stored) when they are not images or too large."""
from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from flask import current_app

from compliance.conduct.models import Evidence, Finding
from compliance.extensions import db
from inspections.models import InspectionPhoto
from tests.conftest import api_token, login

from .helpers import jpeg, photo, submit

# An EXIF block with a GPS tag (0x8825), as a phone writes it ("II*\0" little-endian TIFF).
EXIF_WITH_GPS = (b"II*\x00\x08\x00\x00\x00\x01\x00\x25\x88\x04\x00\x01\x00\x00\x00\x1a\x00"
                 b"\x00\x00\x00\x00\x00\x00" + b"GPS 34.2658N 108.9541E" + b"\x00" * 8)


def _files():
    root = current_app.config["UPLOAD_FOLDER"]
    return sorted(os.path.join(d, f) for d, _s, fs in os.walk(root) for f in fs)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def made(client, world):
    headers = api_token(client, "inspector")
    response = submit(client, headers, fail=("ten_prohibitions.08", "posture.sit"))
    assert response.status_code == 201
    return headers, response.get_json()


def test_a_photo_becomes_evidence_without_exif_and_with_a_thumbnail(client, made):
    headers, inspection = made
    before = _files()
    original = jpeg(2400, 1800, exif=EXIF_WITH_GPS)
    assert b"Exif" in original and b"GPS 34.2658N" in original
    response = photo(client, headers, inspection["id"], original, item="ten_prohibitions.08",
                     client_id="photo-0001-aaaa")
    assert response.status_code == 201, response.get_json()
    stored = response.get_json()
    finding_id = next(f["id"] for f in inspection["findings"]
                      if f["item"] == "ten_prohibitions.08")
    assert stored["finding_id"] == finding_id and stored["item"] == "ten_prohibitions.08"
    assert (stored["width"], stored["height"]) == (2400, 1800)
    evidence = db.session.get(Evidence, stored["evidence_id"])
    assert evidence.kind == "photo" and evidence.source_ref == f"inspection:{inspection['id']}"
    with open(os.path.join(current_app.config["UPLOAD_FOLDER"], evidence.path), "rb") as f:
        kept = f.read()
    assert b"Exif" not in kept and b"GPS 34.2658N" not in kept
    thumb = cv2.imread(os.path.join(current_app.config["UPLOAD_FOLDER"], evidence.thumb_path))
    assert max(thumb.shape[:2]) == 320
    # The finding carries its evidence (GET /findings/{id} lists it).
    read = client.get(f"/api/v1/findings/{finding_id}", headers=headers).get_json()
    assert read["evidence"] == [evidence.id]
    # The same upload retried (same client id) stores nothing more.
    again = photo(client, headers, inspection["id"], original, item="ten_prohibitions.08",
                  client_id="photo-0001-aaaa")
    assert again.status_code == 200 and again.get_json()["id"] == stored["id"]
    assert count(Evidence) == 1 and len(_files()) == len(before) + 2  # image and thumbnail


def test_the_type_is_checked_by_decoding_not_by_the_name(client, made):
    headers, inspection = made
    png = cv2.imencode(".png", np.zeros((40, 60, 3), np.uint8))[1].tobytes()
    assert photo(client, headers, inspection["id"], png, item="posture.sit",
                 filename="evidence.txt").status_code == 201
    before = _files()
    fake = photo(client, headers, inspection["id"], b"MZ\x90\x00 not an image at all" * 20,
                 item="posture.sit", filename="photo.jpg")
    assert fake.status_code == 400
    assert "file" in fake.get_json()["error"]["fields"]
    empty = photo(client, headers, inspection["id"], b"", item="posture.sit")
    assert empty.status_code == 400
    assert count(Evidence) == count(InspectionPhoto) == 1 and _files() == before


def test_an_oversized_photo_is_refused_with_413_and_nothing_stored(client, made, app):
    headers, inspection = made
    before = _files()
    limit = app.config["MAX_PHOTO_BYTES"]
    app.config["MAX_PHOTO_BYTES"] = 50_000
    try:
        noisy = np.random.default_rng(1).integers(0, 255, (1200, 1600, 3), np.uint8)
        big = cv2.imencode(".jpg", noisy)[1].tobytes()
        assert len(big) > 50_000
        response = photo(client, headers, inspection["id"], big, item="posture.sit")
    finally:
        app.config["MAX_PHOTO_BYTES"] = limit
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert count(Evidence) == 0 and _files() == before
    # Beyond the whole request limit (COMPLIANCE_MAX_UPLOAD_BYTES) the server refuses too.
    request_limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = photo(client, headers, inspection["id"], jpeg(), item="posture.sit")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = request_limit
    assert response.status_code == 413 and count(Evidence) == 0


@pytest.mark.parametrize("item, status, field", [
    ("no.such_item", 400, "item"),        # not in the inspection
    ("behaviour.farewell", 400, "item"),  # passed: a photo proves a failure
])
def test_a_photo_names_a_failed_item_of_the_inspection(client, made, item, status, field):
    headers, inspection = made
    before = _files()
    response = photo(client, headers, inspection["id"], item=item)
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]
    assert count(Evidence) == 0 and _files() == before


def test_evidence_is_frozen_once_the_finding_is_appealed(client, made, world):
    headers, inspection = made
    finding = db.session.get(Finding, inspection["findings"][0]["id"])
    from compliance.conduct.models import FindingState

    finding.state = FindingState.appealed
    db.session.commit()
    response = photo(client, headers, inspection["id"], item=finding.item_code)
    assert response.status_code == 409 and count(Evidence) == 0


USERS_SEEING = {"staff_alice": 200, "staff_carol": 403, "inspector": 200, "lead_sw": 403,
                "hr_a": 200, "admin_a": 200, "hr_b": 403, "root": 200}


@pytest.mark.parametrize("username", list(USERS_SEEING))
def test_photos_are_served_only_to_who_may_see_the_finding(client, made, username):
    headers, inspection = made
    proof = photo(client, headers, inspection["id"], item="posture.sit").get_json()
    loose = photo(client, headers, inspection["id"]).get_json()  # no item: no finding
    assert loose["finding_id"] is None
    expected = USERS_SEEING[username]
    own = api_token(client, username)
    base = f"/api/v1/inspections/{inspection['id']}/photos"
    got = client.get(f"{base}/{proof['id']}?size=thumb", headers=own)
    assert got.status_code == expected
    if expected == 200:
        assert got.mimetype == "image/jpeg" and got.headers["Cache-Control"] == \
            "private, no-store"
        assert cv2.imdecode(np.frombuffer(got.data, np.uint8), cv2.IMREAD_COLOR) is not None
    # A photo of no finding: inspectors and managers of the centre only.
    loose_expected = 200 if username in ("inspector", "hr_a", "admin_a", "root") else 403
    assert client.get(f"{base}/{loose['id']}", headers=own).status_code == loose_expected
    # The same rule through the pages (the finding page's evidence links).
    login(client, username)
    page = client.get(f"/evidence/{proof['evidence_id']}/full")
    assert page.status_code == expected


@pytest.mark.parametrize("username, status", [
    ("staff_alice", 403), ("lead_sw", 403), ("hr_b", 403), ("hr_a", 201), ("root", 201)])
def test_who_may_add_photos(client, made, world, username, status):
    _headers, inspection = made
    response = photo(client, api_token(client, username), inspection["id"], item="posture.sit")
    assert response.status_code == status
    # Another inspector of the centre may not add to a colleague's inspection.
    from compliance.auth.models import Role
    from compliance.auth.operations import create_user

    create_user("inspector2", "password-123", Role.inspector, centre_id=world.a.id)
    db.session.commit()
    other = photo(client, api_token(client, "inspector2"), inspection["id"], item="posture.sit")
    assert other.status_code == 403
