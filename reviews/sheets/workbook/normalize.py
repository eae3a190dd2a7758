"""Small text helpers shared by the sheet reader and the database layer."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE_RE = re.compile(r"\s+")


def normalize_name(value: str) -> str:
    """Return the key two names are matched on: NFKC-normalised, with all whitespace removed.

    Names are stored as first printed; this key only decides whether two spellings are the same
    project, policy or department (full-width letters, stray spaces and line breaks do not count).
    """
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", value))


def clean_text(value: str) -> str:
    """Return cell text with Windows/Mac line breaks made '\\n' and surrounding whitespace stripped.

    Inner text is kept exactly as written, so that a department's own line breaks survive.
    """
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def normalize_header(value: str) -> str:
    """Return the key a header cell is compared on: NFKC, no whitespace, no '※'."""
    return normalize_name(value).replace("※", "")
