"""Cameras, their regions and reference pictures, snapshots and the flags a reviewer decides
(SPEC §5 电子视频监察).

Who may do what, in one place per record: reviewers (inspector, HR, admin of the centre) see
cameras, snapshots and flags and decide flags; only an admin configures a camera. Nobody
else sees any of it: a person sees a confirmed flag only as a finding with its evidence.

Audited (``AuditedMixin``): what people change — cameras (the password never enters the log),
regions, reference pictures, flags. Not audited: machine records written every few minutes
(snapshots, capture health, the streak counters); they hold no decision of anybody's.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from compliance.auth.models import Role
from compliance.auth.permissions import centre_clause
from compliance.db import AuditedMixin, TimestampMixin, enum_column, utcnow
from compliance.extensions import db
from compliance.org.models import Centre, Staff, Window

if TYPE_CHECKING:
    from compliance.auth.models import User
    from compliance.conduct.models import Finding

REVIEWERS = (Role.inspector, Role.hr, Role.admin)
DOWN_AFTER = 3  # capture failures in a row after which a camera shows as down


def is_reviewer(user: User) -> bool:
    return user.role in REVIEWERS


class SourceKind(enum.Enum):
    http = "http"  # a snapshot URL answering one JPEG per request
    rtsp = "rtsp"  # a video stream read with OpenCV VideoCapture
    folder = "folder"  # a folder where a video recorder drops pictures

    @property
    def label(self):
        return {"http": _l("HTTP snapshot URL"), "rtsp": _l("RTSP stream"),
                "folder": _l("Drop folder")}[self.value]


class RegionKind(enum.Enum):
    seat = "seat"
    desk = "desk"

    @property
    def label(self):
        return {"seat": _l("Seat"), "desk": _l("Desk")}[self.value]


class FlagKind(enum.Enum):
    seat_empty = "seat_empty"
    desk_deviation = "desk_deviation"
    camera_moved = "camera_moved"

    @property
    def label(self):
        return {"seat_empty": _l("Seat empty"), "desk_deviation": _l("Desk deviation"),
                "camera_moved": _l("Camera moved")}[self.value]

    @property
    def makes_finding(self) -> bool:
        """A moved camera asks for new references; it is nobody's fault."""
        return self is not FlagKind.camera_moved


class FlagState(enum.Enum):
    open = "open"
    confirmed = "confirmed"  # a finding was recorded
    dismissed = "dismissed"  # a reviewer said it is not a fault, with a reason
    resolved = "resolved"  # camera_moved: new references were set

    @property
    def label(self):
        return {"open": _l("Open"), "confirmed": _l("Confirmed"),
                "dismissed": _l("Dismissed"), "resolved": _l("Resolved")}[self.value]

    @property
    def is_open(self) -> bool:
        return self is FlagState.open


class SnapshotOrigin(enum.Enum):
    schedule = "schedule"  # the camera's regular interval
    extra = "extra"  # one of the day's random extra times
    retry = "retry"  # a retry after a failed capture
    upload = "upload"  # sent over the API or from the camera page

    @property
    def label(self):
        return {"schedule": _l("Scheduled"), "extra": _l("Random extra time"),
                "retry": _l("Retry"), "upload": _l("Uploaded")}[self.value]


class _ReviewerVisible:
    """Reviewers of the record's centre see it; nobody else does (the class defines
    ``centre_id``)."""

    @classmethod
    def visible_clause(cls, user: User):
        if not is_reviewer(user):
            return sa.false()
        return centre_clause(cls.centre_id, user)

    def can_view(self, user: User) -> bool:
        return is_reviewer(user) and user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_admin and user.in_centre(self.centre_id)


class Camera(_ReviewerVisible, AuditedMixin, TimestampMixin, db.Model):
    """A camera over some windows. ``source`` never holds credentials: the user name and the
    password are kept apart, encrypted (``credentials.py``), and shown back to nobody."""

    __audit_secret__ = ("username_token", "password_token")
    __table_args__ = (
        sa.UniqueConstraint("centre_id", "code"),
        sa.CheckConstraint("timeout_seconds BETWEEN 1 AND 120", name="timeout_range"),
        sa.CheckConstraint("interval_minutes IS NULL OR interval_minutes >= 1",
                           name="interval_positive"),
        sa.CheckConstraint("extra_per_day BETWEEN 0 AND 48", name="extra_range"),
        sa.CheckConstraint("pixelate_block BETWEEN 4 AND 128", name="block_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    source_kind: Mapped[SourceKind] = mapped_column(enum_column(SourceKind))
    # http(s)/rtsp(s) URL without user info, or a folder relative to the drop root.
    source: Mapped[str] = mapped_column(sa.String(500))
    username_token: Mapped[str] = mapped_column(sa.Text, default="")  # Fernet token or ""
    password_token: Mapped[str] = mapped_column(sa.Text, default="")
    timeout_seconds: Mapped[int] = mapped_column(default=10)
    interval_minutes: Mapped[int | None]  # None: the rulebook's snapshot_interval_minutes
    extra_per_day: Mapped[int] = mapped_column(default=2)
    hours: Mapped[str] = mapped_column(sa.String(200), default="")  # "": rulebook capture_hours
    pixelate_block: Mapped[int] = mapped_column(default=16)
    active: Mapped[bool] = mapped_column(default=True)

    centre: Mapped[Centre] = relationship()
    regions: Mapped[list[CameraRegion]] = relationship(
        back_populates="camera", cascade="all, delete-orphan", order_by="CameraRegion.id")
    references: Mapped[list[CameraReference]] = relationship(
        back_populates="camera", cascade="all, delete-orphan", order_by="CameraReference.id")
    state: Mapped[CameraState | None] = relationship(back_populates="camera",
                                                     cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Camera {self.code}>"

    @property
    def health(self) -> str:
        """inactive / never (no attempt yet) / up / retrying / down (``DOWN_AFTER``)."""
        if not self.active:
            return "inactive"
        if self.state is None or self.state.last_attempt_at is None:
            return "never"
        if self.state.failures == 0:
            return "up"
        return "retrying" if self.state.failures < DOWN_AFTER else "down"

    @property
    def has_username(self) -> bool:
        return bool(self.username_token)

    @property
    def has_password(self) -> bool:
        return bool(self.password_token)


class CameraState(db.Model):
    """Capture health and schedule of one camera, written by the capture job only."""

    camera_id: Mapped[int] = mapped_column(sa.ForeignKey("camera.id"), primary_key=True)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error_code: Mapped[str] = mapped_column(sa.String(40), default="")  # sources.ERROR_CODES
    last_error: Mapped[str] = mapped_column(sa.Text, default="")  # detail: host, status, file
    failures: Mapped[int] = mapped_column(default=0)  # consecutive failed attempts
    next_capture_at: Mapped[datetime | None]
    extra_day: Mapped[date | None]  # local day the extra times were drawn for
    extra_times: Mapped[list] = mapped_column(sa.JSON, default=list)  # ISO instants still due
    picture_requested_at: Mapped[datetime | None]  # an admin asked for a reference picture
    picture_requested_by: Mapped[str] = mapped_column(sa.String(100), default="")

    camera: Mapped[Camera] = relationship(back_populates="state")


class _WindowPart:
    """One window's ``seat`` or ``desk`` on a camera (at most one of each)."""

    @declared_attr.directive
    def __table_args__(cls):  # a fresh constraint per table (one object cannot serve two)
        return (sa.UniqueConstraint("camera_id", "window_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    camera_id: Mapped[int] = mapped_column(sa.ForeignKey("camera.id"), index=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("window.id"), index=True)
    kind: Mapped[RegionKind] = mapped_column(enum_column(RegionKind))


class CameraRegion(_WindowPart, AuditedMixin, db.Model):
    """One window's ``seat`` or ``desk`` polygon, in picture pixels."""

    polygon: Mapped[list] = mapped_column(sa.JSON)  # [[x, y], ...]

    camera: Mapped[Camera] = relationship(back_populates="regions")
    window: Mapped[Window] = relationship()


class CameraImage(_ReviewerVisible, AuditedMixin, db.Model):
    """A whole-view picture of the empty hall, captured from the camera or uploaded: the
    picture regions are drawn on, and the reference the snapshots are compared with.

    It is stored as taken (the comparisons need the whole view); it is accepted only when no
    face is found in it, so it keeps nobody recognisable.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    camera_id: Mapped[int] = mapped_column(sa.ForeignKey("camera.id"), index=True)
    origin: Mapped[str] = mapped_column(sa.String(20))  # camera / upload
    path: Mapped[str] = mapped_column(sa.String(300))
    thumb_path: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(100), default="")


class CameraReference(_WindowPart, AuditedMixin, db.Model):
    """Which picture is a window's empty-seat (``seat``) or standard-desk (``desk``)
    reference."""

    image_id: Mapped[int] = mapped_column(sa.ForeignKey("camera_image.id"), index=True)
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    set_by: Mapped[str] = mapped_column(sa.String(100), default="")

    camera: Mapped[Camera] = relationship(back_populates="references")
    window: Mapped[Window] = relationship()
    image: Mapped[CameraImage] = relationship()


class Snapshot(_ReviewerVisible, db.Model):
    """One screened picture. The stored file is the privacy-pixelated one: everything
    outside the staff regions is a mosaic; the frame as the camera sent it is never written.

    ``signals`` per window code: ``seat`` (occupied / empty / unknown), ``seat_similarity``,
    ``face``, ``person``, ``desk_similarity``, ``desk_deviation``, ``staff_no`` (on duty)
    and ``expected`` (rostered in a service session, no leave, absence or break).
    """

    __table_args__ = (
        sa.UniqueConstraint("camera_id", "taken_at"),
        sa.Index("ix_snapshot_centre_id_taken_at", "centre_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    camera_id: Mapped[int] = mapped_column(sa.ForeignKey("camera.id"), index=True)
    taken_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    origin: Mapped[SnapshotOrigin] = mapped_column(enum_column(SnapshotOrigin))
    path: Mapped[str] = mapped_column(sa.String(300))
    thumb_path: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    camera_moved: Mapped[bool] = mapped_column(default=False)
    moved_score: Mapped[float] = mapped_column(default=0.0)
    shift_px: Mapped[float | None]
    background_similarity: Mapped[float | None]
    signals: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    regions: Mapped[list] = mapped_column(sa.JSON, default=list)  # as analysed, for the overlay
    created_by: Mapped[str] = mapped_column(sa.String(100), default="")

    camera: Mapped[Camera] = relationship()


class CameraFlag(_ReviewerVisible, AuditedMixin, TimestampMixin, db.Model):
    """Something a snapshot showed that a person must look at: confirm (a finding against
    the person on duty, with the snapshot as evidence) or dismiss with a reason.

    One flag per episode: a seat empty (or a desk off its layout) over several snapshots in
    a row is one flag, its ``streak`` counting the snapshots and ``last_snapshot_id`` the
    latest; a moved camera keeps one open flag until new references are set.
    """

    __table_args__ = (
        sa.CheckConstraint("kind = 'camera_moved' OR window_id IS NOT NULL",
                           name="window_required"),
        sa.Index("ix_camera_flag_centre_id_state", "centre_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    camera_id: Mapped[int] = mapped_column(sa.ForeignKey("camera.id"), index=True)
    snapshot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("snapshot.id"), index=True)
    last_snapshot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("snapshot.id"),
                                                         index=True)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind))
    state: Mapped[FlagState] = mapped_column(enum_column(FlagState), default=FlagState.open)
    score: Mapped[float]
    at: Mapped[datetime]  # when the picture that raised it was taken
    last_seen_at: Mapped[datetime]
    streak: Mapped[int] = mapped_column(default=1)
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # numbers behind the reason
    item_code: Mapped[str | None] = mapped_column(sa.String(80))
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # dismissal or resolution
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_by: Mapped[str] = mapped_column(sa.String(100), default="")
    reviewed_at: Mapped[datetime | None]

    camera: Mapped[Camera] = relationship()
    snapshot: Mapped[Snapshot | None] = relationship(foreign_keys=[snapshot_id])
    last_snapshot: Mapped[Snapshot | None] = relationship(foreign_keys=[last_snapshot_id])
    window: Mapped[Window | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    finding: Mapped[Finding | None] = relationship()

    def can_review(self, user: User) -> bool:
        return self.can_view(user) and self.state.is_open


class WindowStreak(db.Model):
    """How many snapshots in a row showed a window's seat empty while its person was
    expected there (``seat``), or its desk off the standard layout (``desk``), and the flag
    the streak raised. The rulebook's ``seat_empty_consecutive`` is compared with it."""

    camera_id: Mapped[int] = mapped_column(sa.ForeignKey("camera.id"), primary_key=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("window.id"), primary_key=True)
    kind: Mapped[RegionKind] = mapped_column(enum_column(RegionKind), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    last_taken_at: Mapped[datetime | None]
    flag_id: Mapped[int | None] = mapped_column(sa.ForeignKey("camera_flag.id"))
