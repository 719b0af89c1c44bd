"""Attendance pages: reports."""
from __future__ import annotations

from .routes import bp  # noqa: F401


def init_nav() -> None:
    """Navigation entries of these pages."""
