"""A round's summary as an xlsx workbook in the house style of the official sheet: its fonts,
bands, header cells and A3 landscape page, one worksheet per table.

Every text users could have typed (policy titles, department and project names) goes in as plain
text, never as a formula (reviews.sheets.workbook.writer.put_text).
"""

import io

from django.http import FileResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from reviews.results.summary import LETTERS, Row, Summary
from reviews.sheets.export import XLSX_TYPE
from reviews.sheets.workbook import layout
from reviews.sheets.workbook.writer import put_text

PERCENT_FORMAT = "0%"


def summary_title(summary: Summary) -> str:
    label = "（暫定）" if summary.provisional else ""
    return f"{summary.round.strategy_name} 実施状況の集計 {summary.round.title}{label}"


def add_styles(wb: Workbook) -> None:
    """The official sheet's named styles, once per workbook."""
    present = set(wb.named_styles)
    for style in layout.named_styles():
        if style.name not in present:
            wb.add_named_style(style)


class HouseSheet:
    """One worksheet written row by row in the house style."""

    def __init__(self, wb: Workbook, title: str, widths: list[float]) -> None:
        self.ws: Worksheet = wb.create_sheet(title)
        self.row = 0
        self.last_column = len(widths)
        for i, width in enumerate(widths, start=1):
            self.ws.column_dimensions[chr(ord("A") + i - 1)].width = width
        ws = self.ws
        ws.page_setup.paperSize = layout.PAPER_SIZE_A3
        ws.page_setup.orientation = layout.ORIENTATION
        ws.page_setup.fitToWidth = layout.FIT_TO_WIDTH
        ws.page_setup.fitToHeight = layout.FIT_TO_HEIGHT
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    def put(self, column: int, value, style: str, number_format: str = "") -> None:
        cell = self.ws.cell(row=self.row, column=column)
        cell.style = style
        if isinstance(value, str):
            put_text(cell, value)
        else:
            cell.value = value
        if number_format:
            cell.number_format = number_format

    def line(self, text: str, style: str = layout.STYLE_LEGEND) -> None:
        """A band across the sheet's width (a title, a sentence, a note)."""
        self.row += 1
        self.put(1, text, style)
        for column in range(2, self.last_column + 1):
            self.put(column, None, style)
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=self.last_column)
        width = sum(self.ws.column_dimensions[chr(ord("A") + i)].width for i in range(self.last_column))
        self.ws.row_dimensions[self.row].height = layout.row_height(layout.text_lines(text, width))

    def title(self, text: str) -> None:
        self.row += 1
        self.put(1, text, layout.STYLE_TITLE)
        self.ws.row_dimensions[self.row].height = layout.row_height(1, layout.TITLE_FONT_SIZE)

    def header(self, labels: list[str]) -> None:
        self.row += 1
        for column, label in enumerate(labels, start=1):
            self.put(column, label, layout.STYLE_HEADER)
        self.ws.row_dimensions[self.row].height = layout.row_height(2)

    def values(self, values: list) -> None:
        self.row += 1
        for column, value in enumerate(values, start=1):
            is_share = isinstance(value, float)
            self.put(column, value, layout.STYLE_BODY, PERCENT_FORMAT if is_share else "")
        lines = max((layout.text_lines(v, 30) for v in values if isinstance(v, str)), default=1)
        self.ws.row_dimensions[self.row].height = layout.row_height(lines)


def _letter_headers() -> list[str]:
    headers = []
    for letter in LETTERS:
        headers += [f"{letter}（事業数）", f"{letter}（割合）"]
    return [*headers, "計"]


def _letter_values(row: Row) -> list:
    values: list = []
    for _letter, count, share in row.counts.cells:
        values += [count, share / 100]
    return [*values, row.counts.total]


LETTER_WIDTHS = [10.0] * 8 + [8.0]


def add_summary_sheets(wb: Workbook, summary: Summary) -> None:
    """Add the summary's worksheets (概要, by goal, by policy, by department, the change) to `wb`."""
    add_styles(wb)
    overview = HouseSheet(wb, "集計の概要", [40.0, *LETTER_WIDTHS])
    overview.title(summary_title(summary))
    for sentence in summary.sentences:
        overview.line(sentence)
    overview.header(["", *_letter_headers()])
    overview.values(["全体", *_letter_values(Row((), "全体", "全体", summary.total))])

    goals = HouseSheet(wb, "基本目標別", [40.0, *LETTER_WIDTHS])
    goals.title(f"基本目標ごとの実施状況 {summary.round.title}")
    goals.header(["基本目標", *_letter_headers()])
    for row in summary.goals:
        goals.values([row.label, *_letter_values(row)])

    policies = HouseSheet(wb, "基本施策別", [12.0, 40.0, *LETTER_WIDTHS])
    policies.title(f"基本施策ごとの実施状況 {summary.round.title}")
    policies.header(["基本目標", "基本施策", *_letter_headers()])
    for row in summary.policies:
        policies.values([f"基本目標{row.key[0]}", row.label, *_letter_values(row)])

    departments = HouseSheet(wb, "担当課別", [30.0, *LETTER_WIDTHS])
    departments.title(f"担当課ごとの実施状況 {summary.round.title}")
    if summary.shared_projects:
        departments.line(department_note(summary))
    departments.header(["担当課", *_letter_headers()])
    for row in summary.departments:
        departments.values([row.label, *_letter_values(row)])

    change = summary.change
    if change is not None:
        sheet = HouseSheet(wb, "前回との比較", [40.0, 12.0, 10.0, 10.0])
        sheet.title(f"前回（{change.previous.title}）との比較")
        for heading, movements in (("実施状況が上がった事業", change.rose), ("実施状況が下がった事業", change.fell)):
            sheet.line(f"{heading}（{len(movements)}事業）", layout.STYLE_GOAL)
            sheet.header(["事業名", "基本目標", "前回", "今回"])
            for m in movements:
                sheet.values([m.project_name, f"基本目標{m.goal_number}", m.before, m.after])
        for heading, names in (("今回から評価の対象になった事業", change.new),
                               ("前回は対象で今回は対象でない事業", change.retired)):
            sheet.line(f"{heading}（{len(names)}事業）", layout.STYLE_GOAL)
            for name in names:
                sheet.values([name])


def department_note(summary: Summary) -> str:
    return (
        f"複数の課が担当する事業（{summary.shared_projects}事業）は、担当するそれぞれの課に数えています。"
        f"このため課ごとの事業数の合計（{summary.department_count_total}）は、"
        f"全体の事業数（{summary.total.total}）より多くなります。"
    )


def summary_filename(summary: Summary) -> str:
    suffix = "_暫定" if summary.provisional else ""
    return f"{summary.round.file_label}_実施状況の集計{suffix}.xlsx"


def summary_response(summary: Summary) -> FileResponse:
    wb = Workbook()
    wb.remove(wb.active)
    add_summary_sheets(wb, summary)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    response = FileResponse(buffer, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, summary_filename(summary))
    return response
