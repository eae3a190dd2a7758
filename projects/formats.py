"""File formats for the admin's flat import and export, as Japanese offices use them, and the one
rule that keeps what users typed inert when a reviewer opens an export in Excel.

Every flat export goes through these formats (FLAT_FORMATS, and settings.EXPORT_FORMATS for any
admin added later): no text ever becomes a live formula, and no control character breaks a file.
"""

import io
import re
from datetime import date, datetime
from decimal import Decimal

import tablib
from import_export.formats import base_formats
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from projects.text import strip_unsafe

# Japanese Excel saves CSV as cp932 (Shift_JIS) unless told otherwise; newer versions offer UTF-8.
CSV_ENCODINGS = ("utf-8-sig", "cp932")

# What Excel (and LibreOffice) read as the start of a formula in a CSV cell (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def decode_japanese_csv(data: bytes) -> str:
    """Decode an uploaded CSV that may be UTF-8 (with or without BOM) or cp932."""
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("CSV の文字コードを読み取れません。UTF-8 か Shift_JIS（cp932）で保存してください。")


def _needs_quote(text: str) -> bool:
    # A text that already starts with the quote before a formula start (or another quote) gets one
    # more, so that the import's removal of exactly one quote gives back what was written.
    return text.startswith(FORMULA_STARTS) or (text.startswith(QUOTE) and text[1:2] in (*FORMULA_STARTS, QUOTE))


def csv_cell(value):
    """A value as it is written into a CSV cell: text without control characters and, when Excel
    would read it as a formula, behind a single quote (shown as text, never evaluated). Numbers,
    dates and empty cells are left alone."""
    if not isinstance(value, str):
        return value
    text = strip_unsafe(value)
    return QUOTE + text if _needs_quote(text) else text


def from_csv_cell(value):
    """Undo csv_cell on import: remove exactly the quote the export added, nothing else."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:2] in (*FORMULA_STARTS, QUOTE):
        return value[1:]
    return value


class JapaneseCSV(base_formats.CSV):
    """CSV that reads UTF-8 or cp932 and is written with a BOM so that Excel shows Japanese."""

    def is_binary(self) -> bool:
        # Read the upload as bytes so that we choose the encoding, not the admin's default.
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = decode_japanese_csv(in_stream)
        dataset = super().create_dataset(in_stream, **kwargs)
        unquoted = tablib.Dataset(headers=dataset.headers)
        for row in dataset:
            unquoted.append([from_csv_cell(value) for value in row])
        return unquoted

    def export_data(self, dataset, **kwargs) -> bytes:
        safe = tablib.Dataset(headers=[csv_cell(h) for h in dataset.headers or []])
        for row in dataset:
            safe.append([csv_cell(value) for value in row])
        return super().export_data(safe, **kwargs).encode("utf-8-sig")


class SafeXLSX(base_formats.XLSX):
    """XLSX where every text is a string cell: a text starting with `=` is shown, never evaluated
    (openpyxl would otherwise store it as a formula), and control characters are left out."""

    def export_data(self, dataset, **kwargs) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Sheet1"
        bold = Font(bold=True)
        wrap = Alignment(wrap_text=True, vertical="top")
        for column, header in enumerate(dataset.headers or [], start=1):
            cell = sheet.cell(1, column)
            _put(cell, header)
            cell.font = bold
        for r, row in enumerate(dataset, start=2):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(r, column)
                _put(cell, value)
                if isinstance(value, str) and "\n" in value:
                    cell.alignment = wrap
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


_WHOLE_NUMBER_RE = re.compile(r"^-?[1-9][0-9]{0,14}$|^0$")


def _put(cell, value) -> None:
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime)):
        cell.value = value
        return
    if isinstance(value, str) and _WHOLE_NUMBER_RE.match(value):
        # The resources render numbers (goal numbers, display orders) as text; Excel would flag
        # them and sort 10 before 2. A whole number is a number cell, never a formula.
        cell.value = int(value)
        return
    cell.value = strip_unsafe(str(value))
    cell.data_type = "s"  # never "f": openpyxl reads a leading "=" as a formula


FLAT_FORMATS = [JapaneseCSV, SafeXLSX]
