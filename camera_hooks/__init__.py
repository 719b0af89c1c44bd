"""Camera snapshot reviews (SPEC §5): sources, analysis, capture job, review queue."""
