"""Scores (考评, SPEC §7): the versioned rulebook, the pure scoring engine, and the
operations that gather inputs, run the engine and store the results."""
