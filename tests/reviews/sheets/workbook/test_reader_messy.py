"""Messy sheets that people send back read exactly like the clean one."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from projects.text import normalize_name, normalize_text
from reviews.sheets.workbook import layout
from reviews.sheets.workbook.reader import _parse_name_code, read_sheet, split_departments
from tests.reviews.sheets.workbook.conftest import without_rows

MESSY = [
    "messy_letters.xlsx",  # Ａ・継続, b・新規
    "messy_separators.xlsx",  # a space, ・, ･, a full-width space or nothing instead of the line break
    "messy_spaces_crlf.xlsx",  # stray spaces, \r\n, departments split by 、/,/spaces, full-width goal band
    "messy_repeated_header.xlsx",  # the header again mid-sheet (with stray spaces)
    "messy_bands_in_b.xlsx",  # bands in column B, not merged
    "messy_hidden_first_sheet.xlsx",  # a hidden, outdated copy of the table before the real sheet
    "messy_no_title.xlsx",  # no title or legend, 資料１ moved, the table starts in row 2
]


@pytest.mark.parametrize("name", MESSY)
def test_messy_sheet_reads_to_the_same_projects_as_the_clean_sheet(golden, name):
    clean = read_sheet(golden / "clean.xlsx")
    messy = read_sheet(golden / name)
    assert messy.errors == []
    assert without_rows(messy.document.goals) == without_rows(clean.document.goals)
    assert messy.document.implementation_heading == "平成28、29年度の実施内容"


def test_the_hidden_first_sheet_is_skipped_for_the_first_visible_matching_one(golden):
    doc = read_sheet(golden / "messy_hidden_first_sheet.xlsx").document
    assert doc.sheet_name == "入力表"
    assert {p.status for p in doc.projects()} != {"D"}


def test_title_label_and_legend_are_read_from_above_the_header(golden, small_doc):
    doc = read_sheet(golden / "clean.xlsx").document
    assert (doc.title, doc.document_label) == (small_doc.title, "資料1")
    assert doc.legend_paragraphs == small_doc.legend_paragraphs
    moved = read_sheet(golden / "messy_no_title.xlsx").document
    assert (moved.title, moved.document_label, moved.legend_paragraphs) == ("", "資料１", [])


@pytest.mark.parametrize("cell, expected", [
    ("女性就労情報提供・支援事業\nA・継続", ("女性就労情報提供・支援事業", "A", "継続")),
    ("女性就労情報提供・支援事業 A・継続", ("女性就労情報提供・支援事業", "A", "継続")),
    ("女性就労情報提供・支援事業・A・継続", ("女性就労情報提供・支援事業", "A", "継続")),
    ("女性就労情報提供・支援事業A・継続", ("女性就労情報提供・支援事業", "A", "継続")),
    ("女性就労情報提供・支援事業\u3000Ａ・継続", ("女性就労情報提供・支援事業", "A", "継続")),
    ("地産地消飲食店支援事業\nd・新規", ("地産地消飲食店支援事業", "D", "新規")),
    ("事業\nＣ･新規", ("事業", "C", "新規")),
    ("事業\nB·継続", ("事業", "B", "継続")),
    ("事業\nB‧継続", ("事業", "B", "継続")),
    ("事業 B 継続", ("事業", "B", "継続")),
    ("事業\nB継続", ("事業", "B", "継続")),
    (" 産前産後ケア事業・訪問型 \n A ・ 新規 ", ("産前産後ケア事業・訪問型", "A", "新規")),
    ("西武鉄道とのタイアップPR（沿線プロモーション）\nC・新規", ("西武鉄道とのタイアップPR（沿線プロモーション）", "C", "新規")),
    ("ICT活用事業ICT\n継続", ("ICT活用事業ICT", "", "継続")),  # a draft: a name ending in a letter keeps it
    ("女性就労情報提供・支援事業\n継続", ("女性就労情報提供・支援事業", "", "継続")),
])
def test_name_and_code_are_parsed_from_the_end_of_the_cell(cell, expected):
    name, status, category, problem = _parse_name_code(normalize_text(cell))
    assert problem is None
    assert (name, status, category) == expected


@pytest.mark.parametrize("text, expected", [
    ("1 働きやすいまちをつくる <しごと応援プロジェクト>", (1, "働きやすいまちをつくる", "しごと応援プロジェクト")),
    ("１　働きやすいまちをつくる＜しごと応援プロジェクト＞", (1, "働きやすいまちをつくる", "しごと応援プロジェクト")),
    ("2.ずっと住みたいまちをつくる\n<定住応援プロジェクト>", (2, "ずっと住みたいまちをつくる", "定住応援プロジェクト")),
    ("3 子どもの育ちを支える", (3, "子どもの育ちを支える", "")),
    ("4まちの魅力を活かす<魅力づくりプロジェクト>", (4, "まちの魅力を活かす", "魅力づくりプロジェクト")),
])
def test_a_goal_band_begins_with_its_number_and_may_end_with_a_label(text, expected):
    doc = _read_rows([[text], ["施策"], [None, None, "事業\nA・継続", "", "", "", "", "企画課"]])
    goal = doc.goals[0]
    assert (goal.number, goal.title, goal.project_label) == expected
    assert [p.title for p in goal.policies] == ["施策"]


def test_a_band_without_a_number_is_a_policy_even_with_angle_brackets(small_doc):
    doc = _read_rows([["1 目標 <ラベル>"], ["<小学生>の居場所づくり"], [None, None, "事業\nA・継続"]])
    assert doc.goals[0].policies[0].title == "<小学生>の居場所づくり"


def test_policies_and_goals_repeated_after_a_page_break_are_merged_not_duplicated():
    doc = _read_rows([["1 目標"], ["施策"], [None, None, "事業一\nA・継続"],
                      ["1 目標"], ["施策"], [None, None, "事業二\nB・新規"]])
    assert len(doc.goals) == 1 and len(doc.goals[0].policies) == 1
    assert [p.name for p in doc.projects()] == ["事業一", "事業二"]


@pytest.mark.parametrize("cell, expected", [
    ("都市計画課\n企画課", ["都市計画課", "企画課"]),
    ("都市計画課 企画課", ["都市計画課", "企画課"]),
    ("都市計画課\u3000企画課", ["都市計画課", "企画課"]),
    ("都市計画課、企画課", ["都市計画課", "企画課"]),
    ("都市計画課,企画課", ["都市計画課", "企画課"]),
    (" 青少年課（児童センター） \r\n", ["青少年課（児童センター）"]),
    ("", []),
])
def test_departments_split_on_line_breaks_spaces_and_commas(cell, expected):
    assert split_departments(normalize_text(cell)) == expected


def test_normalize_name_ignores_width_and_whitespace():
    assert normalize_name(" ブックスタート　事業\r\n") == normalize_name("ブックスタート事業")
    assert normalize_name("ＩＣＴ活用") == "ICT活用"
    assert normalize_name("狭山茶ショップ (金子駅周辺狭 山茶") == "狭山茶ショップ(金子駅周辺狭山茶"


def test_inner_text_is_kept_as_written_while_crlf_and_surrounding_space_go():
    doc = _read_rows([["1 目標"], ["施策"], [None, None, "事業\nA・継続", " 一行目\r\n 二行目 \r\n"]])
    assert doc.projects()[0].description == "一行目\n 二行目"


def test_a_header_without_the_note_mark_and_with_spaces_still_matches():
    header = ["基本 目標", "基本施策", "事業名", "事業内容", "令和元年度の実施内容",
              "担当課による実施内容に対する評価、\n今後実施する上での課題等", "担当課の今後の方針", "担当課", "メモ"]
    doc = _read_rows([["1 目標"], ["施策"], [None, None, "事業\nA・継続"]], header=header)
    assert doc.implementation_heading == "令和元年度の実施内容"


def test_a_table_shifted_one_column_right_is_read_from_its_header():
    rows = [[None, *r] for r in ([["1 目標"], ["施策"], [None, None, "事業\nA・継続", "内容"]])]
    doc = _read_rows(rows, header=[None, *layout.header_labels("実施内容")])
    assert doc.projects()[0].description == "内容"


def test_a_sheet_without_a_memo_column_reads_the_reference_after_departments():
    header = layout.header_labels("実施内容")[:8]
    doc = _read_rows([["1 目標"], ["施策"], [None, None, "事業\nA・継続", "", "", "", "", "企画課", "7:2"]],
                     header=header)
    assert (doc.projects()[0].entry_id, doc.projects()[0].entry_version) == (7, 2)


def test_entry_reference_without_version_is_tolerated():
    doc = _read_rows([["1 目標"], ["施策"], [None, None, "事業\nA・継続", "", "", "", "", "企画課", "", " 12 "]])
    assert (doc.projects()[0].entry_id, doc.projects()[0].entry_version) == (12, None)


def test_numbers_and_dates_in_text_cells_are_read_as_text():
    import datetime

    doc = _read_rows([["1 目標"], ["施策"],
                      [None, None, "事業\nA・継続", 100, 2.5, datetime.datetime(2018, 3, 31), 3.0, "企画課"]])
    p = doc.projects()[0]
    assert (p.description, p.implementation, p.evaluation, p.future_policy) == ("100", "2.5", "2018-03-31", "3")


def _read_rows(rows, *, header=None):
    """Read a minimal sheet: a header row then `rows`; asserts it reads without errors."""
    import io

    wb = Workbook()
    ws = wb.active
    ws.append(header or layout.header_labels("実施内容"))
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    result = read_sheet(buffer)
    assert result.errors == []
    return result.document


def test_a_department_cell_merged_down_over_two_projects_counts_for_both():
    import io

    wb = Workbook()
    ws = wb.active
    ws.append(layout.header_labels("実施内容"))
    # Goal and policy merged down columns A and B beside their projects stay one goal, one policy.
    for row in (["1 目標", "施策", "事業一\nA・継続", "", "", "", "", "企画課"], [None, None, "事業二\nB・新規"]):
        ws.append(row)
    for cells in ("A2:A3", "B2:B3", "H2:H3"):
        ws.merge_cells(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    result = read_sheet(buffer)
    assert result.errors == []
    assert [p.departments for p in result.document.projects()] == [["企画課"], ["企画課"]]


def test_a_stray_cell_far_below_the_table_does_not_make_a_million_rows(golden):
    import io
    import time

    from openpyxl import load_workbook

    wb = load_workbook(golden / "clean.xlsx")
    wb.active.cell(1_000_000, 30).value = " "
    buffer = io.BytesIO()
    wb.save(buffer)
    started = time.perf_counter()
    result = read_sheet(buffer)
    assert time.perf_counter() - started < 5
    assert result.errors == [] and len(result.document.projects()) == 5
