"""What the restructuring changed in loading sheets: the new round is planned before it is
applied, errors name the column where the value was read, one normaliser, one path for every sheet."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from projects.models import Department, Project
from reviews.entries import workflow
from reviews.entries.forms import EntryForm
from reviews.models import Entry, Round, SheetUpload
from reviews.sheets import uploads
from reviews.sheets.export import export_round
from reviews.sheets.loading import import_new_round, import_update
from reviews.sheets.loading.new_round import plan_new_round
from reviews.sheets.workbook.reader import read_sheet
from tests.factories import FILLED
from tests.reviews.sheets.test_sheet_import import database_state, edited_sheet, load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def submitted(round_, name, clerk):
    entry = Entry.objects.get(round=round_, project__name=name)
    entry = workflow.save_draft(entry, by=clerk, version=entry.version, **FILLED)
    return workflow.submit(entry, by=clerk, version=entry.version)


def moved_right(data: bytes) -> bytes:
    """The same sheet with the whole table one column to the right (a clerk inserted a column A)."""
    source = load_workbook(io.BytesIO(data)).active
    target = Workbook()
    sheet = target.active
    sheet.title = source.title
    for row in source.iter_rows():
        for cell in row:
            if cell.value is not None:
                sheet.cell(cell.row, cell.column + 1, cell.value)
    buffer = io.BytesIO()
    target.save(buffer)
    return buffer.getvalue()


def test_changed_a_refused_change_in_column_e_is_reported_in_column_e(open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    submitted(open_round, "企業等誘致事業", staff_a)
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "提出後に書き換え"}}, department=shoko)
    result = import_update(load(data), open_round, by=staff_a, department=shoko)
    assert [(e.column, e.message) for e in result.errors] == [
        ("E", "事業「企業等誘致事業」: 「提出済」の評価は変更できません。変更する場合は企画課に連絡してください。")]


def test_changed_a_table_moved_one_column_right_gets_every_letter_right(open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    submitted(open_round, "企業等誘致事業", staff_a)
    data = moved_right(edited_sheet(open_round, {"企業等誘致事業": {"evaluation": "書き換え"}}, department=shoko))
    result = import_update(load(data), open_round, by=staff_a, department=shoko)
    assert [e.column for e in result.errors] == ["G"]  # 評価 is F on the sheet we wrote, G once moved


def test_changed_a_conflict_names_the_column_of_the_text_that_moved_on_screen(open_round, staff_a, reviewer):
    data = edited_sheet(open_round, {"企業等誘致事業": {"future_policy": "入力表の方針"}})
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    workflow.save_draft(entry, by=staff_a, version=entry.version, future_policy="画面の方針")
    result = import_update(load(data), open_round, by=reviewer)
    assert [e.column for e in result.errors] == ["G"] and "画面「画面の方針」" in result.errors[0].message


def test_a_new_round_is_planned_without_writing_and_applying_creates_what_the_plan_listed(seed):
    data = io.BytesIO()
    export_round(Round.objects.get(fiscal_year=2017), data)
    document = read_sheet(data.getvalue()).document
    document.goals[0].policies[0].projects[0].name = "新しく始めた事業"
    before = database_state()

    plan = plan_new_round(document, fiscal_year=2019, may_create_departments=False, historical=False)
    assert database_state() == before
    assert plan.result.created == ["評価回「令和元年度 実施事業評価」", "事業「新しく始めた事業」"]

    result = import_new_round(document, fiscal_year=2019)
    assert result.applied and result.created == plan.result.created
    assert Project.objects.filter(name="新しく始めた事業").count() == 1
    assert result.round.entries.count() == 68 and result.round.state == Round.State.PREPARING


def test_a_sheet_naming_only_a_sub_unit_creates_its_parent_first(db):
    from reviews.sheets.workbook.document import SheetDocument, SheetGoal, SheetPolicy, SheetProject

    row = SheetProject(name="児童館事業", status="A", category="継続", description="", implementation="実施",
                       evaluation="良い", future_policy="続ける", departments=["こども課（児童館）"])
    document = SheetDocument(title="", document_label="資料1", legend_paragraphs=[], implementation_heading="実施内容",
                             goals=[SheetGoal(1, "目標", "", policies=[SheetPolicy("施策", projects=[row])])])
    result = import_new_round(document, fiscal_year=2017, historical=True)
    assert result.applied
    assert Department.objects.get(name="こども課（児童館）").parent == Department.objects.get(name="こども課")


def test_changed_the_entry_form_and_the_sheet_keep_the_same_words_the_same_way(open_round, staff_a):
    typed = "一行目   \r\n  二行目\u3000\r\n\r\n"
    form = EntryForm({"version": 1, "implementation": typed, "evaluation": "", "future_policy": ""})
    assert form.is_valid()
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    workflow.save_draft(entry, by=staff_a, version=entry.version, **form.texts())
    saved = Entry.objects.get(pk=entry.pk)
    assert saved.implementation == "一行目\n  二行目"
    # The same words typed into the sheet are no change at all.
    shoko = Department.objects.get(name="商工観光課")
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": typed}}, department=shoko)
    assert import_update(load(data), open_round, by=staff_a, department=shoko).changes == []


def test_the_seed_is_loaded_by_the_sheet_loader_and_records_no_upload(seed):
    round_ = Round.objects.get(fiscal_year=2017)
    assert round_.state == Round.State.PUBLISHED and round_.entries.count() == 68
    assert not SheetUpload.objects.exists()
    assert round_.strategy.first_year == 2015 and round_.strategy.last_year == 2019
    assert set(round_.entries.values_list("events__comment", flat=True)) == {"平成29年度の入力表（初期データ）から読み込みました。"}


def test_the_command_records_its_upload_through_the_same_service_as_the_screens(open_round, tmp_path, monkeypatch):
    calls = []
    original = uploads.run
    monkeypatch.setattr(uploads, "run", lambda *a, **k: calls.append(a[0]) or original(*a, **k))
    path = tmp_path / "入力表.xlsx"
    path.write_bytes(edited_sheet(open_round, {"企業等誘致事業": {"implementation": "コマンドから"}}))
    call_command("import_sheet", str(path), "--round", "H30", stdout=io.StringIO())
    assert len(calls) == 1 and calls[0].round == open_round
    upload = SheetUpload.objects.get()
    assert upload.original_name == "入力表.xlsx" and upload.kind == SheetUpload.Kind.UPDATE


def test_the_internal_export_says_naibu_shiryo_where_shiryo_1_stands(open_round, client, reviewer):
    from reviews.sheets.export import sheet_filename

    buffer = io.BytesIO()
    export_round(open_round, buffer, with_memo=True)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet["I1"].value == "内部資料" and sheet.title == "入力表（内部資料）"
    assert "内部資料" in sheet.oddHeader.right.text
    assert "内部資料" in sheet_filename(open_round, with_memo=True)
    committee = io.BytesIO()
    export_round(open_round, committee)
    plain = load_workbook(io.BytesIO(committee.getvalue())).active
    assert plain["I1"].value == "資料1" and "内部資料" not in (plain.oddHeader.right.text or "")
    # The reader takes the marker as the label, never as the title or the strategy's name.
    document = read_sheet(buffer.getvalue()).document
    assert document.document_label == "内部資料"
    assert document.title == "入間市まち・ひと・しごと創生総合戦略 実施事業評価等入力表"
    client.force_login(reviewer)
    response = client.get(reverse("reviews:round-sheet-download", args=[open_round.pk]),
                          {"download-department": "", "download-with_memo": "on"})
    assert "内部資料" in response["Content-Disposition"] or "%E5%86%85%E9%83%A8%E8%B3%87%E6%96%99" in response["Content-Disposition"]
