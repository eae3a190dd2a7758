"""Text as people type it and as sheets carry it: the one place that decides when two texts are
equal and when two names are the same thing.

Pure Python, no Django: the sheet package, the forms and the imports all use it.
"""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE_RE = re.compile(r"\s+")
_TRAILING_BLANKS_RE = re.compile(r"[ \t\u3000]+$", re.MULTILINE)

# A sub-unit is printed as `青少年課（児童センター）`: the part before the bracket is its parent.
SUB_UNIT_OPEN = "（"


def normalize_name(value: str) -> str:
    """Return the key two names are matched on: NFKC-normalised, with all whitespace removed.

    Names are stored as first printed; this key only decides whether two spellings are the same
    project, policy or department (full-width letters, stray spaces and line breaks do not count).
    """
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", value))


def normalize_text(value: str) -> str:
    """Return a text as it is stored and compared: line breaks as '\\n' (CRLF and CR from Windows
    and old Macs), no blanks at the end of a line, none around the whole text.

    Inner text is kept exactly as written, so a department's own line breaks and indentation
    survive; a form and a sheet that carry the same words therefore compare equal.
    """
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in value and (" " in value or "\t" in value or "\u3000" in value):
        value = _TRAILING_BLANKS_RE.sub("", value)
    return value.strip()


def parent_name_of(department_name: str) -> str | None:
    """The parent department's name of a sub-unit (`青少年課（児童センター）` → `青少年課`), else None."""
    if SUB_UNIT_OPEN not in department_name:
        return None
    parent = department_name.split(SUB_UNIT_OPEN)[0].strip()
    return parent or None


# Characters that never belong in what people write: the C0 control characters other than tab and
# the line break (a carriage return is a line break still to be normalised), and the bidirectional
# overrides and isolates that make text display in another order than it is stored (U+202A–U+202E,
# U+2066–U+2069). openpyxl refuses the first kind outright, so one of them in the database broke
# every spreadsheet export.
_UNSAFE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


def unsafe_characters(value: str) -> list[str]:
    """The characters of ``value`` that input refuses, each once, in order of appearance."""
    if _UNSAFE_RE.search(value) is None:  # the usual case, checked for every cell of big sheets
        return []
    return list(dict.fromkeys(_UNSAFE_RE.findall(value)))


def unsafe_character_message(value: str, label: str = "") -> str | None:
    """A Japanese message naming the refused characters (`U+0007`), or None when there are none."""
    found = unsafe_characters(value)
    if not found:
        return None
    codes = "、".join(f"U+{ord(c):04X}" for c in found[:3]) + (" など" if len(found) > 3 else "")
    where = f"「{label}」に" if label else ""
    return (f"{where}使えない制御文字（{codes}）が含まれています。"
            "ほかのソフトから貼り付けたときに紛れ込むことがあります。その文字を削除してから、もう一度入力してください。")


def strip_unsafe(value: str) -> str:
    """``value`` without the characters input refuses: for every output (sheets, exports, mail,
    pages), so that what was recorded before the rule still comes out as plain text."""
    return _UNSAFE_RE.sub("", value) if isinstance(value, str) else value
