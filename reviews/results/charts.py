"""Bar charts of A/B/C/D counts, drawn as SVG on the server (templates/reviews/results/_chart.html).

Nothing is loaded from elsewhere, the chart prints as it shows, and colour is never the only
sign: every bar part wide enough carries its letter and number, and each bar ends with all four
counts written out. The page puts a table of the same numbers beside each chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict

from reviews.results.summary import LETTERS, Row, Summary
from reviews.rounds.lists import paginate

# Fill and text colour per letter; each pair has a contrast of at least 4.5:1.
PALETTE = {
    "A": ("#1f4e79", "#ffffff"),
    "B": ("#9dc3e6", "#000000"),
    "C": ("#f4b183", "#000000"),
    "D": ("#7f1d1d", "#ffffff"),
}
LABEL_WIDTH = 190  # the axis labels, left of the bars
BAR_AREA = 420
TEXT_AREA = 170  # "A11・B3・C1・D3" right of each bar
BAR_HEIGHT = 24
ROW_GAP = 10
TOP = 8
MIN_LABELLED = 34  # narrower parts carry no text inside; the counts after the bar still name them


@dataclass
class Part:
    letter: str
    count: int
    x: float
    width: float
    fill: str
    text_fill: str

    @property
    def labelled(self) -> bool:
        return self.width >= MIN_LABELLED

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2


@dataclass
class Bar:
    label: str
    full_label: str
    y: int
    parts: list[Part]
    total: int
    counts_text: str

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5

    @property
    def end_x(self) -> float:
        return LABEL_WIDTH + sum(part.width for part in self.parts) + 6


@dataclass
class Chart:
    id: str
    title: str
    bars: list[Bar]
    width: int
    height: int

    @property
    def label_x(self) -> int:
        return LABEL_WIDTH - 8

    @property
    def axis_x(self) -> int:
        return LABEL_WIDTH


def letter_chart(chart_id: str, title: str, rows: list[Row]) -> Chart:
    """A horizontal bar per row, its length the number of projects counted (the same scale for
    every bar), split into A, B, C and D."""
    largest = max((row.counts.total for row in rows), default=0) or 1
    bars = []
    for i, row in enumerate(rows):
        y = TOP + i * (BAR_HEIGHT + ROW_GAP)
        x = float(LABEL_WIDTH)
        parts = []
        for letter in LETTERS:
            count = row.counts.count(letter)
            if not count:
                continue
            width = BAR_AREA * count / largest
            fill, text_fill = PALETTE[letter]
            parts.append(Part(letter, count, x, width, fill, text_fill))
            x += width
        bars.append(Bar(row.short_label, row.label, y, parts, row.counts.total, row.counts.text))
    height = TOP * 2 + len(rows) * (BAR_HEIGHT + ROW_GAP)
    return Chart(chart_id, title, bars, LABEL_WIDTH + BAR_AREA + TEXT_AREA, height)


def department_page(summary: Summary, params: QueryDict) -> dict:
    """The summary page's departments, 50 a page with their chart (a big city has ~1,000; the
    download and the packet keep them all): the template's ``departments``, ``listing`` and
    ``department_chart``."""
    listing = paginate(summary.departments, params)
    rows = listing.page.object_list
    return {"departments": rows, "listing": listing,
            "department_chart": letter_chart("department-chart", "担当課ごとの実施状況", rows)}
