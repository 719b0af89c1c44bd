"""Snapshot retention (SPEC §5, §9): un-flagged and dismissed snapshots are deleted after the
rulebook's ``snapshot_retention_days``; evidence of findings is kept.

Kept whatever their age: snapshots behind an open flag (still to be reviewed) or a confirmed
one (the finding's record; its evidence picture is a separate file that is never deleted
here), reference pictures in use and each camera's newest picture. The drop folders'
moved-aside files (the recorder's raw pictures) follow the same retention.

Rows are deleted first and committed, then their files: a failure in between leaves files
without rows (harmless), never rows without files.
"""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from compliance.db import utcnow
from compliance.extensions import db
from compliance.jobs import register_job
from compliance.org.models import Centre
from compliance.scoring.store import rules_for
from compliance.timeutil import local_date
from compliance.uploads import delete_file

from .models import (Camera, CameraFlag, CameraImage, CameraReference, FlagState, Snapshot,
                     SourceKind)
from .operations import source_location
from .sources import PROCESSED, REJECTED

BATCH = 500
KEEPING_STATES = (FlagState.open, FlagState.confirmed)


def purge(now: datetime | None = None) -> dict[str, int]:
    """Delete what is past retention in every centre; returns counts per kind."""
    now = now or utcnow()
    counts = {"snapshots": 0, "pictures": 0, "dropped_files": 0}
    for centre in db.session.scalars(sa.select(Centre).order_by(Centre.id)).all():
        days = rules_for(centre.id, local_date(now, centre.timezone)).camera \
            .snapshot_retention_days
        cutoff = now - timedelta(days=days)
        counts["snapshots"] += _purge_snapshots(centre.id, cutoff)
        counts["pictures"] += _purge_pictures(centre.id, cutoff)
        counts["dropped_files"] += _purge_dropped(centre.id, cutoff)
    return counts


def _kept_snapshot_ids():
    keep = sa.select(CameraFlag.snapshot_id).where(CameraFlag.state.in_(KEEPING_STATES),
                                                   CameraFlag.snapshot_id.is_not(None))
    keep_last = sa.select(CameraFlag.last_snapshot_id).where(
        CameraFlag.state.in_(KEEPING_STATES), CameraFlag.last_snapshot_id.is_not(None))
    return keep.union(keep_last)


def _purge_snapshots(centre_id: int, cutoff: datetime) -> int:
    total = 0
    while True:
        rows = db.session.scalars(
            sa.select(Snapshot).where(Snapshot.centre_id == centre_id,
                                      Snapshot.taken_at < cutoff,
                                      Snapshot.id.not_in(_kept_snapshot_ids()))
            .order_by(Snapshot.id).limit(BATCH)).all()
        if not rows:
            return total
        ids = [row.id for row in rows]
        files = [path for row in rows for path in (row.path, row.thumb_path)]
        # Dismissed or resolved flags keep their decision, without the picture.
        for flag in db.session.scalars(sa.select(CameraFlag).where(sa.or_(
                CameraFlag.snapshot_id.in_(ids), CameraFlag.last_snapshot_id.in_(ids)))):
            if flag.snapshot_id in ids:
                flag.snapshot_id = None
            if flag.last_snapshot_id in ids:
                flag.last_snapshot_id = None
        db.session.flush()
        db.session.execute(sa.delete(Snapshot).where(Snapshot.id.in_(ids)))
        db.session.commit()
        for path in files:
            delete_file(path)
        total += len(ids)


def _purge_pictures(centre_id: int, cutoff: datetime) -> int:
    in_use = sa.select(CameraReference.image_id)
    newest = sa.select(sa.func.max(CameraImage.id)).group_by(CameraImage.camera_id)
    rows = db.session.scalars(
        sa.select(CameraImage).where(CameraImage.centre_id == centre_id,
                                     CameraImage.taken_at < cutoff,
                                     CameraImage.id.not_in(in_use),
                                     CameraImage.id.not_in(newest))).all()
    files = [path for row in rows for path in (row.path, row.thumb_path)]
    for row in rows:
        db.session.delete(row)  # audited: pictures are what people set up
    db.session.commit()
    for path in files:
        delete_file(path)
    return len(rows)


def _purge_dropped(centre_id: int, cutoff: datetime) -> int:
    """Remove the recorders' moved-aside pictures older than the cutoff."""
    removed = 0
    cameras = db.session.scalars(sa.select(Camera).where(
        Camera.centre_id == centre_id, Camera.source_kind == SourceKind.folder)).all()
    limit = cutoff.timestamp()
    for camera in cameras:
        folder = source_location(camera)
        for aside in (PROCESSED, REJECTED):
            top = os.path.join(folder, aside)
            if not os.path.isdir(top):
                continue
            for day in os.scandir(top):
                if not day.is_dir(follow_symlinks=False):
                    continue
                for entry in os.scandir(day.path):
                    if entry.is_file(follow_symlinks=False) and \
                            entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.remove(entry.path)
                        removed += 1
                if not os.listdir(day.path):
                    shutil.rmtree(day.path, ignore_errors=True)
    return removed


@register_job("camera_retention", "Delete snapshots past the rulebook's retention (SPEC §5)",
              label=_l("Snapshot retention"), trigger="cron", hour=3, minute=20)
def camera_retention_job():
    counts = purge()
    return (f"{counts['snapshots']} snapshots, {counts['pictures']} pictures and "
            f"{counts['dropped_files']} dropped files deleted")

