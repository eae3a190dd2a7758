"""The writer writes the table's rows itself, for speed: byte for byte what openpyxl's own save writes."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl.comments import Comment

from reviews.sheets.workbook import writer
from reviews.sheets.workbook.document import SheetDocument, SheetGoal, SheetPolicy, SheetProject
from tests.reviews.sheets.workbook.make_golden import seed_document


def parts(data: bytes) -> dict[str, bytes]:
    """Every part of the file, the document's created and modified times left out."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\1", archive.read(name))
                for name in archive.namelist()}


def openpyxl_save(doc: SheetDocument, with_memo: bool) -> bytes:
    """The same workbook as write_sheet builds, saved by openpyxl itself."""
    built = writer._Writer(doc, with_memo)
    built.build()
    buffer = io.BytesIO()
    built.wb.save(buffer)
    return buffer.getvalue()


def fast_save(doc: SheetDocument, with_memo: bool) -> bytes:
    buffer = io.BytesIO()
    writer.write_sheet(doc, buffer, with_memo=with_memo)
    return buffer.getvalue()


def awkward_document() -> SheetDocument:
    """Texts that XML and openpyxl treat specially: markup characters, quotes, blanks at either
    end (xml:space), line breaks, formula and error look-alikes, control characters, a text past
    Excel's cell limit, empty texts and a draft without a letter."""
    texts = [
        "<b>太字</b> & \"引用\" 'single' > <", "  前に空白", "後ろに空白  ", "\n改行で始まる", "改行\r\nCRLF\n",
        "=SUM(A1:A2)", "#N/A", "+1", "-1", "@x", "制御\x07文字\x1b", "\u202e逆向き", "長い" * 20000, " ", "",
    ]
    projects = [
        SheetProject(name=f"事業{n}{text[:10]}", status="ABCD"[n % 4] if n % 5 else "", category="継続",
                     description=text, implementation=text, evaluation=texts[-n], future_policy=text[::-1],
                     departments=["商工観光課", "青少年課（児童センター）"][: 1 + n % 2], memo=text,
                     entry_id=n if n % 3 else None, entry_version=n if n % 2 else None)
        for n, text in enumerate(texts, start=1)
    ]
    return SheetDocument(
        title="入間市 実施事業評価等入力表 <&>", document_label="資料1",
        legend_paragraphs=["凡例 <A>", " 空白で始まる凡例"], implementation_heading="令和元、2年度の実施内容",
        goals=[SheetGoal(1, "目標 & 課題", "ラベル", [SheetPolicy("施策 <1>", projects[:8]),
                                                      SheetPolicy("  施策2", projects[8:])])],
        sheet_name="入力表", download_stamp="stamp:<&>",
    )


@pytest.mark.parametrize("with_memo", [False, True])
@pytest.mark.parametrize("make", [seed_document, awkward_document], ids=["seed", "awkward"])
def test_the_sheet_is_saved_byte_for_byte_as_openpyxl_saves_it(make, with_memo, monkeypatch):
    left_to_openpyxl = []
    monkeypatch.setattr(writer, "write_cell", lambda *args: left_to_openpyxl.append(args))
    fast = parts(fast_save(make(), with_memo))
    assert not left_to_openpyxl  # every cell of the sheet went the fast way
    monkeypatch.undo()
    assert fast == parts(openpyxl_save(make(), with_memo))


def test_a_row_with_anything_but_text_cells_is_left_to_openpyxl(monkeypatch):
    """A number, or a cell with a comment, goes through openpyxl's own cell writer."""
    def build_with_extras(self):
        original_build(self)
        self.ws.cell(1, 12, 42)
        self.ws.cell(2, 12, "注記").comment = Comment("メモ", "企画課")

    original_build = writer._Writer.build
    monkeypatch.setattr(writer._Writer, "build", build_with_extras)
    doc = seed_document()
    fast, plain = parts(fast_save(doc, False)), parts(openpyxl_save(doc, False))
    assert fast == plain
    assert b'<c r="L1" t="n"><v>42</v></c>' in fast["xl/worksheets/sheet1.xml"]
