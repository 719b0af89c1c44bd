"""Conduct findings (SPEC §4, §5, §7): the one table of deductions, whatever produced them."""
