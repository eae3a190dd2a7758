"""The official sheet through the database: export, load as a round, update under the upload rules."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from projects.models import Department, Goal, Policy, Project
from reviews.entries import workflow
from reviews.models import Entry, Event, Round, SheetUpload
from reviews.sheets.export import export_round, round_document
from reviews.sheets.loading import import_new_round, import_update
from reviews.sheets.workbook.reader import read_sheet
from tests.factories import FILLED, make_user

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).resolve().parent / "workbook" / "golden"
MESSY = sorted(p.name for p in GOLDEN.glob("messy_*.xlsx"))
DEFECTS = sorted(p.name for p in GOLDEN.glob("defect_*.xlsx"))


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sheet_bytes(round_: Round, **kwargs) -> bytes:
    buffer = io.BytesIO()
    export_round(round_, buffer, **kwargs)
    return buffer.getvalue()


def visible_cells(data: bytes) -> list[list]:
    """What a person sees: columns A..I of every row (the hidden id column J left out)."""
    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row[:9]] for row in sheet.iter_rows()]


def database_state() -> dict:
    return {
        "goals": sorted(Goal.objects.values_list("number", "title", "project_label")),
        "policies": sorted(Policy.objects.values_list("goal__number", "order", "title")),
        "projects": sorted(
            (p.policy.title, p.order, p.name, p.description, p.category, tuple(d.name for d in p.ordered_departments()))
            for p in Project.objects.select_related("policy").prefetch_related("project_departments__department")
        ),
        "entries": sorted(Entry.objects.values_list(
            "round__fiscal_year", "project__name", "status", "implementation", "evaluation", "future_policy",
            "memo", "state", "version")),
        "departments": sorted(Department.objects.values_list("name", "parent__name")),
        "events": Event.objects.count(),
    }


def load(path_or_bytes, **kwargs):
    result = read_sheet(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes)
    assert result.ok, [str(e) for e in result.errors]
    return result.document


def entry_texts(fiscal_year: int) -> dict:
    return {
        e.project.name: (e.status, e.implementation, e.evaluation, e.future_policy)
        for e in Entry.objects.filter(round__fiscal_year=fiscal_year).select_related("project")
    }


# Export -------------------------------------------------------------------------------------------

def test_the_seed_round_exported_into_an_empty_database_and_exported_again_gives_the_same_cells(seed):
    first = sheet_bytes(Round.objects.get(fiscal_year=2017))
    from tests.projects.test_resources import empty_the_database

    empty_the_database()
    assert Project.objects.count() == 0

    result = import_new_round(load(first), fiscal_year=2017, historical=True)

    assert result.applied, [str(e) for e in result.errors]
    assert Project.objects.count() == 68 and Department.objects.count() == 15
    assert Department.objects.get(name="青少年課（児童センター）").parent.name == "青少年課"
    again = sheet_bytes(Round.objects.get(fiscal_year=2017))
    assert visible_cells(again) == visible_cells(first)


def test_the_exported_sheet_is_set_up_for_printing_and_keeps_the_memo_out(seed):
    Entry.objects.filter(project__name="ブックスタート事業").update(memo="内部メモ")
    data = sheet_bytes(Round.objects.get(fiscal_year=2017))
    sheet = load_workbook(io.BytesIO(data)).active
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "基本目標")
    assert header[4] == "平成28、29年度の実施内容"
    header_row = next(r[0].row for r in sheet.iter_rows() if r[0].value == "基本目標")
    assert int(sheet.page_setup.paperSize) == 8 and sheet.page_setup.orientation == "landscape"  # 8 = A3
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    goal_row = header_row + 1
    assert f"A{goal_row}:I{goal_row}" in {str(r) for r in sheet.merged_cells.ranges}
    assert "内部メモ" not in str(visible_cells(data))
    assert "内部メモ" in str(visible_cells(sheet_bytes(Round.objects.get(fiscal_year=2017), with_memo=True)))


def test_a_departments_sheet_holds_only_its_projects_with_their_goals_and_policies(seed):
    department = Department.objects.get(name="青少年課")
    document = round_document(Round.objects.get(fiscal_year=2017), department=department)
    projects = document.projects()
    assert len(projects) == 5  # its own and its two centres'
    assert all(any(n.startswith("青少年課") for n in p.departments) for p in projects)
    assert [g.number for g in document.goals] == [3]


# Loading a sheet as a new round --------------------------------------------------------------------

def test_next_years_sheet_adds_a_round_to_the_same_projects(seed):
    data = sheet_bytes(Round.objects.get(fiscal_year=2017))
    result = import_new_round(load(data), fiscal_year=2018)
    assert result.applied
    assert result.created == ["評価回「平成30年度 実施事業評価」"]
    assert Project.objects.count() == 68
    new_round = Round.objects.get(fiscal_year=2018)
    assert new_round.state == Round.State.PREPARING and new_round.entries.count() == 68
    assert set(new_round.entries.values_list("state", flat=True)) == {Entry.State.DRAFT}
    assert entry_texts(2018) == entry_texts(2017)


@pytest.mark.parametrize("name", MESSY)
def test_each_messy_variant_imports_to_exactly_the_same_data_as_the_clean_sheet(seed, name):
    import_new_round(load(GOLDEN / "clean.xlsx"), fiscal_year=2018)
    clean = entry_texts(2018)
    before_projects = Project.objects.count()

    result = import_new_round(load(GOLDEN / name), fiscal_year=2019)

    assert result.applied, [str(e) for e in result.errors]
    assert result.created == ["評価回「令和元年度 実施事業評価」"]  # every project matched, none duplicated
    assert Project.objects.count() == before_projects
    assert entry_texts(2019) == clean


def test_an_unknown_department_is_an_error_and_nothing_is_written(seed):
    document = load(GOLDEN / "clean.xlsx")
    document.projects()[0].departments = ["人権推進か"]
    before = database_state()
    result = import_new_round(document, fiscal_year=2018)
    assert not result.applied
    assert any("担当課「人権推進か」は登録されていません" in str(e) and e.column == "H" for e in result.errors)
    assert database_state() == before


def test_a_round_loaded_from_a_sheet_records_the_uploader_in_each_entrys_history(seed):
    uploader = make_user("uploader", "企画課", reviewer=True)
    import_new_round(load(GOLDEN / "clean.xlsx"), fiscal_year=2018, by=uploader)
    entry = Entry.objects.filter(round__fiscal_year=2018).first()
    assert entry.history.get().history_user == uploader
    assert entry.events.get().actor == uploader


def test_new_departments_are_created_when_the_administrator_asks(seed):
    document = load(GOLDEN / "clean.xlsx")
    document.projects()[0].departments = ["男女共同参画課"]
    document.projects()[0].name = "新しい事業"
    result = import_new_round(document, fiscal_year=2018, allow_new_departments=True)
    assert result.applied and "部署「男女共同参画課」" in result.created
    assert Project.objects.get(name="新しい事業").ordered_departments()[0].name == "男女共同参画課"


def test_a_dry_run_shows_the_plan_and_writes_nothing(seed):
    before = database_state()
    result = import_new_round(load(GOLDEN / "clean.xlsx"), fiscal_year=2018, dry_run=True)
    assert result.ok and not result.applied and result.created
    assert database_state() == before


# Updating a round ---------------------------------------------------------------------------------

def edited_sheet(round_: Round, edits: dict[str, dict], department=None, **kwargs) -> bytes:
    """The round's sheet with some rows edited as a person would in Excel."""
    document = round_document(round_, department=department, **kwargs)
    for project in document.projects():
        for name, value in edits.get(project.name, {}).items():
            setattr(project, name, value)
    buffer = io.BytesIO()
    from reviews.sheets.workbook.writer import write_sheet

    write_sheet(document, buffer, with_memo=kwargs.get("with_memo", False))
    return buffer.getvalue()


def test_a_department_fills_its_sheet_and_only_its_entries_change(open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    clerk = staff_a
    data = edited_sheet(open_round, {"企業等誘致事業": {**FILLED}}, department=shoko)
    before = database_state()
    seed_texts = entry_texts(2017)

    result = import_update(load(data), open_round, by=clerk, department=shoko)

    assert result.applied, [str(e) for e in result.errors]
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    assert (entry.status, entry.implementation) == ("A", FILLED["implementation"])
    assert entry.state == Entry.State.DRAFT and entry.updated_by == clerk and entry.text_author == clerk
    assert entry.history.first().history_user == clerk
    assert {c.field for c in result.changes} == {"実施状況", "実施内容", "評価・課題等", "今後の方針"}
    assert Event.objects.count() == before["events"]  # an upload never changes a state
    assert entry_texts(2017) == seed_texts  # the earlier round is untouched


def test_a_later_rounds_sheet_changes_that_round_only(open_round):
    seed_texts = entry_texts(2017)
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "平成30年度の内容"}})
    assert import_update(load(data), open_round).applied
    assert entry_texts(2017) == seed_texts
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == "平成30年度の内容"


def test_changed_the_whole_citys_sheet_uploaded_as_a_departments_gets_one_clear_message(open_round):
    shoko = Department.objects.get(name="商工観光課")
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "変更"}})  # the whole city's sheet
    before = database_state()
    result = import_update(load(data), open_round, department=shoko)
    assert not result.applied
    assert [e.message for e in result.errors] == [
        "この入力表は市全体（複数の課）の入力表です。商工観光課の行が一部しかありません。"
        "「ダウンロード」で商工観光課の入力表を選んでダウンロードし、それに記入して取り込んでください。"]
    assert database_state() == before


def test_another_departments_sheet_names_whose_sheet_it_is(open_round):
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    data = edited_sheet(open_round, {}, department=hoken)
    result = import_update(load(data), open_round, department=shoko)
    assert [e.message for e in result.errors] == [
        "この入力表は地域保健課の入力表です。商工観光課の行がありません。"
        "「ダウンロード」で商工観光課の入力表を選んでダウンロードし、それに記入して取り込んでください。"]


def test_a_department_sheet_with_one_row_of_another_department_is_refused_naming_the_row(open_round):
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    ours = round_document(open_round, department=shoko)
    stray = round_document(open_round, department=hoken).goals[0].policies[0].projects[0]
    ours.goals[0].policies[0].projects.append(stray)
    buffer = io.BytesIO()
    from reviews.sheets.workbook.writer import write_sheet

    write_sheet(ours, buffer)
    before = database_state()
    result = import_update(load(buffer.getvalue()), open_round, department=shoko)
    assert not result.applied and database_state() == before
    assert [e.message for e in result.errors if e.row] == [
        f"事業「{stray.name}」はこの課の事業ではありません。他の課の行は削除してから取り込んでください。"]


def test_a_department_cannot_change_a_submitted_row_and_the_error_names_it(open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    clerk = staff_a
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    entry = workflow.save_draft(entry, by=clerk, version=entry.version, **FILLED)
    workflow.submit(entry, by=clerk, version=entry.version)
    data = edited_sheet(open_round, {"企業等誘致事業": {"evaluation": "書き換え"}}, department=shoko)
    before = database_state()
    result = import_update(load(data), open_round, by=clerk, department=shoko)
    assert [e.message for e in result.errors] == ["事業「企業等誘致事業」: 「提出済」の評価は変更できません。変更する場合は企画課に連絡してください。"]
    assert result.errors[0].row is not None
    assert database_state() == before


def test_a_department_upload_ignores_the_memo_column(open_round):
    shoko = Department.objects.get(name="商工観光課")
    data = edited_sheet(open_round, {"企業等誘致事業": {"memo": "課が書いたメモ", "implementation": "内容"}},
                        department=shoko, with_memo=True)
    assert import_update(load(data), open_round, department=shoko).applied
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    assert entry.memo == "" and entry.implementation == "内容"


def test_the_planning_division_changes_any_entry_not_approved_and_memos(open_round, reviewer):
    data = edited_sheet(open_round, {
        "企業等誘致事業": {"implementation": "企画課がまとめた内容", "memo": "委員会で説明"},
        "妊婦健診事業": {"status": "B"},
    }, with_memo=True)
    result = import_update(load(data), open_round, by=reviewer)
    assert result.applied
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").memo == "委員会で説明"
    assert Entry.objects.get(round=open_round, project__name="妊婦健診事業").status == "B"


def test_uploading_the_committee_sheet_without_memos_keeps_the_memos(open_round):
    Entry.objects.filter(round=open_round, project__name="妊婦健診事業").update(memo="内部メモ")
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "内容"}})  # exported without memos
    assert import_update(load(data), open_round).applied
    assert Entry.objects.get(round=open_round, project__name="妊婦健診事業").memo == "内部メモ"


def test_the_planning_division_cannot_change_an_approved_row_by_upload(seed):
    data = edited_sheet(Round.objects.get(fiscal_year=2017), {"企業等誘致事業": {"evaluation": "書き換え"}})
    Round.objects.filter(fiscal_year=2017).update(state=Round.State.OPEN)
    result = import_update(load(data), Round.objects.get(fiscal_year=2017))
    assert not result.applied
    assert "承認済の評価は入力表から変更できません" in result.errors[0].message


def test_an_upload_tells_a_text_too_long_and_a_change_to_an_approved_row_at_once(seed):
    """The reader's errors (a text over its limit) and the import's (an approved row changed) come
    from two passes: both are told in one upload, not the second after the first is fixed."""
    from reviews.sheets import uploads

    fy2017 = Round.objects.get(fiscal_year=2017)
    data = edited_sheet(fy2017, {"企業等誘致事業": {"evaluation": "書き換え"},
                                 "妊婦健診事業": {"implementation": "長" * 30_000}})
    Round.objects.filter(pk=fy2017.pk).update(state=Round.State.OPEN)
    Entry.objects.filter(round=fy2017, project__name="妊婦健診事業").update(state=Entry.State.SUBMITTED)
    before = entry_texts(2017)
    result = uploads.run(uploads.Upload(round=Round.objects.get(pk=fy2017.pk)), data, "all.xlsx", by=None,
                         dry_run=False)
    messages = [error.message for error in result.errors]
    assert any("30,000文字あります" in message for message in messages)
    assert max(len(message) for message in messages) < 500  # the long text is counted, never quoted
    assert any("承認済の評価は入力表から変更できません" in message for message in messages)
    assert [error.row for error in result.errors] == sorted(error.row for error in result.errors)
    assert not result.applied and entry_texts(2017) == before


def test_a_published_round_cannot_be_changed_by_upload(seed):
    data = edited_sheet(Round.objects.get(fiscal_year=2017), {"企業等誘致事業": {"memo": "メモ"}}, with_memo=True)
    result = import_update(load(data), Round.objects.get(fiscal_year=2017))
    assert "公表済みの評価回は変更できません" in result.errors[0].message


def test_differing_project_facts_are_warnings_and_not_applied(open_round):
    data = edited_sheet(open_round, {"企業等誘致事業": {"description": "書き換えた事業内容", "implementation": "内容"}})
    result = import_update(load(data), open_round)
    assert result.applied
    assert any("事業内容が登録内容と異なります" in w.message for w in result.warnings)
    assert Project.objects.get(name="企業等誘致事業").description != "書き換えた事業内容"


def test_a_sheet_older_than_an_on_screen_edit_is_refused_as_a_conflict(open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    clerk = staff_a
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "Excelで書いた内容"}}, department=shoko)
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    workflow.save_draft(entry, by=clerk, version=entry.version, implementation="画面で書いた内容")

    result = import_update(load(data), open_round, by=clerk, department=shoko)

    assert not result.applied
    assert "画面で変更されています" in result.errors[0].message and "画面で書いた内容" in result.errors[0].message
    assert Entry.objects.get(pk=entry.pk).implementation == "画面で書いた内容"


def test_a_memo_or_state_change_since_the_download_is_not_a_conflict(open_round, reviewer):
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "Excelで書いた内容"}})
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    workflow.save_memo(entry, by=reviewer, version=entry.memo_version, memo="内部メモ")  # its own version only

    result = import_update(load(data), open_round, by=reviewer)

    assert result.applied, [str(e) for e in result.errors]
    entry.refresh_from_db()
    assert (entry.implementation, entry.memo) == ("Excelで書いた内容", "内部メモ")


def test_the_conflict_message_shows_both_texts(open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    clerk = staff_a
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "入力表の内容"}}, department=shoko)
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    workflow.save_draft(entry, by=clerk, version=entry.version, implementation="画面の内容")
    message = import_update(load(data), open_round, by=clerk, department=shoko).errors[0].message
    assert "画面「画面の内容」" in message and "入力表「入力表の内容」" in message


def test_a_row_matched_by_name_when_the_hidden_id_is_gone(open_round):
    document = round_document(open_round)
    for project in document.projects():
        project.entry_id = project.entry_version = None
    target = next(p for p in document.projects() if p.name == "企業等誘致事業")
    target.name = "企業等 誘致事業"  # a stray space, as people type
    target.implementation = "名前で照合"
    assert import_update(document, open_round).applied
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == "名前で照合"


def test_a_formula_looking_text_survives_export_and_import_as_text(open_round):
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "=SUM(A1:A3) と書かれた資料"}})
    assert import_update(load(data), open_round).applied
    again = load(sheet_bytes(open_round))
    assert next(p for p in again.projects() if p.name == "企業等誘致事業").implementation == "=SUM(A1:A3) と書かれた資料"


# The commands -------------------------------------------------------------------------------------

def test_export_and_import_commands_round_trip_with_a_record_of_the_upload(open_round, tmp_path):
    path = tmp_path / "入力表.xlsx"
    call_command("export_sheet", "--round", "H30", "-o", str(path))
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "コマンドで取り込み"}})
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_sheet", str(path), "--round", "平成30年度", stdout=out)
    assert "変更:" in out.getvalue() and "取り込みました" in out.getvalue()
    upload = SheetUpload.objects.get()
    assert upload.summary["changes"][0]["new"] == "コマンドで取り込み"
    assert upload.file.read() == data


def test_the_import_command_dry_run_changes_nothing(open_round, tmp_path):
    path = tmp_path / "s.xlsx"
    path.write_bytes(edited_sheet(open_round, {"企業等誘致事業": {"implementation": "試し"}}))
    before = database_state()
    out = io.StringIO()
    call_command("import_sheet", str(path), "--round", "2018", "--dry-run", stdout=out)
    assert "試し" in out.getvalue() and "何も書き込んでいません" in out.getvalue()
    assert database_state() == before and SheetUpload.objects.count() == 0


@pytest.mark.parametrize("name", DEFECTS)
def test_the_import_command_refuses_each_defect_naming_the_row_and_writes_nothing(seed, tmp_path, name):
    path = tmp_path / name
    shutil.copy(GOLDEN / name, path)
    before = database_state()
    with pytest.raises(CommandError) as refused:
        call_command("import_sheet", str(path), "--round", "2018")
    message = str(refused.value)
    assert "何も取り込んでいません" in message
    if name in ("defect_ole.xlsx", "defect_text.xlsx"):
        assert ".xlsx" in message
    else:
        assert "行目" in message and "列" in message
    assert database_state() == before


def test_the_import_command_refuses_an_unknown_round_year_format(seed, tmp_path):
    with pytest.raises(CommandError, match="年度として読めません"):
        call_command("import_sheet", str(GOLDEN / "clean.xlsx"), "--round", "来年")


def test_a_hidden_id_with_a_version_the_entry_never_had_is_refused_as_not_this_entrys(open_round, staff_a):
    """Not reported as a change on screen: nothing on screen changed; the ID was typed over."""
    shoko = Department.objects.get(name="商工観光課")
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "Excelで書いた内容",
                                                 "entry_version": entry.version + 5}}, department=shoko)

    result = import_update(load(data), open_round, by=staff_a, department=shoko)

    assert not result.applied
    [error] = result.errors
    assert f"非表示のID（{entry.pk}:{entry.version + 5}）が、この評価の記録と合いません" in error.message
    assert "画面で変更されています" not in error.message
    assert Entry.objects.get(pk=entry.pk).implementation == entry.implementation
