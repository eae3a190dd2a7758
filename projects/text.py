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
    return _TRAILING_BLANKS_RE.sub("", value).strip()


def parent_name_of(department_name: str) -> str | None:
    """The parent department's name of a sub-unit (`青少年課（児童センター）` → `青少年課`), else None."""
    if SUB_UNIT_OPEN not in department_name:
        return None
    parent = department_name.split(SUB_UNIT_OPEN)[0].strip()
    return parent or None
