"""Patrol inspections (SPEC §4): checklist templates from seed 004, runs, findings."""
