"""Sending a finished workbook to the browser or an API client."""
from __future__ import annotations

import io
import os

from flask import send_file

from . import ExportFile

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(export: ExportFile):
    # send_file encodes a Chinese file name per RFC 6266 (filename*=UTF-8''…).
    if export.path is not None:
        handle = open(export.path, "rb")  # noqa: SIM115 (closed by the response)
        os.unlink(export.path)  # the open handle keeps the data until it is closed
        source = handle
    else:
        source = io.BytesIO(export.content)
    response = send_file(source, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=export.filename)
    response.headers["Cache-Control"] = "no-store"  # personal data: never cached
    return response
