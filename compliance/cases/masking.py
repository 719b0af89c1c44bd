"""Masking of citizens' personal data (SPEC §6, §10): a complainant's (or real-name
reviewer's) name and contact are shown in full to HR and admin only; every other role, in
pages, the API and exports, sees them masked by ``citizen_for``."""
from __future__ import annotations

import re

_PHONE = re.compile(r"^\+?[\d\s-]{7,}$")


def mask_name(name: str | None) -> str | None:
    """张三丰 → 张**, 李四 → 李*; only the first character stays (surname)."""
    if not name:
        return name
    name = name.strip()
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_contact(contact: str | None) -> str | None:
    """13812345678 → 138****5678; e-mail a***@example.com; anything else keeps its first
    and last character."""
    if not contact:
        return contact
    contact = contact.strip()
    if "@" in contact:
        local, _, domain = contact.partition("@")
        return (local[:1] or "*") + "***@" + domain
    if _PHONE.match(contact):
        digits = re.sub(r"\D", "", contact)
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]  # +86 country code
        if len(digits) >= 11:
            return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
        return "*" * (len(digits) - 4) + digits[-4:]
    if len(contact) <= 2:
        return "*" * len(contact)
    return contact[0] + "*" * (len(contact) - 2) + contact[-1]


def sees_citizen_data(user) -> bool:
    """HR and admin see citizens' names and contacts; no other role does."""
    return bool(user and getattr(user, "is_authenticated", False) and user.is_manager)


def citizen_for(user, name: str | None, contact: str | None) -> tuple[str | None, str | None]:
    """The one function every page, API answer and export uses to show a citizen."""
    if sees_citizen_data(user):
        return name, contact
    return mask_name(name), mask_contact(contact)
