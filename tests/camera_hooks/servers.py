"""Real local servers for the camera source tests: an HTTP snapshot camera with basic or
digest authentication (or one that hangs), and a TCP port that accepts and never answers."""
from __future__ import annotations

import base64
import hashlib
import os
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class Camera:
    """What the fake camera answers and what it saw."""

    def __init__(self, picture: bytes, auth: str | None = None, username: str = "viewer",
                 password: str = "s3cret", hang: bool = False, status: int = 200,
                 content_type: str = "image/jpeg"):
        self.picture, self.auth, self.status = picture, auth, status
        self.username, self.password, self.hang = username, password, hang
        self.content_type = content_type
        self.realm, self.nonce = "IPCamera", os.urandom(8).hex()
        self.requests = 0
        self.authorised = 0
        self.release = threading.Event()

    def check(self, handler) -> bool:
        header = handler.headers.get("Authorization", "")
        if self.auth is None:
            return True
        if self.auth == "basic":
            expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return header == f"Basic {expected}"
        if not header.startswith("Digest "):
            return False
        fields = {}
        for part in header[7:].split(","):
            key, _, value = part.strip().partition("=")
            fields[key] = value.strip('"')
        ha1 = _md5(f"{fields.get('username')}:{self.realm}:{self.password}")
        ha2 = _md5(f"{handler.command}:{fields.get('uri')}")
        expected = _md5(f"{ha1}:{fields.get('nonce')}:{fields.get('nc')}:{fields.get('cnonce')}:"
                        f"{fields.get('qop')}:{ha2}")
        return fields.get("username") == self.username and fields.get("response") == expected

    def challenge(self) -> str:
        if self.auth == "basic":
            return f'Basic realm="{self.realm}"'
        return (f'Digest realm="{self.realm}", qop="auth", nonce="{self.nonce}", '
                f'opaque="{os.urandom(4).hex()}", algorithm=MD5')


@contextmanager
def http_camera(camera: Camera):
    """Serve ``camera`` on 127.0.0.1 in a thread; yields the snapshot URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            camera.requests += 1
            if camera.hang:
                camera.release.wait(30)  # the camera never answers (until the test ends)
                return
            if not camera.check(self):
                self.send_response(401)
                self.send_header("WWW-Authenticate", camera.challenge())
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            camera.authorised += 1
            self.send_response(camera.status)
            self.send_header("Content-Type", camera.content_type)
            self.send_header("Content-Length", str(len(camera.picture)))
            self.end_headers()
            self.wfile.write(camera.picture)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/ISAPI/Streaming/channels/101/picture"
    finally:
        camera.release.set()
        server.shutdown()
        server.server_close()


@contextmanager
def silent_port():
    """A TCP port that accepts connections and never says a word (a hung RTSP server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()


def closed_port() -> int:
    """A local port nothing listens on (connections are refused at once)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@contextmanager
def mjpeg_stream(frames: list[bytes]):
    """An MJPEG-over-HTTP stream that sends ``frames`` and then stalls (keeps the connection
    open without another byte): what a camera whose encoder froze looks like to a reader."""
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            for data in frames:
                self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                 + str(len(data)).encode() + b"\r\n\r\n" + data + b"\r\n")
            self.wfile.flush()
            stop.wait(30)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/video.mjpg"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
