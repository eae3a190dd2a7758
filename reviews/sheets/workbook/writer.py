"""Write the official 実施事業評価等入力表 (.xlsx) from a SheetDocument, to any binary stream."""

from __future__ import annotations

import datetime
import re
from typing import BinaryIO
from xml.etree.ElementTree import _escape_attrib, _escape_cdata  # what et_xmlfile writes with
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.custom import StringProperty
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.writer.excel import ExcelWriter

from projects.text import strip_unsafe

from . import layout
from .document import SheetDocument, SheetProject

_LAST = layout.VISIBLE_COLUMN_COUNT
_WIDTH = {c.field: c.width for c in layout.COLUMNS}
_SHEET_NAME_BAD_RE = re.compile(r"[\[\]:*?/\\]")


def write_sheet(doc: SheetDocument, stream: BinaryIO, *, with_memo: bool = False) -> None:
    """Write `doc` as the official sheet (.xlsx) to a binary stream (a file or BytesIO).

    The memo column stays blank, as on the printed 資料, unless `with_memo` is set (an internal export
    for the planning division). Every text is stored as a string, never as a formula, and the hidden
    column J carries `entry_id:entry_version` for rows that have an entry. Raises nothing of its own;
    control characters are dropped and text past Excel's cell limit is cut by openpyxl.
    """
    writer = _Writer(doc, with_memo, share_styles=True)
    writer.build()
    _save(writer.wb, stream)


def add_sheet(wb: Workbook, doc: SheetDocument) -> None:
    """Add `doc` as the official sheet (without the memo) to a workbook of several sheets, such as
    the committee packet; the same cells, styles and print setup as a sheet of its own."""
    _Writer(doc, with_memo=False, wb=wb).build()


class _Writer:
    def __init__(self, doc: SheetDocument, with_memo: bool, wb: Workbook | None = None,
                 share_styles: bool = False) -> None:
        self.doc = doc
        self.with_memo = with_memo
        # The cells of one style may share its style array (a tenth of a big sheet's memory) only
        # in a workbook nobody else gets: openpyxl changes a cell's array in place when a font or a
        # border is set on it, which would then restyle every cell of that style.
        self.share_styles = share_styles
        if wb is None:
            self.wb = Workbook()
            self.ws = self.wb.active
        else:
            self.wb = wb
            self.ws = wb.create_sheet()
        self.ws.title = _sheet_title(doc.sheet_name)
        self.heights = self.ws.row_dimensions
        self.row = 0  # the last row appended
        # ws.merge_cells() checks every earlier range and rebuilds borders cell by cell (quadratic);
        # bands are styled across A..I instead and their ranges registered once at the end.
        self.merges: list[str] = []
        # Each named style is resolved once; new cells then start from its style array, which is
        # what `cell.style = name` ends with after two list scans per cell.
        self.styles = {}
        present = set(self.wb.named_styles)
        for style in layout.named_styles():
            if style.name not in present:
                self.wb.add_named_style(style)
            probe = Cell(self.ws)  # not placed in the sheet
            probe.style = style.name
            self.styles[style.name] = probe._style

    def build(self) -> None:
        ws, doc = self.ws, self.doc
        if doc.download_stamp:
            self.wb.custom_doc_props.append(StringProperty(name=layout.DOWNLOAD_STAMP_PROPERTY,
                                                           value=doc.download_stamp))
        for i, column in enumerate(layout.COLUMNS, start=1):
            ws.column_dimensions[_letter(i)].width = column.width
        ref_dimension = ws.column_dimensions[_letter(layout.ENTRY_REF_COLUMN)]
        ref_dimension.width = layout.ENTRY_REF_WIDTH
        ref_dimension.hidden = True

        # Title across A..H with 資料1 in the top right corner (I).
        title = [self.text(doc.title, layout.STYLE_TITLE)] + [None] * (_LAST - 2)
        title.append(self.text(doc.document_label, layout.STYLE_LABEL) if doc.document_label else None)
        self.append(title, layout.row_height(1, layout.TITLE_FONT_SIZE))
        assert self.row == layout.TITLE_ROW
        self.merges.append(f"A{self.row}:{_letter(_LAST - 1)}{self.row}")

        for paragraph in doc.legend_paragraphs:
            self.band(paragraph, layout.STYLE_LEGEND)

        labels = layout.header_labels(doc.implementation_heading)
        header = [self.text(label, layout.STYLE_HEADER) for label in labels]
        header.append(self.text(layout.ENTRY_REF_HEADER, layout.STYLE_REF))
        lines = max(layout.text_lines(label, c.width) for label, c in zip(labels, layout.COLUMNS, strict=True))
        self.append(header, layout.row_height(lines))
        header_row = self.row
        assert header_row == layout.header_row_for(len(doc.legend_paragraphs))

        for goal in doc.goals:
            self.band(layout.format_goal_band(goal.number, goal.title, goal.project_label), layout.STYLE_GOAL)
            for policy in goal.policies:
                self.band(policy.title, layout.STYLE_POLICY)
                for project in policy.projects:
                    self.project(project)

        # Plain ranges are enough for saving; MergedCellRange would compute every band's borders again.
        ws.merged_cells = MultiCellRange(" ".join(self.merges))
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.print_area = f"A1:{_letter(_LAST)}{self.row}"
        ws.page_setup.paperSize = layout.PAPER_SIZE_A3
        ws.page_setup.orientation = layout.ORIENTATION
        ws.page_setup.fitToWidth = layout.FIT_TO_WIDTH
        ws.page_setup.fitToHeight = layout.FIT_TO_HEIGHT
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if self.with_memo:
            ws.oddHeader.right.text = layout.INTERNAL_PAGE_HEADER
            ws.evenHeader.right.text = layout.INTERNAL_PAGE_HEADER

    def text(self, value: str | None, style: str) -> Cell:
        """Return a new cell holding `value` as plain text (never a formula or an error code)."""
        array = self.styles[style]
        # Control characters recorded before input refused them would make the file unreadable,
        # and bidirectional overrides would show the text in another order than it is stored.
        value = strip_unsafe(value) if value else None
        if self.share_styles:
            cell = Cell(self.ws, value=value)
            cell._style = array
        else:
            cell = Cell(self.ws, value=value, style_array=array)  # Cell() copies the array
        # openpyxl makes '=…' a formula and '#N/A' an error; the sheet only ever holds text.
        if value is not None and cell.data_type != "s":
            cell.data_type = "s"
        return cell

    def append(self, cells: list[Cell | None], height: float) -> None:
        self.ws.append(cells)
        self.row += 1
        self.heights[self.row].height = height

    def band(self, text: str, style: str) -> None:
        """Write a band (legend, goal or policy) in column A, to be merged across A..I."""
        # Every cell of the band carries the style, so the merged band prints with its full border.
        cells = [self.text(text, style)] + [self.text(None, style) for _ in range(_LAST - 1)]
        self.append(cells, layout.row_height(layout.text_lines(text, layout.TOTAL_WIDTH)))
        self.merges.append(f"A{self.row}:{_letter(_LAST)}{self.row}")

    def project(self, project: SheetProject) -> None:
        """Write one project row and give it a height that shows its longest text whole."""
        text, body, text_lines = self.text, layout.STYLE_BODY, layout.text_lines
        values = {
            "name_code": layout.format_name_code(project.name, project.status, project.category),
            "departments": "\n".join(project.departments),
            "memo": project.memo if self.with_memo else "",
        }
        for field in layout.TEXT_FIELDS:
            values[field] = getattr(project, field)
        # Columns A and B (goal, policy) stay empty but bordered, so the table prints as a grid.
        cells = [text(values.get(column.field), body) for column in layout.COLUMNS]
        if project.entry_id is not None:
            ref = layout.format_entry_ref(project.entry_id, project.entry_version)
            cells.append(text(ref, layout.STYLE_REF))
        lines = max((text_lines(value, _WIDTH[field]) for field, value in values.items() if value), default=1)
        self.append(cells, layout.row_height(lines))


def put_text(cell: Cell, value: str) -> None:
    """Store `value` in an existing cell as plain text, as the sheet's own cells are (other
    workbooks in the house style use this: the summaries, the committee packet)."""
    cell.value = strip_unsafe(value) if value else None
    if cell.value is not None and cell.data_type != "s":
        cell.data_type = "s"


def _letter(col: int) -> str:
    return chr(ord("A") + col - 1)  # the sheet never goes past column J


def _sheet_title(name: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\ and not empty."""
    name = _SHEET_NAME_BAD_RE.sub("", name or "").strip()[:31]
    return name or layout.DEFAULT_SHEET_NAME


# Saving ------------------------------------------------------------------------------------------
# openpyxl serialises every cell as an element tree through et_xmlfile, in Python: for a big city's
# 51,000 cells that was half the export. The sheet's rows are plain text cells, so their XML is
# written here as strings, exactly as openpyxl writes them (the golden sheets are compared byte for
# byte, and tests compare a big sheet with openpyxl's own save); anything else in a row (a
# comment, a hyperlink, a number, a formula) and every other part of the file is left to openpyxl.
# openpyxl is pinned (constraints.txt): these follow its 3.1 writer.

_XML_SPACE = ' xml:space="preserve"'


def _save(wb: Workbook, stream: BinaryIO) -> None:
    """Workbook.save(stream), with the rows written by _RowsWriter (openpyxl's save_workbook)."""
    archive = ZipFile(stream, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    _ExcelWriter(wb, archive).save()


class _ExcelWriter(ExcelWriter):
    def write_worksheet(self, ws) -> None:
        """openpyxl's ExcelWriter.write_worksheet with _RowsWriter for a worksheet's writer."""
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _RowsWriter(ws)
        writer.write()
        ws._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()


class _RowsWriter(WorksheetWriter):
    def write_row(self, xf, row: list[Cell], row_idx: int) -> None:
        """One <row> as openpyxl's write_row and etree_write_cell write it, as one string."""
        write = getattr(xf, "_file", None)  # et_xmlfile's writer; lxml's (if installed) has none
        if write is None or any(type(cell) is not Cell or cell._comment is not None or cell._hyperlink is not None
                                for cell in row):
            super().write_row(xf, row, row_idx)
            return
        attrs = {"r": f"{row_idx}"}
        attrs.update(self.ws.row_dimensions.get(row_idx, {}))
        parts = ["<row", *[f' {key}="{_escape_attrib(value)}"' for key, value in attrs.items()], ">"]
        cell_styles = self.ws.parent._cell_styles
        for cell in row:
            value, style = cell._value, cell._style
            styled = bool(style) and any(style)  # Cell.has_style
            if value is None and not styled:
                continue
            data_type = cell.data_type
            plain = value is None or value == "" or (data_type == "s" and type(value) is str)
            if not plain or data_type in ("d", "f"):
                write("".join(parts))
                parts.clear()
                write_cell(xf, self.ws, cell, styled)  # openpyxl's own
                continue
            start = f'<c r="{get_column_letter(cell.column)}{row_idx}"'
            if styled:
                start += f' s="{cell_styles.add(style)}"'
            start += ' t="inlineStr"' if data_type == "s" else f' t="{data_type}"'
            if value is None or value == "":
                parts.append(start + " />")
                continue
            stripped = value.strip()
            space = _XML_SPACE if stripped and value != stripped else ""
            parts.append(f"{start}><is><t{space}>{_escape_cdata(value)}</t></is></c>")
        parts.append("</row>")
        write("".join(parts))

