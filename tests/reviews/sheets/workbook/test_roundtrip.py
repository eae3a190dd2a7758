"""Write → read gives back the same document: what the planning division sends comes back intact."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from reviews.sheets.workbook import layout
from reviews.sheets.workbook.reader import read_sheet
from tests.reviews.sheets.workbook.conftest import without_rows, write_bytes


def test_seed_round_written_then_read_gives_the_same_document(seed_doc):
    result = read_sheet(io.BytesIO(write_bytes(seed_doc)))
    assert result.errors == []
    expected = replace(seed_doc, sheet_name=layout.DEFAULT_SHEET_NAME)
    assert without_rows(result.document) == without_rows(expected)
    assert [p.name for p in result.document.projects()] == [p.name for p in seed_doc.projects()]
    assert len(result.document.projects()) == 68


def test_read_document_records_the_source_row_of_every_goal_policy_and_project(seed_doc):
    doc = read_sheet(write_bytes(seed_doc)).document
    goal = doc.goals[0]
    assert (goal.row, goal.policies[0].row, goal.policies[0].projects[0].row) == (5, 6, 7)
    rows = [p.row for p in doc.projects()]
    assert rows == sorted(rows) and len(set(rows)) == 68


def test_committed_seed_golden_reads_as_the_seed(seed_doc, golden):
    result = read_sheet(golden / "seed.xlsx")
    assert result.errors == []
    assert without_rows(result.document.goals) == without_rows(seed_doc.goals)


def test_committed_clean_golden_reads_as_the_small_document(small_doc, golden):
    result = read_sheet(golden / "clean.xlsx")
    assert result.ok
    assert without_rows(result.document.goals) == without_rows(small_doc.goals)


@pytest.mark.parametrize("text", ["=SUM(A1)", "=1+1", "@foo", "+81-4-2964-1111", "-1", "#N/A", "=", "'quoted"])
def test_formula_looking_text_survives_write_then_read_as_text(small_doc, text):
    project = small_doc.goals[0].policies[0].projects[0]
    project.description = project.implementation = project.evaluation = project.future_policy = text
    project.memo = text
    result = read_sheet(write_bytes(small_doc, with_memo=True))
    assert result.errors == []
    got = result.document.goals[0].policies[0].projects[0]
    assert [got.description, got.implementation, got.evaluation, got.future_policy, got.memo] == [text] * 5


def test_a_draft_without_a_letter_reads_back_with_an_empty_status(small_doc):
    small_doc.goals[0].policies[0].projects[0].status = ""
    got = read_sheet(write_bytes(small_doc)).document.goals[0].policies[0].projects[0]
    assert (got.name, got.status, got.category) == ("女性就労情報提供・支援事業", "", "継続")


def test_entry_id_and_version_round_trip_and_rows_without_an_entry_have_none(small_doc):
    small_doc.goals[0].policies[0].projects[1].entry_id = None
    projects = read_sheet(write_bytes(small_doc)).document.projects()
    assert [(p.entry_id, p.entry_version) for p in projects] == [
        (101, 1), (None, None), (103, 3), (104, 4), (105, 5)]


def test_memo_comes_back_only_from_an_internal_export(small_doc):
    small_doc.goals[0].policies[0].projects[0].memo = "企画課の内部メモ"
    assert read_sheet(write_bytes(small_doc)).document.projects()[0].memo == ""
    assert read_sheet(write_bytes(small_doc, with_memo=True)).document.projects()[0].memo == "企画課の内部メモ"


def test_texts_at_the_limit_round_trip(small_doc):
    project = small_doc.goals[0].policies[0].projects[0]
    project.evaluation = "あ" * layout.TEXT_LIMIT
    result = read_sheet(write_bytes(small_doc))
    assert result.ok
    assert result.document.projects()[0].evaluation == project.evaluation


def test_a_goal_without_a_project_label_round_trips(small_doc):
    small_doc.goals[0].project_label = ""
    doc = read_sheet(write_bytes(small_doc)).document
    assert (doc.goals[0].number, doc.goals[0].title, doc.goals[0].project_label) == (1, "働きやすいまちをつくる", "")


def test_the_writer_and_reader_share_a_file_on_disk(small_doc, tmp_path):
    from reviews.sheets.workbook.writer import write_sheet

    path = tmp_path / "入力表.xlsx"
    with path.open("wb") as f:
        write_sheet(small_doc, f)
    result = read_sheet(str(path))
    assert result.ok
    assert without_rows(result.document.goals) == without_rows(small_doc.goals)
