"""Search text: NFKC and case folding on both sides, so that ｾﾐﾅｰ finds セミナー and ＡＢＣ finds abc,
with each normalised character mapped back to the original text for highlighting.

Pure Python (no Django). Text is normalised in clusters (a character with the combining and
half-width voicing marks after it), because ﾃﾞ becomes デ only when normalised together; within a
cluster every output character maps to the whole cluster.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Marks that NFKC composes with the character before them.
_VOICING = {"\uff9e", "\uff9f", "\u3099", "\u309a", "\u309b", "\u309c"}


def _clusters(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for i, char in enumerate(text):
        if spans and (char in _VOICING or unicodedata.category(char).startswith("M")):
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def fold(text: str) -> str:
    """The form both the stored text and the query are compared in: NFKC, then case folding, of
    the whole text at once (in C; a big sheet folds 2.5 million characters). For Japanese text it
    is what folding cluster by cluster gives (Folded.of, which maps back for highlighting)."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Folded:
    text: str
    spans: list[tuple[int, int]]  # for each character of ``text``, its cluster in the original

    @classmethod
    def of(cls, original: str) -> Folded:
        chars: list[str] = []
        spans: list[tuple[int, int]] = []
        for a, b in _clusters(original):
            piece = unicodedata.normalize("NFKC", original[a:b]).casefold()
            chars.append(piece)
            spans.extend([(a, b)] * len(piece))
        return cls("".join(chars), spans)

    def find(self, terms: list[str]) -> list[tuple[int, int]]:
        """Where the folded ``terms`` occur, as merged (start, end) spans of the original text."""
        found: list[tuple[int, int]] = []
        for term in terms:
            start = self.text.find(term)
            while term and start != -1:
                end = start + len(term)
                found.append((self.spans[start][0], self.spans[end - 1][1]))
                start = self.text.find(term, end)
        merged: list[tuple[int, int]] = []
        for a, b in sorted(found):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        return merged


def terms_of(query: str) -> list[str]:
    """The words of a query (split on any space, full-width included), each folded."""
    return [t for t in fold(query).split() if t]


@dataclass(frozen=True)
class Piece:
    text: str
    match: bool


def excerpt(original: str, terms: list[str], around: int = 40) -> list[Piece] | None:
    """The original text around its first match with every match marked, or None without one."""
    spans = Folded.of(original).find(terms)
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - around)
    end = min(len(original), spans[0][1] + around * 2)
    pieces: list[Piece] = [Piece("…", False)] if start > 0 else []
    position = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        if a > position:
            pieces.append(Piece(original[position:a], False))
        pieces.append(Piece(original[a:b], True))
        position = b
    if position < end:
        pieces.append(Piece(original[position:end], False))
    if end < len(original):
        pieces.append(Piece("…", False))
    return pieces


def entry_search_text(name: str, description: str, *texts: str, other_names=()) -> str:
    """What an entry is searched by: its project's name and 事業内容 as its round shows them, the
    three texts, and the other names the project has had (renamed before or since); one field per
    line, so that no word is found across two fields. Folded as one text: NFKC and case folding
    leave the line breaks between the fields as they are, and one call a row instead of five
    matters to a 5,000-project load."""
    return fold("\n".join(part or "" for part in (name, description, *texts, *other_names)))


def departments_key(names) -> str:
    """The departments as stored for the filter: |商工観光課|企画課| (matched on |name|)."""
    return "|" + "|".join(names) + "|"
