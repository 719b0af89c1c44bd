"""Patrol inspection submit and photo upload speed, as a tablet sees them (HTTP, SQLite).

Run from the repository root:  python bench/bench_inspections.py [--runs 30]

Each run submits the full staff-conduct checklist of a woman (78 answers, 2 failures: 2
findings, 78 answer rows, their audit entries) through ``POST /api/v1/inspections`` and
uploads a 2048×1536 photo of one failure (the size the tablet page shrinks a camera photo
to; textured so that it weighs what a real one does, about 1 MB) through ``POST /inspections/{id}/photos``
(decode, re-encode without EXIF, thumbnail, evidence row). A fresh SQLite database in a
temporary folder; the app's own test client, so no network is measured.

Baseline, measured in the same run: ``GET /healthz`` (the framework, the token check being
absent, and one database round trip): the floor any request pays.
Goal: a submit and a photo each answer within 1 s at the 95th percentile on this 2-core
machine (an inspector taps Submit once per window); the exit status is 1 when it is missed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GOAL_P95_SECONDS = 1.0


def textured_photo() -> bytes:
    import cv2
    import numpy as np

    rng = np.random.default_rng(2026)
    noise = rng.integers(0, 255, (1536, 2048, 3), np.uint8)
    image = cv2.GaussianBlur(noise, (0, 0), 1.2)
    cv2.rectangle(image, (500, 600), (1500, 1400), (60, 90, 140), -1)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-inspections-")
    os.environ["COMPLIANCE_INSTANCE_PATH"] = folder
    from flask_migrate import upgrade

    from compliance import audit, create_app
    from compliance.auth.models import Role
    from compliance.auth.operations import create_user
    from compliance.config import TestConfig
    from compliance.extensions import db
    from compliance.org import operations as org
    from compliance.org.models import DepartmentKind, Employment, Gender, Zone
    from tests.inspections.helpers import answers

    app = create_app(TestConfig(folder, f"sqlite:///{folder}/bench.sqlite3"))
    with app.app_context():
        upgrade()
        audit.acting_as("bench")
        centre = org.create_centre("BENCH", "基准中心")
        org.save_department(centre.id, "ZH", "综合受理科", DepartmentKind.centre)
        org.save_window(centre.id, "A01", "A01窗口", Zone.window, "ZH")
        org.save_staff(centre.id, org.StaffData("S1", "张丽", Gender.F, "ZH",
                                                 Employment.direct, "A01"))
        create_user("inspector", "password-123", Role.inspector, centre_id=centre.id)
        db.session.commit()

    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "inspector",
                                                    "password": "password-123"}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    photo = textured_photo()
    checklist = answers(gender="F", fail=("ten_prohibitions.08", "posture.sit"))
    submits, uploads, floor = [], [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        client.get("/healthz")
        floor.append(time.perf_counter() - started)

        started = time.perf_counter()
        made = client.post("/api/v1/inspections", headers=headers, json={
            "template": "staff_conduct", "window_code": "A01", "staff_no": "S1",
            "at": "2026-03-02T10:15:00+08:00", "answers": checklist,
            "client_id": uuid.uuid4().hex})
        submits.append(time.perf_counter() - started)
        assert made.status_code == 201, made.get_json()

        started = time.perf_counter()
        from io import BytesIO

        stored = client.post(f"/api/v1/inspections/{made.get_json()['id']}/photos",
                             headers=headers, content_type="multipart/form-data",
                             data={"file": (BytesIO(photo), "p.jpg"), "item": "posture.sit"})
        uploads.append(time.perf_counter() - started)
        assert stored.status_code == 201, stored.get_json()

    def line(name, values):
        return (f"{name:<34} median {statistics.median(values) * 1000:7.1f} ms   "
                f"p95 {percentile(values, 0.95) * 1000:7.1f} ms")

    print(f"{args.runs} runs, {len(checklist)} answers per submit, photo {len(photo)} bytes")
    print(line("submit (POST /inspections)", submits))
    print(line("photo (POST /inspections/{id}/photos)", uploads))
    print(line("baseline GET /healthz", floor))
    ok = percentile(submits, 0.95) <= GOAL_P95_SECONDS and \
        percentile(uploads, 0.95) <= GOAL_P95_SECONDS
    print(f"goal p95 ≤ {GOAL_P95_SECONDS:.1f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
