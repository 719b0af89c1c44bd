"""Camera sources against real local servers, streams and folders (camera_hooks.sources).

A source either returns the current picture or raises SourceError with a machine code; none
of them can hang its caller: each call below runs in a thread that must finish (a behaviour,
not a timing: the guard is many times the configured timeout).
"""
from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from camera_hooks import sources
from camera_hooks.sources import SourceConfig, SourceError

from .servers import Camera, closed_port, http_camera, mjpeg_stream, silent_port

GUARD = 30  # seconds: far beyond every timeout used here; only a hang reaches it


def picture(level: int = 90, size=(320, 240)) -> np.ndarray:
    image = np.full((size[1], size[0], 3), level, np.uint8)
    cv2.putText(image, str(level), (20, size[1] // 2), cv2.FONT_HERSHEY_SIMPLEX, 2,
                (255, 255, 255), 3)
    return image


def jpeg(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


def finishes(fn, *args):
    """Run ``fn`` in a thread; return (result or exception). Fails the test if it hangs."""
    box = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(GUARD)
    assert not thread.is_alive(), f"{fn.__name__} hung"
    return box.get("value", box.get("error"))


# --- HTTP ------------------------------------------------------------------------------------

@pytest.mark.parametrize("auth", [None, "basic", "digest"])
def test_http_snapshot_with_each_kind_of_authentication(auth):
    camera = Camera(jpeg(picture(120)), auth=auth)
    with http_camera(camera) as url:
        frame = finishes(sources.fetch, SourceConfig("http", url, "viewer", "s3cret", 5))
    assert isinstance(frame, sources.Frame), frame
    assert frame.image.shape == (240, 320, 3)
    assert abs(float(frame.image[5:20, 5:20].mean()) - 120) < 3
    assert frame.taken_at.tzinfo is not None
    assert camera.authorised == 1


@pytest.mark.parametrize("auth", ["basic", "digest"])
def test_http_wrong_password_is_an_authentication_error(auth):
    camera = Camera(jpeg(picture()), auth=auth)
    with http_camera(camera) as url:
        error = finishes(sources.fetch, SourceConfig("http", url, "viewer", "wrong", 5))
    assert isinstance(error, SourceError) and error.code == "auth"
    assert "wrong" not in str(error) and "viewer" not in str(error)
    assert camera.authorised == 0


def test_http_without_credentials_at_a_protected_camera_is_an_authentication_error():
    with http_camera(Camera(jpeg(picture()), auth="digest")) as url:
        error = finishes(sources.fetch, SourceConfig("http", url, timeout=5))
    assert isinstance(error, SourceError) and error.code == "auth"


def test_http_camera_that_hangs_times_out():
    camera = Camera(jpeg(picture()), hang=True)
    with http_camera(camera) as url:
        error = finishes(sources.fetch, SourceConfig("http", url, timeout=1))
    assert isinstance(error, SourceError) and error.code == "timeout"
    assert camera.requests == 1


def test_http_errors_refusals_and_non_pictures():
    with http_camera(Camera(b"<html>busy</html>", status=503)) as url:
        error = finishes(sources.fetch, SourceConfig("http", url, timeout=5))
    assert error.code == "http_status" and "503" in error.detail
    with http_camera(Camera(b"<html>not a picture</html>", content_type="text/html")) as url:
        error = finishes(sources.fetch, SourceConfig("http", url, timeout=5))
    assert error.code == "not_image"
    url = f"http://127.0.0.1:{closed_port()}/snapshot.jpg"
    error = finishes(sources.fetch, SourceConfig("http", url, timeout=5))
    assert error.code == "unreachable"


def test_http_picture_larger_than_the_limit_is_refused():
    with http_camera(Camera(jpeg(picture()) + b"\0" * 5000)) as url:
        error = finishes(sources.fetch, SourceConfig("http", url, timeout=5, max_bytes=4000))
    assert error.code == "too_large"


# --- RTSP / VideoCapture ---------------------------------------------------------------------

def test_stream_at_a_closed_port_fails_to_open():
    url = f"rtsp://127.0.0.1:{closed_port()}/Streaming/Channels/101"
    error = finishes(sources.fetch, SourceConfig("rtsp", url, "admin", "pw", 2))
    assert isinstance(error, SourceError) and error.code == "stream_open"
    assert "pw" not in str(error)


def test_stream_server_that_never_answers_hits_the_open_timeout():
    with silent_port() as port:
        error = finishes(sources.fetch, SourceConfig("rtsp", f"rtsp://127.0.0.1:{port}/live",
                                                     timeout=1))
    assert isinstance(error, SourceError) and error.code == "stream_open"


def test_stream_that_stalls_returns_its_latest_frame_at_the_read_timeout():
    """Five frames, then the encoder freezes: the read timeout ends the wait and the newest
    frame (the fifth) is the picture, not the first one buffered."""
    frames = [jpeg(picture(level)) for level in (20, 60, 100, 140, 180)]
    with mjpeg_stream(frames) as url:
        frame = finishes(sources.fetch_stream, SourceConfig("rtsp", url, timeout=2))
    assert isinstance(frame, sources.Frame), frame
    assert abs(float(frame.image[5:20, 5:20].mean()) - 180) < 6


def test_video_file_through_the_same_path_gives_its_last_frame(tmp_path):
    path = str(tmp_path / "clip.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for n in range(12):
        writer.write(np.full((120, 160, 3), n * 20, np.uint8))
    writer.release()
    frame = finishes(sources.fetch_stream, SourceConfig("rtsp", path, timeout=5))
    assert isinstance(frame, sources.Frame), frame
    assert abs(float(frame.image.mean()) - 220) < 4  # frame 11 of 0..11


def test_credentials_go_into_the_stream_url_encoded():
    assert sources.stream_url("rtsp://cam:554/live", "adm in", "p@ss:w/rd") == \
        "rtsp://adm%20in:p%40ss%3Aw%2Frd@cam:554/live"
    assert sources.stream_url("rtsp://cam/live", "", "") == "rtsp://cam/live"


# --- drop folder -----------------------------------------------------------------------------

def _drop(folder, name: str, data: bytes, age_seconds: float) -> str:
    path = os.path.join(folder, name)
    with open(path, "wb") as handle:
        handle.write(data)
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def test_folder_takes_the_newest_complete_picture_and_moves_the_rest_aside(tmp_path):
    folder = str(tmp_path)
    now = datetime.now(timezone.utc)
    _drop(folder, "cam_0800.jpg", jpeg(picture(40)), 600)
    newest = _drop(folder, "cam_0810.jpg", jpeg(picture(160)), 30)
    half = jpeg(picture(220))[:2000]  # the recorder is still writing this one
    _drop(folder, "cam_0811.jpg", half, 0)
    _drop(folder, "notes.txt", b"not a picture", 600)
    _drop(folder, ".cam_0812.jpg", jpeg(picture(200)), 600)  # a recorder's temporary name
    frame = sources.fetch(SourceConfig("folder", folder), now)
    assert abs(float(frame.image[5:20, 5:20].mean()) - 160) < 4
    assert abs((frame.taken_at - now).total_seconds() + 30) < 2  # the file's time
    assert os.path.basename(frame.files[-1]) == "cam_0810.jpg"
    sources.archive(frame, now)
    left = sorted(os.listdir(folder))
    assert left == [".cam_0812.jpg", "cam_0811.jpg", "notes.txt", "processed"]
    day = now.strftime("%Y-%m-%d")
    assert sorted(os.listdir(os.path.join(folder, "processed", day))) == \
        ["cam_0800.jpg", "cam_0810.jpg"]
    assert not os.path.exists(newest)


def test_folder_never_reads_a_file_still_being_written(tmp_path):
    """Young files are not opened at all; an old file without its JPEG end marker is still
    incomplete (left alone), and one incomplete for too long is moved into rejected/."""
    folder = str(tmp_path)
    now = datetime.now(timezone.utc)
    _drop(folder, "young.jpg", jpeg(picture(100)), 0.2)
    _drop(folder, "truncated.jpg", jpeg(picture(100))[:-300], 30)
    _drop(folder, "abandoned.jpg", jpeg(picture(100))[:-300], 3600)
    error = finishes(sources.fetch, SourceConfig("folder", folder))
    assert isinstance(error, SourceError) and error.code == "no_picture"
    assert sorted(os.listdir(folder)) == ["rejected", "truncated.jpg", "young.jpg"]
    day = now.strftime("%Y-%m-%d")
    assert os.listdir(os.path.join(folder, "rejected", day)) == ["abandoned.jpg"]


def test_folder_file_that_is_not_a_picture_goes_to_rejected(tmp_path):
    folder = str(tmp_path)
    _drop(folder, "bad.png", b"\x89PNG\r\n\x1a\n" + os.urandom(500) + b"IEND\xaeB`\x82", 30)
    good = _drop(folder, "good.jpg", jpeg(picture(80)), 60)
    frame = sources.fetch(SourceConfig("folder", folder))
    assert frame.files == (good,)
    assert os.listdir(os.path.join(folder, "rejected", os.listdir(
        os.path.join(folder, "rejected"))[0])) == ["bad.png"]


def test_missing_or_empty_folder(tmp_path):
    assert finishes(sources.fetch, SourceConfig("folder", str(tmp_path / "nope"))).code == \
        "folder_missing"
    assert finishes(sources.fetch, SourceConfig("folder", str(tmp_path))).code == "no_picture"


def test_archive_never_overwrites(tmp_path):
    folder = str(tmp_path)
    now = datetime.now(timezone.utc)
    for _round in range(2):
        _drop(folder, "same.jpg", jpeg(picture(90)), 30)
        sources.archive(sources.fetch(SourceConfig("folder", folder), now), now)
    day = os.path.join(folder, "processed", now.strftime("%Y-%m-%d"))
    assert sorted(os.listdir(day)) == ["same.1.jpg", "same.jpg"]
