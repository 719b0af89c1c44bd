"""PURE: drawing the day's spot checks (明查暗访, SPEC §4) — random windows at random times.

No Flask, no database: the caller passes the windows, the bounds of the day and a predicate
saying whether a window is staffed at an instant (the roster), and gets ``(window, instant)``
pairs back.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

W = TypeVar("W")

# Rejection sampling gives up on a task after this many draws that found nobody on duty
# (a day with no roster at all draws nothing instead of looping).
ATTEMPTS_PER_TASK = 400


def draw_spot_checks(rng: random.Random, windows: Sequence[W], start: datetime, end: datetime,
                     count: int, staffed: Callable[[W, datetime], bool]) -> list[tuple[W, datetime]]:
    """Draw up to ``count`` spot checks between ``start`` and ``end``.

    Each is a window and an instant (whole minutes), uniform over the window-minutes at which
    the window is staffed (``staffed``: someone is rostered in a service session there), so
    checks fall in service hours on working and duty days alike without this module knowing
    the shifts. Windows do not repeat within a draw while others remain; results are in time
    order. Unpredictable as long as ``rng`` is (production uses ``random.SystemRandom``).
    """
    minutes = int((end - start).total_seconds() // 60)
    if count <= 0 or not windows or minutes <= 0:
        return []
    candidates = list(windows)
    drawn: list[tuple[W, datetime]] = []
    attempts = 0
    while len(drawn) < count and attempts < ATTEMPTS_PER_TASK * count:
        attempts += 1
        if not candidates:
            candidates = list(windows)  # more checks than windows: a window may come again
        window = rng.choice(candidates)
        at = start + timedelta(minutes=rng.randrange(minutes))
        if any(at == when for _w, when in drawn) or not staffed(window, at):
            continue
        drawn.append((window, at))
        candidates.remove(window)
    return sorted(drawn, key=lambda pair: pair[1])
