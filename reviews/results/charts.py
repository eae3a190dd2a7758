"""Bar charts of A/B/C/D counts, drawn as SVG on the server, and the table of the same numbers
that the page puts beside each chart (templates: ``{% load results %}``, ``{% letter_chart %}``
and ``{% letter_table %}``).

Nothing is loaded from elsewhere, the chart prints as it shows, and colour is never the only
sign: every bar part wide enough carries its letter and number, and each bar ends with all four
counts written out.

Both are written here rather than in a template: a big city's summary page has some 300 bars and
rows, and the template language's 5,000 variables cost more than the rest of the page. Every text
is escaped and every number formatted as a number, so what people typed (a department's or a
policy's name) stays text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape  # Django's escape is this one behind a lazy-string wrapper, which cost more here

from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from reviews.results.summary import LETTERS, Counts, Row, Summary
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


def _decimal(value: float) -> str:
    """One decimal, halves up as the template's floatformat did."""
    return f"{math.floor(value * 10 + 0.5) / 10:.1f}"


def chart_svg(chart: Chart) -> SafeString:
    """The chart as inline SVG. Text is escaped; numbers are written with ``:d`` or _decimal, so
    that nothing but a number can reach the markup unescaped."""
    out = [
        f'<svg class="letter-chart" role="img" aria-labelledby="{escape(chart.id)}-title" '
        f'viewBox="0 0 {chart.width:d} {chart.height:d}" width="{chart.width:d}" height="{chart.height:d}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="13">\n'
        f'<title id="{escape(chart.id)}-title">{escape(chart.title)}（同じ数を隣の表に示しています）</title>\n'
        f'<line x1="{chart.axis_x:d}" y1="0" x2="{chart.axis_x:d}" y2="{chart.height:d}" stroke="#000" stroke-width="1"/>\n'
    ]
    for bar in chart.bars:
        counts_text = escape(bar.counts_text)
        out.append(f'<g><title>{escape(bar.full_label)}: {counts_text}（計{bar.total:d}）</title>'
                   f'<text x="{chart.label_x:d}" y="{bar.text_y:d}" text-anchor="end" fill="#1a1a1a">{escape(bar.label)}</text>')
        for part in bar.parts:
            out.append(f'<rect x="{_decimal(part.x)}" y="{bar.y:d}" width="{_decimal(part.width)}" height="{BAR_HEIGHT:d}" '
                       f'fill="{escape(part.fill)}" stroke="#fff" stroke-width="1"/>')
            if part.labelled:
                out.append(f'<text x="{_decimal(part.text_x)}" y="{bar.text_y:d}" text-anchor="middle" '
                           f'fill="{escape(part.text_fill)}" font-weight="bold">{escape(part.letter)}{part.count:d}</text>')
        out.append(f'<text x="{_decimal(bar.end_x)}" y="{bar.text_y:d}" fill="#1a1a1a">{counts_text}</text></g>\n')
    out.append("</svg>")
    return mark_safe("".join(out))  # every value above is escaped or a formatted number


def _cells(counts: Counts) -> str:
    return "".join(f'<td class="number">{count:d}<span class="share">（{share:d}%）</span></td>'
                   for _, count, share in counts.cells)


def letter_table(caption: str, row_heading: str, rows: list[Row], total: Counts | None = None,
                 policy_goal: bool = False) -> SafeString:
    """Count and share of each letter per row, and the total when given (a project counts once
    there). ``policy_goal`` adds each policy's goal in a first column. Escaped as chart_svg is."""
    out = [f'<table class="letter-table">\n<caption>{escape(caption)}</caption>\n<thead><tr>'
           + ('<th scope="col">基本目標</th>' if policy_goal else "")
           + f'<th scope="col">{escape(row_heading)}</th><th scope="col">A</th><th scope="col">B</th>'
           '<th scope="col">C</th><th scope="col">D</th><th scope="col">計</th></tr></thead>\n<tbody>\n']
    for row in rows:
        goal = f"<td>基本目標{row.key[0]:d}</td>" if policy_goal else ""
        out.append(f'<tr>{goal}<th scope="row">{escape(row.label)}</th>{_cells(row.counts)}'
                   f'<td class="number">{row.counts.total:d}</td></tr>\n')
    if not rows:
        out.append(f'<tr><td colspan="{7 if policy_goal else 6}">数えられる評価はまだありません。</td></tr>\n')
    out.append("</tbody>\n")
    if total is not None:
        out.append(f'<tfoot><tr>{"<td></td>" if policy_goal else ""}<th scope="row">全体（1事業は1回だけ数えます）</th>'
                   f'{_cells(total)}<td class="number">{total.total:d}</td></tr></tfoot>\n')
    out.append("</table>")
    return mark_safe("".join(out))  # every value above is escaped or a formatted number


def department_page(summary: Summary, params: QueryDict) -> dict:
    """The summary page's departments, 50 a page with their chart (a big city has ~1,000; the
    download and the packet keep them all): the template's ``departments``, ``listing`` and
    ``department_chart``."""
    listing = paginate(summary.departments, params)
    rows = listing.page.object_list
    return {"departments": rows, "listing": listing,
            "department_chart": letter_chart("department-chart", "担当課ごとの実施状況", rows)}
