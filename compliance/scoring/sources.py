"""Inputs that feature packages supply to scoring without the core importing them.

ARCHITECTURE: dependencies point ``camera_hooks → inspections → compliance``; the core never
imports a feature package. Where scoring needs a figure only a feature package knows (the
service-norms part of SPEC §7 needs each person's answered and passed checklist items), the
package registers a provider here from its ``init_app`` and the gathering code asks every
registered provider.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

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


def inspection_tallies(centre_id: int, first: date, last: date,
                       staff_ids: Iterable[int]) -> dict[int, list[InspectionTally]]:
    """Every registered provider's tallies of the given staff between two days (inclusive)."""
    staff_ids = list(staff_ids)
    merged: dict[int, list[InspectionTally]] = {}
    for provider in _inspection_tally_providers:
        for staff_id, tallies in provider(centre_id, first, last, staff_ids).items():
            merged.setdefault(staff_id, []).extend(tallies)
    return merged
