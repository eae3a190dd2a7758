"""The sheet's own comparison key for header cells; names and texts follow projects.text."""

from __future__ import annotations

from projects.text import normalize_name


def normalize_header(value: str) -> str:
    """Return the key a header cell is compared on: NFKC, no whitespace, no '※'."""
    return normalize_name(value).replace("※", "")
