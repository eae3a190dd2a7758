"""Defective sheets: every error names its sheet, row and column and says how to fix it."""

from __future__ import annotations

import io
import zipfile

import openpyxl.xml
import pytest
from openpyxl import Workbook

from reviews.sheets.workbook import layout
from reviews.sheets.workbook.reader import SheetError, read_sheet
from tests.reviews.sheets.workbook.conftest import write_bytes
from tests.reviews.sheets.workbook.make_golden import defect_files, small_document

_, WHERE = defect_files(small_document())

MESSAGES = {
    "defect_letter_e.xlsx": ["「E」は A・B・C・D"],
    "defect_project_before_goal.xlsx": ["基本目標の行より前"],
    "defect_empty_name.xlsx": ["事業名がありません"],
    "defect_duplicate_project.xlsx": ["同じ事業「女性就労情報提供・支援事業」が 7行目にも"],
    "defect_too_long.xlsx": ["1,001文字", "1,000文字以内"],
    "defect_formula.xlsx": ["数式「=1+1」"],
    "defect_number_in_name.xlsx": ["数値または日付（12345）"],
    "defect_two.xlsx": ["「E」は", "数式"],
    "defect_ole.xlsx": [".xlsx"],
    "defect_text.xlsx": [".xlsx"],
}


@pytest.mark.parametrize("name", sorted(WHERE))
def test_each_defect_gives_an_error_naming_its_row_and_column(golden, name):
    result = read_sheet(golden / name)
    assert result.document is None
    assert [(e.row, e.column) for e in result.errors] == WHERE[name]
    for error, fragment in zip(result.errors, MESSAGES[name], strict=False):
        assert fragment in error.message
    for fragment in MESSAGES[name][len(result.errors):]:
        assert any(fragment in e.message for e in result.errors)


def test_a_sheet_with_two_defects_lists_both_errors(golden):
    errors = read_sheet(golden / "defect_two.xlsx").errors
    assert [str(e)[:17] for e in errors] == ["シート「入力表」 7行目 C列: ", "シート「入力表」 8行目 D列: "]


@pytest.mark.parametrize("name", ["defect_ole.xlsx", "defect_text.xlsx"])
def test_a_file_that_is_not_an_xlsx_gives_one_error_asking_to_save_as_xlsx(golden, name):
    errors = read_sheet(golden / name).errors
    assert len(errors) == 1
    assert errors[0].sheet == "" and errors[0].row is None
    assert "Excel ブック (*.xlsx)" in errors[0].message and "もう一度アップロード" in errors[0].message


def test_an_xls_by_name_is_refused_even_when_it_is_a_zip(small_doc):
    errors = read_sheet(write_bytes(small_doc), filename="入力表.xls").errors
    assert len(errors) == 1 and ".xlsx" in errors[0].message


def test_a_macro_enabled_workbook_is_refused_by_name_and_by_content(small_doc):
    data = write_bytes(small_doc)
    assert "マクロ" in read_sheet(data, filename="入力表.xlsm").errors[0].message
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\0" * 16)
    errors = read_sheet(out.getvalue(), filename="入力表.xlsx").errors
    assert len(errors) == 1 and "マクロ" in errors[0].message


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "こんにちは")
    errors = read_sheet(out.getvalue()).errors
    assert len(errors) == 1 and "Excel ブック（.xlsx）ではありません" in errors[0].message


def test_uploads_are_parsed_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def test_a_sheet_without_the_header_row_says_so():
    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["事業名", "状況"])
    result = read_sheet(_bytes(wb))
    assert result.document is None
    [error] = result.errors
    assert (error.sheet, error.row, error.column) == ("Sheet1", None, None)
    assert "見出し行" in error.message
    assert str(error).startswith("シート「Sheet1」: 見出し行")


def test_a_header_only_on_a_hidden_sheet_does_not_count(small_doc):
    wb = Workbook()
    wb.active.append(layout.header_labels("実施内容"))
    wb.active.sheet_state = "hidden"
    wb.create_sheet("表紙").append(["入力表"])
    wb.active = 1
    assert "見出し行" in read_sheet(_bytes(wb)).errors[0].message


@pytest.mark.parametrize("cell, fragment", [
    ("事業\nA・新設", "区分「新設」は「継続」か「新規」"),
    ("事業\nA", "実施状況と区分（例: A・継続）がありません"),
    ("事業", "実施状況と区分（例: A・継続）がありません"),
    ("事業\nＥ・継続", "実施状況「Ｅ」は A・B・C・D"),
    ("A・継続", "事業名がありません"),
])
def test_a_bad_code_says_what_is_wrong_with_it(cell, fragment):
    [error] = _errors([["1 目標"], ["施策"], [None, None, cell]])
    assert (error.row, error.column) == (4, "C")
    assert fragment in error.message


def test_a_project_before_any_policy_is_an_error():
    [error] = _errors([["1 目標"], [None, None, "事業\nA・継続"]])
    assert (error.row, error.column) == (3, "C") and "基本施策の行より前" in error.message


def test_a_policy_before_any_goal_is_an_error():
    errors = _errors([["施策"], [None, None, "事業\nA・継続"]])
    assert [(e.row, e.column) for e in errors] == [(2, "A"), (3, "C")]


def test_a_goal_number_reused_with_another_title_is_an_error():
    errors = _errors([["1 目標"], ["施策"], [None, None, "事業\nA・継続"], ["1 別の目標"]])
    assert [(e.row, e.column) for e in errors] == [(5, "A")]


def test_the_same_project_spelled_differently_is_a_duplicate():
    errors = _errors([["1 目標"], ["施策"], [None, None, "ＩＣＴ 事業\nA・継続"], [None, None, "ICT事業\nB・継続"]])
    assert [(e.row, e.column) for e in errors] == [(5, "C")]
    assert "4行目にも" in errors[0].message


def test_the_same_name_under_another_policy_is_not_a_duplicate():
    assert _errors([["1 目標"], ["施策一"], [None, None, "事業\nA・継続"],
                    ["施策二"], [None, None, "事業\nA・継続"]]) == []


def test_a_text_over_the_field_limit_names_the_column_and_the_limit():
    long_ = "あ" * (layout.TEXT_LIMIT + 1)
    errors = _errors([["1 目標"], ["施策"], [None, None, "事業\nA・継続", long_, long_, "", "", "", long_]])
    assert [(e.row, e.column) for e in errors] == [(4, "D"), (4, "E"), (4, "I")]
    assert "事業内容が1,001文字" in errors[0].message


def test_a_cell_over_excels_limit_is_an_error():
    wb = _workbook([["1 目標"], ["施策"], [None, None, "事業\nA・継続"]])
    # openpyxl cuts long text when writing a value, so put it in place behind its back.
    cell = wb.active.cell(4, 4)
    cell._value, cell.data_type = "あ" * (layout.EXCEL_CELL_LIMIT + 1), "s"
    [error] = read_sheet(_bytes(wb)).errors
    assert (error.row, error.column) == (4, "D") and "32,767" in error.message


def test_formulas_anywhere_are_errors_even_outside_the_table():
    wb = _workbook([["1 目標"], ["施策"], [None, None, "事業\nA・継続", "=A1", "", "", "", "", "", "", "=B2"]])
    wb.active["L1"] = "=TODAY()"
    errors = read_sheet(_bytes(wb)).errors
    assert [(e.row, e.column) for e in errors] == [(1, "L"), (4, "D"), (4, "K")]


def test_a_date_in_the_name_cell_is_an_error():
    import datetime

    [error] = _errors([["1 目標"], ["施策"], [None, None, datetime.datetime(2018, 4, 1)]])
    assert (error.row, error.column) == (4, "C") and "数値または日付（2018-04-01）" in error.message


def test_a_texts_row_without_a_name_is_an_error_but_an_empty_row_is_not():
    errors = _errors([["1 目標"], ["施策"], [], [None, None, None, None, None, None, None, "企画課"]])
    assert [(e.row, e.column) for e in errors] == [(5, "C")]


def test_a_tampered_hidden_reference_is_an_error():
    [error] = _errors([["1 目標"], ["施策"], [None, None, "事業\nA・継続", "", "", "", "", "", "", "abc"]])
    assert (error.row, error.column) == (4, "J")


def test_every_error_is_reported_not_just_the_first(small_doc):
    for project in small_doc.projects():
        project.status = "E"
    result = read_sheet(write_bytes(small_doc))
    assert [e.row for e in result.errors] == [p.row for p in read_sheet(
        write_bytes(_with_status(small_doc, "A"))).document.projects()]


def test_sheet_error_reads_as_sheet_row_column_and_message():
    assert str(SheetError("入力表", 12, "C", "直してください。")) == "シート「入力表」 12行目 C列: 直してください。"
    assert str(SheetError("", None, None, "保存し直してください。")) == "保存し直してください。"


def _with_status(doc, status):
    for project in doc.projects():
        project.status = status
    return doc


def _workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "入力表"
    ws.append(layout.header_labels("実施内容"))
    for row in rows:
        ws.append(row)
    return wb


def _bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _errors(rows) -> list[SheetError]:
    result = read_sheet(_bytes(_workbook(rows)))
    assert result.document is None or not result.errors
    return result.errors


@pytest.mark.parametrize("ref", ["9" * 5000 + ":1", "121:" + "9" * 5000, "９９:1"])
def test_a_tampered_hidden_id_is_refused_as_unreadable_not_a_server_error(small_doc, ref):
    """int() refuses more than 4,300 digits: the cell is refused before it gets there."""
    for project in small_doc.projects():
        project.entry_id, project.entry_version = 121, 1
    workbook = openpyxl.load_workbook(io.BytesIO(write_bytes(small_doc)))
    sheet = workbook.active
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "121:1")
    cell.value = ref
    out = io.BytesIO()
    workbook.save(out)
    result = read_sheet(out.getvalue(), filename="x.xlsx")
    assert result.document is None
    assert any("非表示の ID 列の値" in e.message and len(e.message) < 300 for e in result.errors)
