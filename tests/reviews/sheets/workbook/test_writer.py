"""The writer's output, reopened with openpyxl: what a planning-division clerk sees and prints."""

from __future__ import annotations

import io
import zipfile

from openpyxl.cell.cell import MergedCell

from reviews.sheets.workbook import layout
from reviews.sheets.workbook.document import SheetGoal, SheetPolicy, SheetProject
from tests.reviews.sheets.workbook.conftest import reopen, write_bytes

HEADER_ROW = 4  # title, two legend paragraphs, header


def test_written_sheet_has_the_title_and_document_label_top_right(seed_doc):
    ws = reopen(seed_doc)
    assert ws["A1"].value == "入間市まち・ひと・しごと創生総合戦略 実施事業評価等入力表"
    assert ws["I1"].value == "資料1"
    assert ws["I1"].alignment.horizontal == "right"
    assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}


def test_legend_paragraphs_sit_between_title_and_header(seed_doc):
    ws = reopen(seed_doc)
    assert [ws["A2"].value, ws["A3"].value] == seed_doc.legend_paragraphs


def test_header_row_has_the_nine_labels_with_the_rounds_own_heading(seed_doc):
    seed_doc.implementation_heading = "令和元、2年度の実施内容"
    ws = reopen(seed_doc)
    assert [c.value for c in ws[HEADER_ROW]][:9] == [
        "基本目標", "基本施策", "事業名※", "事業内容", "令和元、2年度の実施内容",
        "担当課による実施内容に対する評価、今後実施する上での課題等", "担当課の今後の方針", "担当課", "メモ",
    ]


def test_header_row_is_printed_on_every_page_of_an_a3_landscape_sheet_one_page_wide(seed_doc):
    ws = reopen(seed_doc)
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_setup.paperSize == 8  # A3
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)


def test_goal_and_policy_bands_start_in_column_a_and_are_merged_across_a_to_i(seed_doc):
    ws = reopen(seed_doc)
    merged = {str(r) for r in ws.merged_cells.ranges}
    goal_row, policy_row = HEADER_ROW + 1, HEADER_ROW + 2
    assert ws.cell(goal_row, 1).value == "1 働きやすいまちをつくる <しごと応援プロジェクト>"
    assert ws.cell(policy_row, 1).value == "しごとの場を創る・しごと探しを支援する"
    assert {f"A{goal_row}:I{goal_row}", f"A{policy_row}:I{policy_row}"} <= merged
    bands = [c for c in ws["A"] if isinstance(c.value, str) and c.row > HEADER_ROW]
    assert len(bands) == 4 + 10
    assert all(f"A{c.row}:I{c.row}" in merged for c in bands)


def test_every_written_cell_has_the_japanese_font(seed_doc):
    ws = reopen(seed_doc)
    cells = [c for row in ws.iter_rows() for c in row if not isinstance(c, MergedCell)]
    written = [c for c in cells if c.value is not None]
    table = [c for c in cells if c.row >= HEADER_ROW and c.column <= 9]  # empty grid cells too
    assert len(written) > 68 * 6
    assert {c.font.name for c in written + table} == {layout.FONT_NAME}
    assert all(c.alignment.wrap_text for c in table)


def test_name_cell_is_the_name_a_line_break_and_the_code(seed_doc):
    ws = reopen(seed_doc)
    assert ws.cell(HEADER_ROW + 3, 3).value == "女性就労情報提供・支援事業\nA・継続"
    assert ws.cell(HEADER_ROW + 4, 3).value == "女性の再就職・キャリアアップ支援事業\nB・新規"


def test_a_draft_without_a_letter_is_written_with_its_category_only(small_doc):
    small_doc.goals[0].policies[0].projects[0].status = ""
    ws = reopen(small_doc)
    assert ws.cell(HEADER_ROW + 3, 3).value == "女性就労情報提供・支援事業\n継続"


def test_projects_have_texts_and_departments_one_per_line(seed_doc):
    ws = reopen(seed_doc)
    two = next(c.row for c in ws["C"] if isinstance(c.value, str) and c.value.startswith("多世代居住支援事業"))
    assert ws.cell(two, 8).value == "都市計画課\n企画課"
    first = seed_doc.goals[0].policies[0].projects[0]
    assert [ws.cell(HEADER_ROW + 3, c).value for c in (4, 5, 6, 7)] == [
        first.description, first.implementation, first.evaluation, first.future_policy]


def test_hidden_column_j_holds_entry_id_and_version(small_doc):
    small_doc.goals[0].policies[0].projects[1].entry_id = None
    ws = reopen(small_doc)
    assert ws.column_dimensions["J"].hidden is True
    assert ws.cell(HEADER_ROW + 3, 10).value == "101:1"
    assert ws.cell(HEADER_ROW + 4, 10).value is None
    assert ws.cell(HEADER_ROW + 6, 10).value == "103:3"


def test_memo_column_is_blank_unless_the_planning_division_asks_for_it(small_doc):
    small_doc.goals[0].policies[0].projects[0].memo = "内部メモ"
    assert reopen(small_doc).cell(HEADER_ROW + 3, 9).value is None
    assert reopen(small_doc, with_memo=True).cell(HEADER_ROW + 3, 9).value == "内部メモ"


def test_formula_looking_text_is_stored_as_a_string_not_a_formula(small_doc):
    texts = ["=SUM(A1)", "=1+1", "@foo", "+81-4-2964-1111"]
    project = small_doc.goals[0].policies[0].projects[0]
    project.description, project.implementation, project.evaluation, project.future_policy = texts
    project.memo = "#N/A"
    data = write_bytes(small_doc, with_memo=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    cells = [ws.cell(HEADER_ROW + 3, c) for c in (4, 5, 6, 7, 9)]
    assert [c.value for c in cells] == texts + ["#N/A"]
    assert {c.data_type for c in cells} == {"s"}


def test_row_height_grows_with_the_longest_text(small_doc):
    project = small_doc.goals[0].policies[0].projects[0]
    project.description, project.evaluation = "短い。", "長い文章。" * 60
    ws = reopen(small_doc)
    short, long_ = ws.row_dimensions[HEADER_ROW + 4].height, ws.row_dimensions[HEADER_ROW + 3].height
    # 300 full-width characters in a 40-unit column: about 16 lines of 13.5pt.
    assert long_ >= 15 * layout.LINE_HEIGHT_PT > short


def test_text_lines_counts_full_width_characters_twice():
    assert layout.text_lines("あ" * 19, 40) == 1
    assert layout.text_lines("あ" * 20, 40) == 2
    assert layout.text_lines("a" * 39, 40) == 1
    assert layout.text_lines("一\n二\n\n四", 40) == 4


def test_control_characters_are_dropped_rather_than_breaking_the_file(small_doc):
    small_doc.goals[0].policies[0].projects[0].description = "前\x0b後\x01"
    assert reopen(small_doc).cell(HEADER_ROW + 3, 4).value == "前後"


def test_sheet_name_is_taken_from_the_document_and_made_valid(small_doc, tmp_path):
    small_doc.sheet_name = "商工観光課[2017]/提出用"
    path = tmp_path / "out.xlsx"
    with path.open("wb") as f:
        from reviews.sheets.workbook.writer import write_sheet

        write_sheet(small_doc, f)
    from openpyxl import load_workbook

    assert load_workbook(path).active.title == "商工観光課2017提出用"


def test_an_empty_document_still_writes_title_and_header():
    from reviews.sheets.workbook.document import SheetDocument

    doc = SheetDocument(title="t", document_label="", legend_paragraphs=[], implementation_heading="h",
                        goals=[SheetGoal(1, "g", "", [SheetPolicy("p", [SheetProject(
                            "", "", "", "", "", "", "", [])])])])
    ws = reopen(doc)
    assert ws["A2"].value == "基本目標"
    assert ws.print_title_rows == "$2:$2"
    assert ws["A3"].value == "1 g"
    doc.implementation_heading = ""  # column E must still be labelled, or the sheet cannot be read back
    assert reopen(doc)["E2"].value == "実施内容"
