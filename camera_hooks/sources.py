"""Where a camera's pictures come from (SPEC §5): an HTTP snapshot URL, an RTSP stream, or a
folder where a video recorder drops pictures.

No Flask, no database: ``fetch(config)`` takes plain settings and returns a decoded frame or
raises ``SourceError`` with a machine code (pages translate it) and a detail that never
holds a password. Every source is bounded in time:

* HTTP: basic or digest authentication (urllib answers the camera's challenge); the socket
  timeout bounds each connect and read, and the body is read in chunks against a deadline,
  so a camera that trickles bytes is cut off too. Proxies from the environment are ignored
  (cameras sit on the hall's network).
* RTSP: OpenCV ``VideoCapture`` on the FFmpeg backend with open and read timeouts. A fresh
  connection per capture, drained until a read has to wait for the camera: the picture
  returned is the live one, never a frame that sat in a buffer.
* Folder: only files no longer being written are read (unchanged for ``settle_seconds`` and
  ending with their format's end marker), the newest one is the picture; it and every older
  picture are then moved aside into ``processed/<day>/`` (``archive``), unreadable ones into
  ``rejected/``.

The raw frame only ever lives in memory: nothing here writes a picture.
"""
from __future__ import annotations

import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit, urlunsplit

import cv2
import numpy as np

# FFmpeg reads RTSP over TCP: UDP loses packets through the hall's switches and firewalls and
# gives smeared pictures. Read by OpenCV at each open; a deployment may set its own.
os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")

MAX_PICTURE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
PROCESSED, REJECTED = "processed", "rejected"
_DRAIN_MIN_GRABS = 2  # frames read before a wait may count as "live"
_DRAIN_MAX_GRABS = 300  # at most this many buffered frames are skipped
_USER_AGENT = "compliance-camera/1"


class SourceError(Exception):
    """A capture that failed. ``code`` is one of ``ERROR_CODES``; ``detail`` is plain text
    for the health display (host, status, file name; never a credential)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


ERROR_CODES = (
    "timeout", "unreachable", "auth", "http_status", "too_large", "not_image", "stream_open",
    "stream_empty", "folder_missing", "no_picture", "credentials", "hanging", "face_found",
    "internal",
)


@dataclass(frozen=True)
class SourceConfig:
    kind: str  # "http" | "rtsp" | "folder"
    location: str  # URL (no user info) or an absolute folder path
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    settle_seconds: float = 2.0  # folder: a file unchanged for this long is complete
    abandon_seconds: float = 600.0  # folder: a file still incomplete after this is rejected
    max_bytes: int = MAX_PICTURE_BYTES


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR
    taken_at: datetime  # aware UTC
    files: tuple[str, ...] = field(default_factory=tuple)  # folder: to move aside once stored
    folder: str | None = None


def fetch(config: SourceConfig, now: datetime | None = None) -> Frame:
    """The camera's current picture, or ``SourceError``."""
    if config.kind == "http":
        return fetch_http(config)
    if config.kind == "rtsp":
        return fetch_stream(config)
    if config.kind == "folder":
        return fetch_folder(config, now)
    raise SourceError("internal", f"unknown source kind {config.kind!r}")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def decode(data: bytes) -> np.ndarray:
    """A BGR picture from encoded bytes, refusing what is not one or is absurdly large."""
    if not data:
        raise SourceError("not_image", "empty answer")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise SourceError("not_image", f"{len(data)} bytes that do not decode as a picture")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise SourceError("too_large", f"{image.shape[1]}×{image.shape[0]} pixels")
    return image


# --- HTTP -----------------------------------------------------------------------------------


def fetch_http(config: SourceConfig) -> Frame:
    """GET the snapshot URL, answering a basic or digest challenge with the credentials."""
    deadline = time.monotonic() + config.timeout
    host = urlsplit(config.location).netloc
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    if config.username or config.password:
        passwords.add_password(None, config.location, config.username, config.password)
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPDigestAuthHandler(passwords),
        urllib.request.HTTPBasicAuthHandler(passwords))
    request = urllib.request.Request(config.location, headers={
        "User-Agent": _USER_AGENT, "Accept": "image/jpeg, image/png, image/*"})
    try:
        with opener.open(request, timeout=config.timeout) as response:
            data = _read_bounded(response, deadline, config.max_bytes, host)
    except urllib.error.HTTPError as exc:
        if exc.code == 401:
            raise SourceError("auth", f"{host}: HTTP 401") from None
        raise SourceError("http_status", f"{host}: HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise SourceError("timeout", f"{host}: no answer in {config.timeout:g} s") from None
        raise SourceError("unreachable", f"{host}: {_reason(exc.reason)}") from None
    except (TimeoutError, socket.timeout):
        raise SourceError("timeout", f"{host}: no answer in {config.timeout:g} s") from None
    except ValueError as exc:  # urllib: an authentication scheme it does not speak
        raise SourceError("auth", f"{host}: {exc}") from None
    except OSError as exc:
        raise SourceError("unreachable", f"{host}: {_reason(exc)}") from None
    return Frame(decode(data), _utcnow())


def _read_bounded(response, deadline: float, max_bytes: int, host: str) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise SourceError("too_large", f"{host}: {int(length)} bytes")
    chunks, total = [], 0
    while True:
        if time.monotonic() > deadline:
            raise SourceError("timeout", f"{host}: the picture did not arrive in time")
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise SourceError("too_large", f"{host}: more than {max_bytes} bytes")
        chunks.append(chunk)


def _reason(reason) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "unknown host"
    return str(getattr(reason, "strerror", None) or reason)[:200]


# --- RTSP (OpenCV VideoCapture) -------------------------------------------------------------


def stream_url(location: str, username: str, password: str) -> str:
    """The URL VideoCapture opens: user info added (percent-encoded) only here, in memory."""
    if not username and not password:
        return location
    parts = urlsplit(location)
    userinfo = quote(username, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query,
                       parts.fragment))


def fetch_stream(config: SourceConfig) -> Frame:
    """Open the stream with open and read timeouts and return its live frame."""
    deadline = time.monotonic() + config.timeout
    host = urlsplit(config.location).netloc or os.path.basename(config.location)
    millis = max(1, int(config.timeout * 1000))
    capture = cv2.VideoCapture(
        stream_url(config.location, config.username, config.password), cv2.CAP_FFMPEG,
        [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, millis, cv2.CAP_PROP_READ_TIMEOUT_MSEC, millis])
    try:
        if not capture.isOpened():
            raise SourceError("stream_open", f"{host}: could not open the stream within "
                                             f"{config.timeout:g} s (unreachable, refused or "
                                             "wrong credentials)")
        image = latest_frame(capture, deadline)
    finally:
        capture.release()
    if image is None:
        raise SourceError("stream_empty", f"{host}: the stream sent no picture")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise SourceError("too_large", f"{image.shape[1]}×{image.shape[0]} pixels")
    return Frame(image, _utcnow())


def latest_frame(capture, deadline: float) -> np.ndarray | None:
    """Skip what the connection has buffered and return the newest frame.

    Buffered frames come back at once; once ``grab`` has to wait about half a frame period
    for the camera, the stream is live and the frame just read is current. A file (or a
    stream that ends) gives its last frame. At most ``_DRAIN_MAX_GRABS`` frames are read and
    never past the deadline.
    """
    fps = capture.get(cv2.CAP_PROP_FPS)
    period = 1.0 / fps if fps and 1.0 <= fps <= 120.0 else 0.04
    latest, grabbed = None, 0
    while grabbed < _DRAIN_MAX_GRABS and time.monotonic() < deadline:
        started = time.monotonic()
        if not capture.grab():
            break
        waited = time.monotonic() - started
        grabbed += 1
        ok, image = capture.retrieve()
        if ok and image is not None and image.size:
            latest = image
        if latest is not None and grabbed >= _DRAIN_MIN_GRABS and waited >= period / 2:
            break
    return latest


# --- Drop folder ----------------------------------------------------------------------------


def fetch_folder(config: SourceConfig, now: datetime | None = None) -> Frame:
    """The newest complete picture in the folder; older ones go aside with it (``archive``).

    A file is complete when it has not changed for ``settle_seconds`` and ends with its
    format's end marker (JPEG EOI, PNG IEND); a file still incomplete after
    ``abandon_seconds`` is moved into ``rejected/``. Nothing younger is even opened.
    """
    folder = config.location
    if not os.path.isdir(folder):
        raise SourceError("folder_missing", folder)
    now_ts = (now or _utcnow()).timestamp()
    complete: list[tuple[float, str]] = []
    for entry in os.scandir(folder):
        name = entry.name
        if name.startswith((".", "~")) or not name.lower().endswith(IMAGE_SUFFIXES):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # the recorder renamed or removed it meanwhile
        age = now_ts - stat.st_mtime
        if age < config.settle_seconds:
            continue  # maybe still being written: not touched
        if stat.st_size > config.max_bytes:
            _move(entry.path, folder, REJECTED, now)
            continue
        if not _has_end_marker(entry.path):
            if age > config.abandon_seconds:
                _move(entry.path, folder, REJECTED, now)
            continue
        complete.append((stat.st_mtime, entry.path))
    while complete:
        complete.sort()
        mtime, newest = complete[-1]
        try:
            with open(newest, "rb") as handle:
                data = handle.read(config.max_bytes + 1)
            image = decode(data)
        except (SourceError, OSError):
            _move(newest, folder, REJECTED, now)
            complete.pop()
            continue
        taken_at = datetime.fromtimestamp(mtime, timezone.utc)
        return Frame(image, taken_at, tuple(path for _, path in complete), folder)
    raise SourceError("no_picture", folder)


def _has_end_marker(path: str) -> bool:
    """JPEG ends with FFD9 (trailing padding allowed), PNG with its IEND chunk; other formats
    rely on the settle time alone."""
    lower = path.lower()
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64))
            tail = handle.read()
    except OSError:
        return False
    if lower.endswith((".jpg", ".jpeg")):
        return b"\xff\xd9" in tail.rstrip(b"\x00")[-16:]
    if lower.endswith(".png"):
        return b"IEND" in tail[-16:]
    return True


def archive(frame: Frame, now: datetime | None = None) -> None:
    """Move a folder frame's files into ``processed/<day>/`` (done once it is stored)."""
    if frame.folder is None:
        return
    for path in frame.files:
        _move(path, frame.folder, PROCESSED, now)


def _move(path: str, folder: str, aside: str, now: datetime | None) -> None:
    day = (now or _utcnow()).astimezone(timezone.utc).strftime("%Y-%m-%d")
    target_dir = os.path.join(folder, aside, day)
    os.makedirs(target_dir, exist_ok=True)
    base = os.path.basename(path)
    target = os.path.join(target_dir, base)
    stem, suffix = os.path.splitext(base)
    n = 1
    while os.path.exists(target):
        target = os.path.join(target_dir, f"{stem}.{n}{suffix}")
        n += 1
    try:
        shutil.move(path, target)
    except FileNotFoundError:
        pass
