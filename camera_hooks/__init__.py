"""Camera snapshot reviews (SPEC §5): sources, analysis, capture job, review queue.

Plugged in by ``compliance.create_app`` through ``init_app``; depends on ``inspections``
(the checklist items a flag is confirmed under) and ``compliance``, never the reverse.
"""
from __future__ import annotations

import io
import os


def init_app(app, api) -> None:
    from flask_babel import lazy_gettext as _l

    from compliance.demo import register_demo
    from compliance.extensions import csrf
    from compliance.scoring.sources import register_dashboard_count
    from compliance.web import add_nav

    from . import capture, retention  # noqa: F401  (register the jobs)
    from .api import blp as api_blp
    from .demo import seed_demo_cameras
    from .models import REVIEWERS
    from .routes import bp

    # Set by compliance.config (COMPLIANCE_CAMERA_DROP_ROOT, COMPLIANCE_CAMERA_WORKERS).
    app.config.setdefault("CAMERA_DROP_ROOT", os.path.join(app.instance_path, "camera_drop"))
    app.config.setdefault("CAMERA_CAPTURE_WORKERS", 8)
    app.register_blueprint(bp)
    api.register_blueprint(api_blp, url_prefix="/api/v1")
    csrf.exempt(api_blp)  # token calls carry no cookie; session calls are checked by the API
    add_nav("camera.flags", _l("Camera review"), REVIEWERS)
    add_nav("camera.cameras", _l("Cameras"), REVIEWERS)
    register_demo(seed_demo_cameras)
    register_dashboard_count("camera_flags", _l("Camera flags waiting for review"),
                             waiting_flags)
    _keep_uploads_in_memory(app)


def waiting_flags(user):
    """The HR dashboard's tile: open flags the user may review, linking to the queue
    (nothing for a role that does not review camera flags)."""
    import sqlalchemy as sa
    from flask import url_for

    from compliance.auth.permissions import visible
    from compliance.extensions import db

    from .models import CameraFlag, FlagState, is_reviewer

    if not is_reviewer(user):
        return None
    count = db.session.scalar(sa.select(sa.func.count()).select_from(
        visible(CameraFlag, user).where(CameraFlag.state == FlagState.open).subquery()))
    return count, url_for("camera.flags", state="open")


UPLOAD_PATHS = ("/cameras/", "/api/v1/cameras/")


def _keep_uploads_in_memory(app) -> None:
    """Werkzeug spools an upload above 500 KB into a temporary file. A snapshot upload is a
    raw frame, which must never be written to disk (SPEC §5): uploads to the camera paths
    are kept in memory instead (bounded by MAX_CONTENT_LENGTH)."""
    base = app.request_class
    if getattr(base, "keeps_camera_uploads_in_memory", False):
        return

    class CameraUploadRequest(base):
        keeps_camera_uploads_in_memory = True

        def _get_file_stream(self, total_content_length, content_type, filename=None,
                             content_length=None):
            if self.path.startswith(UPLOAD_PATHS):
                return io.BytesIO()
            return super()._get_file_stream(total_content_length, content_type, filename,
                                            content_length)

    app.request_class = CameraUploadRequest
