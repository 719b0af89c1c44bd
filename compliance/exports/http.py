"""Sending a finished workbook to the browser or an API client."""
from __future__ import annotations

import io

from flask import send_file

from . import ExportFile

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(export: ExportFile):
    # send_file encodes a Chinese file name per RFC 6266 (filename*=UTF-8''…).
    response = send_file(io.BytesIO(export.content), mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=export.filename)
    response.headers["Cache-Control"] = "no-store"  # personal data: never cached
    return response
