"""Inputs that feature packages supply to scoring without the core importing them.

ARCHITECTURE: dependencies point ``camera_hooks → inspections → compliance``; the core never
imports a feature package. Where scoring needs a figure only a feature package knows (the
service-norms part of SPEC §7 needs each person's answered and passed checklist items), the
package registers a provider here from its ``init_app`` and the gathering code asks every
registered provider.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .engine import InspectionTally

# (centre_id, first day, last day, staff ids) -> {staff_id: [InspectionTally, ...]}
InspectionTallyProvider = Callable[[int, date, date, Iterable[int]],
                                   dict[int, list[InspectionTally]]]

_inspection_tally_providers: list[InspectionTallyProvider] = []


def register_inspection_tally(provider: InspectionTallyProvider) -> None:
    """Register a provider once (registering the same function again changes nothing, so an
    ``init_app`` that runs for several apps in one process is harmless)."""
    if provider not in _inspection_tally_providers:
        _inspection_tally_providers.append(provider)


def unregister_inspection_tally(provider: InspectionTallyProvider) -> None:
    if provider in _inspection_tally_providers:
        _inspection_tally_providers.remove(provider)


def inspection_tallies(centre_id: int, first: date, last: date,
                       staff_ids: Iterable[int]) -> dict[int, list[InspectionTally]]:
    """Every registered provider's tallies of the given staff between two days (inclusive)."""
    staff_ids = list(staff_ids)
    merged: dict[int, list[InspectionTally]] = {}
    for provider in _inspection_tally_providers:
        for staff_id, tallies in provider(centre_id, first, last, staff_ids).items():
            merged.setdefault(staff_id, []).extend(tallies)
    return merged


# --- figures for the HR dashboard -----------------------------------------------------------
# A feature package that owns a figure HR should see at a glance (the camera review queue's
# waiting flags, …) registers it here from its ``init_app``; the dashboard shows one tile per
# registered figure and none when nothing is registered.

@dataclass(frozen=True)
class DashboardCount:
    """``count(user)`` answers the figure within what the user may see: a number, or
    ``(number, link)``; None hides the tile from that user (e.g. a role it is not for)."""

    name: str
    label: Any  # a (lazily) translated string
    count: Callable[[Any], int | tuple[int, str | None] | None]


_dashboard_counts: dict[str, DashboardCount] = {}


def register_dashboard_count(name: str, label: Any,
                             count: Callable[[Any], int | tuple[int, str | None] | None]) -> None:
    """Register (or replace, for the same name) a dashboard figure."""
    _dashboard_counts[name] = DashboardCount(name, label, count)


def unregister_dashboard_count(name: str) -> None:
    _dashboard_counts.pop(name, None)


def dashboard_counts(user) -> list[tuple[str, Any, int, str | None]]:
    """``(name, label, number, link)`` of every registered figure the user may see, by
    name."""
    out = []
    for name in sorted(_dashboard_counts):
        entry = _dashboard_counts[name]
        answer = entry.count(user)
        if answer is None:
            continue
        number, link = answer if isinstance(answer, tuple) else (answer, None)
        out.append((name, entry.label, number, link))
    return out
