"""Attendance: rosters, shifts, punches, leave, corrections and the pure rules (SPEC §3)."""
