"""An uploaded sheet is measured before it is parsed: a million rows, a thousand columns or a zip
part that inflates without end is refused with a Japanese message, in little memory and time."""

import io
import tracemalloc
import zipfile

import pytest

from reviews.sheets.workbook.reader import Limits, read_sheet
from tests.reviews.sheets.workbook.conftest import write_bytes

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="入力表" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def hand_made_xlsx(rows) -> bytes:
    """A minimal .xlsx whose one worksheet holds ``rows`` (an iterable of XML strings), written
    the way a clerk's Excel would: the dimension claims the whole sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        b'<dimension ref="A1:XFD1048576"/><sheetData>')
            for row in rows:
                sheet.write(row.encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def million_rows() -> bytes:
    return hand_made_xlsx(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>行{n}</t></is></c></row>'
                          for n in range(1, 1_000_001))


@pytest.fixture(scope="module")
def million_row_sheet() -> bytes:
    return million_rows()


def test_a_million_row_sheet_is_refused_before_it_is_parsed_in_little_memory(million_row_sheet):
    tracemalloc.start()
    try:
        result = read_sheet(million_row_sheet, filename="百万行.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.ok and len(result.errors) == 1
    assert "値の入った行が 20,000 行を超えています" in result.errors[0].message
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB"  # openpyxl took 0.94 GB


def test_a_sheet_with_values_past_the_hundredth_column_is_refused():
    data = hand_made_xlsx(['<row r="1"><c r="CW1"><v>1</v></c></row>'])  # CW is column 101
    result = read_sheet(data, filename="横長.xlsx")
    assert "値の入った列が 100 列を超えています" in result.errors[0].message


def test_whole_columns_formatted_without_values_are_not_counted():
    # A clerk formatted whole columns: styled empty cells on many rows, and the real table.
    data = hand_made_xlsx(f'<row r="{n}"><c r="A{n}" s="1"/><c r="XFD{n}" s="1"/></row>' for n in range(1, 30_001))
    result = read_sheet(data, filename="書式だけ.xlsx", limits=Limits(rows=10))
    assert not any("大きすぎ" in e.message for e in result.errors)


def test_a_part_that_inflates_past_its_bound_is_refused():
    data = hand_made_xlsx(['<row r="1"><c r="A1"><v>1</v></c></row>', " " * (3 * 1024 * 1024)])
    result = read_sheet(data, filename="膨らむ.xlsx", limits=Limits(member_bytes=1024 * 1024))
    assert "展開すると 1MB を超える部分があります" in result.errors[0].message


def test_the_limits_leave_a_real_sheet_alone(seed_doc):
    assert read_sheet(write_bytes(seed_doc), limits=Limits(rows=100, columns=10)).ok


def zip_of(parts: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def worksheet(rows: int, cells: str = '<c r="A{n}"><v>1</v></c>') -> str:
    body = "".join(f'<row r="{n}">{cells.format(n=n)}</row>' for n in range(1, rows + 1))
    return f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>'


BASE = {"_rels/.rels": RELS, "xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": WORKBOOK_RELS}


def test_a_padded_content_types_part_is_not_read_in_full():
    data = zip_of({"[Content_Types].xml": CONTENT_TYPES + " " * (5 * 1024 * 1024), **BASE,
                   "xl/worksheets/sheet1.xml": worksheet(1)})
    tracemalloc.start()
    try:
        result = read_sheet(data, filename="a.xlsx", limits=Limits(member_bytes=1024 * 1024))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not result.ok and peak < 4 * 1024 * 1024


@pytest.mark.parametrize("path", ["xl/other/s1.xml", "xl/worksheets/sheet1.XML", "xl/sharedStrings2.xml"])
def test_a_worksheet_anywhere_in_the_file_is_counted(path):
    data = zip_of({"[Content_Types].xml": CONTENT_TYPES, **BASE, path: worksheet(30)})
    assert "行を超えています" in read_sheet(data, filename="a.xlsx", limits=Limits(rows=10)).errors[0].message


def test_a_comment_naming_another_part_cannot_hide_a_worksheet():
    sheet = '<?xml version="1.0"?><!-- <sst --><!-- padding -->' + worksheet(30)
    data = zip_of({"[Content_Types].xml": CONTENT_TYPES, **BASE, "xl/worksheets/sheet1.xml": sheet})
    assert "行を超えています" in read_sheet(data, filename="a.xlsx", limits=Limits(rows=10)).errors[0].message


def test_cells_without_a_reference_or_out_of_order_still_count_their_columns():
    no_refs = worksheet(1, "".join("<c><v>1</v></c>" for _ in range(200)))
    out_of_order = worksheet(1, '<c r="ZZ{n}"><v>1</v></c><c r="A{n}"><v>1</v></c>')
    for sheet in (no_refs, out_of_order):
        data = zip_of({"[Content_Types].xml": CONTENT_TYPES, **BASE, "xl/worksheets/sheet1.xml": sheet})
        assert "列を超えています" in read_sheet(data, filename="a.xlsx").errors[0].message


def test_rows_are_counted_over_all_the_worksheets_together():
    parts = {f"xl/worksheets/sheet{i}.xml": worksheet(8) for i in range(1, 5)}
    data = zip_of({"[Content_Types].xml": CONTENT_TYPES, **BASE, **parts})
    assert "行を超えています" in read_sheet(data, filename="a.xlsx", limits=Limits(rows=20)).errors[0].message


def test_all_the_parts_together_are_bounded_too():
    parts = {f"xl/media/image{i}.png": b"\0" * (600 * 1024) for i in range(4)}
    data = zip_of({"[Content_Types].xml": CONTENT_TYPES, **BASE, "xl/worksheets/sheet1.xml": worksheet(1), **parts})
    result = read_sheet(data, filename="a.xlsx", limits=Limits(member_bytes=1024 * 1024, total_bytes=2 * 1024 * 1024))
    assert "合計 2MB を超えます" in result.errors[0].message
