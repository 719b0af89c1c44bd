"""Reviews (好差评), rectification cases, complaints and the working-day calendar (SPEC §6)."""
