"""Centres, departments, windows and staff (SPEC §2)."""
