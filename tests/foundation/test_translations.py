"""Every user-facing string has its Chinese translation (Chinese is the default locale).

The messages are extracted from the sources exactly as ``make extract`` does (babel.cfg), so
a string added without running ``make extract`` and translating it fails here, and so does a
catalogue that a merge left behind.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _method_map():
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        return parse_mapping_cfg(cfg)


def _source_messages() -> set[str]:
    method_map, options_map = _method_map()
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={**KEYWORDS}):
        if any(part in _file.split("/") for part in (".venv", "tests", "bench")):
            continue
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue(lang: str):
    with open(ROOT / "compliance/translations" / lang / "LC_MESSAGES/messages.po", "rb") as po:
        return read_po(po)


def test_every_source_message_has_a_chinese_translation():
    catalogue = _catalogue("zh_CN")
    missing = sorted(m for m in _source_messages()
                     if not (catalogue.get(m) and catalogue.get(m).string))
    assert not missing, "untranslated (run `make extract` and translate): " + "; ".join(missing)


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\([a-z_]+\)[sdf]")
    catalogue = _catalogue("zh_CN")
    wrong = [m.id for m in catalogue if m.id and isinstance(m.id, str) and m.string
             and sorted(placeholder.findall(m.id)) != sorted(placeholder.findall(m.string))]
    assert not wrong, f"placeholders differ: {wrong}"
