"""Hostile uploads on every API call that takes a file (read from the OpenAPI document, so a
new upload cannot be forgotten): a body over the limit is 413, a file that is not what it
claims to be or a path trick in its name is 400; every refusal is in the error format and
nothing is stored, neither in the database nor on disk."""
from __future__ import annotations

import io
import os
import re

import sqlalchemy as sa

from compliance.audit import AuditEntry
from compliance.extensions import db
from tests.conftest import api_token

_ARG = re.compile(r"{(\w+)}")
PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def _upload_operations(client) -> list[tuple[str, str]]:
    """(method, path template) of every operation whose body is a multipart upload."""
    document = client.get("/api/v1/openapi.json").get_json()
    return sorted((method, path) for path, item in document["paths"].items()
                  for method in ("post", "put")
                  if "multipart/form-data" in item.get(method, {}).get("requestBody", {})
                  .get("content", {}))


def _files_under(folder: str) -> set[str]:
    found = set()
    for root, _dirs, names in os.walk(folder):
        found.update(os.path.join(root, n) for n in names)
    return found


def _audit_count() -> int:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    db.session.rollback()
    return count


def test_every_upload_refuses_oversize_wrong_type_and_path_tricks(app_ctx, client, world):
    headers = api_token(client, "admin_a")
    uploads = _upload_operations(client)
    assert ("post", "/api/v1/staff/import") in uploads
    folder = app_ctx.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    files_before, audit_before = _files_under(folder), _audit_count()
    limit = app_ctx.config["MAX_CONTENT_LENGTH"]
    bad = {}
    for method, template in uploads:
        path = _ARG.sub("x", template)
        # A record named in the path that does not exist may be reported before the body.
        unknown = {404} if path != template else set()
        send = getattr(client, method)
        cases = {
            "oversize": ({"file": (io.BytesIO(b"0" * (limit + 1)), "big.csv")},
                         {413} | unknown),
            "disguised": ({"file": (io.BytesIO(PNG_HEADER + os.urandom(2000)), "list.csv")},
                          {400} | unknown),
            "path trick": ({"file": (io.BytesIO(b"\x00\xff" * 100), "../../../../etc/passwd")},
                           {400} | unknown),
            "empty": ({"file": (io.BytesIO(b""), "empty.jpg")}, {400} | unknown),
        }
        for name, (data, expected) in cases.items():
            response = send(path, headers=headers, data=data,
                            content_type="multipart/form-data")
            body = response.get_json(silent=True) or {}
            if response.status_code not in expected or "error" not in body:
                bad[f"{method.upper()} {template} {name}"] = (response.status_code, body)
    assert not bad, bad
    assert _files_under(folder) == files_before
    assert _audit_count() == audit_before
