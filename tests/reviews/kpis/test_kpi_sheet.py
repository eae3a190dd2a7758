"""The KPI sheet: written in the house style, read back under the official sheet's rules."""

import io
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Department, Goal, Kpi, Project
from reviews.access import kpi_reports_visible_to
from reviews.entries import workflow
from reviews.kpis.sheet import HEADER_ROW, apply_kpi_sheet, read_kpi_sheet, sheet_actuals, write_kpi_sheet
from reviews.models import Entry, KpiActual
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


@pytest.fixture
def kpis(open_round):
    shoko = Department.objects.get(name="商工観光課")
    project = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT,
                                 project=Project.objects.get(name=PROJECT), name="企業誘致件数", unit="件",
                                 direction=Kpi.Direction.HIGHER, baseline_value=D(2), baseline_year=2014,
                                 target_value=D(10), target_year=2019, department=shoko)
    goal = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.GOAL, goal=Goal.objects.get(number=1),
                              name="市内の事業所数", unit="所", direction=Kpi.Direction.HIGHER, baseline_value=D(4000),
                              baseline_year=2014, target_value=D(4200), target_year=2019, department=shoko)
    return project, goal


def visible_to(user):
    """What the sheet holds for a user: their goal/policy reports and their projects' actuals."""
    from reviews.access import entries_visible_to

    return (KpiActual.objects.filter(entry__in=entries_visible_to(user))
            | KpiActual.objects.filter(pk__in=kpi_reports_visible_to(user).values("pk")))


def sheet_of(round_, user) -> bytes:
    buffer = io.BytesIO()
    write_kpi_sheet(round_, sheet_actuals(visible_to(user), round_), buffer)
    return buffer.getvalue()


def cells(data: bytes) -> list[list]:
    return [list(row) for row in load_workbook(io.BytesIO(data))["KPI"].iter_rows(values_only=True)]


def edited(data: bytes, edits: dict[tuple[int, int], object]) -> bytes:
    """What a clerk's Excel saves: the cells typed in (a text starting with = typed as text)."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["KPI"]
    for (row, column), value in edits.items():
        cell = ws.cell(row=row, column=column)
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_kpi_sheet_round_trips_cell_for_cell(open_round, kpis, staff_a):
    data = sheet_of(open_round, staff_a)
    rows = cells(data)
    assert rows[HEADER_ROW - 1][:3] == ["対象", "対象の名称", "指標名"] and len(rows) == HEADER_ROW + 2
    result = apply_kpi_sheet(data, open_round, visible_to(staff_a), by=staff_a)
    assert result.applied and result.changes == []
    assert cells(sheet_of(open_round, staff_a)) == rows


def test_a_clerk_fills_the_sheet_and_it_goes_in_all_at_once(open_round, kpis, staff_a):
    project_kpi, goal_kpi = kpis
    data = sheet_of(open_round, staff_a)
    goal_row, project_row = HEADER_ROW + 1, HEADER_ROW + 2  # goals first, then policies, then projects
    filled = edited(data, {(project_row, 8): "実績値あり", (project_row, 9): 6, (goal_row, 8): "未把握（まだ確定していない）",
                           (goal_row, 12): "翌年度7月に確定", (goal_row, 13): "=1+1"})
    result = apply_kpi_sheet(filled, open_round, visible_to(staff_a), by=staff_a)
    assert result.applied and len(result.changes) == 2
    assert KpiActual.objects.get(kpi=project_kpi).value == D(6)
    goal = KpiActual.objects.get(kpi=goal_kpi)
    assert (goal.status, goal.note, goal.comment) == ("not_yet", "翌年度7月に確定", "=1+1")
    again = load_workbook(io.BytesIO(sheet_of(open_round, staff_a)))["KPI"]
    comment_cell = again.cell(row=goal_row, column=13)
    assert comment_cell.value == "=1+1" and comment_cell.data_type == "s"  # written back as text, never a formula


def test_bad_rows_are_refused_by_row_and_column_with_nothing_written(open_round, kpis, staff_a):
    data = sheet_of(open_round, staff_a)
    first, second = HEADER_ROW + 1, HEADER_ROW + 2
    bad = edited(data, {(first, 8): "実績値あり", (first, 9): "六", (second, 8): "たぶん", (second, 13): "逆順\u202e"})
    result = apply_kpi_sheet(bad, open_round, visible_to(staff_a), by=staff_a)
    assert not result.applied
    messages = [str(e) for e in result.errors]
    assert f"{first}行目 I列: 「六」は数字として読めません。" in messages
    assert any(m.startswith(f"{second}行目 H列: 「たぶん」は使えません。") for m in messages)
    assert any("U+202E" in m for m in messages)
    assert not KpiActual.objects.exclude(status="").exists()


def test_a_row_changed_on_screen_since_the_download_is_refused(open_round, kpis, staff_a):
    project_kpi, _goal = kpis
    data = sheet_of(open_round, staff_a)
    actual = KpiActual.objects.get(kpi=project_kpi)
    KpiActual.objects.filter(pk=actual.pk).update(status="reported", value=D(3), version=actual.version + 1)
    result = read_kpi_sheet(edited(data, {(HEADER_ROW + 2, 8): "実績値あり", (HEADER_ROW + 2, 9): 9}), open_round,
                            visible_to(staff_a), by=staff_a)
    assert not result.ok and "ダウンロードの後に画面で変更されています" in str(result.errors[0])


def test_a_submitted_entrys_kpi_cannot_change_through_the_sheet(open_round, kpis, staff_a):
    project_kpi, _goal = kpis
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    KpiActual.objects.filter(kpi=project_kpi).update(status="reported", value=D(5))
    entry = workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True)
    data = sheet_of(open_round, staff_a)
    result = read_kpi_sheet(edited(data, {(HEADER_ROW + 2, 9): 7}), open_round, visible_to(staff_a), by=staff_a)
    assert not result.ok and "いま変更できません" in str(result.errors[0])


def test_a_row_with_its_identifier_removed_or_another_departments_is_refused(open_round, kpis, staff_a, staff_b):
    data = sheet_of(open_round, staff_a)
    result = read_kpi_sheet(edited(data, {(HEADER_ROW + 1, 14): None, (HEADER_ROW + 1, 9): 3}), open_round,
                            visible_to(staff_a), by=staff_a)
    assert not result.ok and "N列" in str(result.errors[0])
    result = read_kpi_sheet(data, open_round, visible_to(staff_b), by=staff_b)  # 地域保健課 sees none of these
    assert not result.ok and all("あなたの KPI ではありません" in str(e) for e in result.errors)


def test_a_file_that_is_not_the_kpi_sheet_is_refused_in_words(open_round, kpis, staff_a):
    assert "Excel ブック（.xlsx）ではありません" in str(read_kpi_sheet(b"not a workbook", open_round, visible_to(staff_a), by=staff_a).errors[0])


def test_a_clerk_downloads_fills_previews_and_confirms_the_kpi_sheet_on_screen(client, open_round, kpis, staff_a, settings,
                                                                              tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    project_kpi, _goal = kpis
    client.force_login(staff_a)
    page = client.get(reverse("reviews:kpi-sheet", args=[open_round.pk]))
    assert "あなたが見られる KPI（2件）" in page.content.decode()
    response = client.get(reverse("reviews:kpi-sheet-download", args=[open_round.pk]))
    data = b"".join(response.streaming_content)
    filled = edited(data, {(HEADER_ROW + 2, 8): "実績値あり", (HEADER_ROW + 2, 9): 6})
    preview = client.post(reverse("reviews:kpi-sheet", args=[open_round.pk]),
                          {"file": SimpleUploadedFile("KPI.xlsx", filled)})
    assert "確認してください（変更 1件）" in preview.content.decode()
    assert KpiActual.objects.get(kpi=project_kpi).value is None  # nothing written before confirmation
    response = client.post(reverse("reviews:kpi-sheet-confirm", args=[open_round.pk]), {"token": preview.context["token"]})
    assert response.status_code == 302 and KpiActual.objects.get(kpi=project_kpi).value == D(6)
    bad = client.post(reverse("reviews:kpi-sheet", args=[open_round.pk]),
                      {"file": SimpleUploadedFile("KPI.xlsx", edited(data, {(HEADER_ROW + 2, 9): "六"}))})
    assert bad.status_code == 400 and "「六」は数字として読めません。" in bad.content.decode()
    forged = client.post(reverse("reviews:kpi-sheet-confirm", args=[open_round.pk]), {"token": "forged"})
    assert forged.status_code == 302


def test_a_formula_in_the_kpi_sheet_is_refused_by_row_and_column(open_round, kpis, staff_a):
    data = sheet_of(open_round, staff_a)
    wb = load_workbook(io.BytesIO(data))
    wb["KPI"].cell(row=HEADER_ROW + 2, column=9).value = "=1+1"  # a real formula, as Excel saves one
    buffer = io.BytesIO()
    wb.save(buffer)
    result = read_kpi_sheet(buffer.getvalue(), open_round, visible_to(staff_a), by=staff_a)
    assert not result.ok and str(result.errors[0]) == f"{HEADER_ROW + 2}行目 I列: 数式「=1+1」が入っています。数式は読み込めません。値を書いてください。"


def test_a_kpi_sheet_beyond_the_upload_bounds_is_refused_before_it_is_read(open_round, kpis, staff_a, settings):
    settings.SHEET_MAX_COLUMNS = 20
    data = edited(sheet_of(open_round, staff_a), {(HEADER_ROW + 1, 30): "はみ出し"})
    result = read_kpi_sheet(data, open_round, visible_to(staff_a), by=staff_a)
    assert not result.ok and "ファイルが大きすぎます" in str(result.errors[0])


def test_the_preview_shows_each_change_as_the_pages_print_it(client, open_round, kpis, staff_a, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(staff_a)
    data = sheet_of(open_round, staff_a)
    filled = edited(data, {(HEADER_ROW + 2, 8): "実績値あり", (HEADER_ROW + 2, 9): 6, (HEADER_ROW + 2, 13): "コメントだけ"})
    page = client.post(reverse("reviews:kpi-sheet", args=[open_round.pk]),
                       {"file": SimpleUploadedFile("KPI.xlsx", filled)}).content.decode()
    assert "6件" in page and "コメント: コメントだけ" in page and "reported" not in page


def test_an_entry_submitted_between_the_check_and_the_write_keeps_its_kpi(open_round, kpis, staff_a):
    from reviews.kpis import sheet as kpi_sheet

    project_kpi, _goal = kpis
    data = edited(sheet_of(open_round, staff_a), {(HEADER_ROW + 2, 8): "実績値あり", (HEADER_ROW + 2, 9): 6})
    checked = kpi_sheet.read_kpi_sheet(data, open_round, visible_to(staff_a), by=staff_a)
    assert checked.ok and checked.changes
    KpiActual.objects.filter(kpi=project_kpi).update(status="reported", value=D(5))  # entered on screen, same version
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.SUBMITTED)
    with pytest.raises(workflow.WorkflowError, match="いま変更できません"):
        with transaction.atomic():
            for actual, _values in checked.changes:
                kpi_sheet._lock_and_check(actual, staff_a)
    assert KpiActual.objects.get(kpi=project_kpi).value == D(5)


def test_a_figure_the_database_cannot_keep_exactly_is_refused_by_row_and_column(open_round, kpis, staff_a):
    data = sheet_of(open_round, staff_a)
    first = HEADER_ROW + 1
    bad = edited(data, {(first, 8): "実績値あり", (first, 9): 99999999999999.9999})
    result = apply_kpi_sheet(bad, open_round, visible_to(staff_a), by=staff_a)
    assert not result.applied
    assert f"{first}行目 I列: 数字は整数部分11桁まで、小数点以下4桁までで入力してください。" in [str(e) for e in result.errors]
    assert not KpiActual.objects.exclude(status="").exists()


@pytest.mark.parametrize(("typed", "kept"), [("1,234", D(1234)), ("１，２３４．５", D("1234.5")), ("△5", D(-5)),
                                             ("−2", D(-2)), (1234.5, D("1234.5"))])
def test_a_figure_reads_the_same_from_the_sheet_as_from_the_form(client, open_round, kpis, staff_a, typed, kept):
    """What a clerk types in a sheet cell and in the KPI form is one number, whichever way they write it."""
    project_kpi, _ = kpis
    project_row = HEADER_ROW + 2
    result = apply_kpi_sheet(edited(sheet_of(open_round, staff_a), {(project_row, 8): "実績値あり", (project_row, 9): typed}),
                             open_round, visible_to(staff_a), by=staff_a)
    assert result.applied, [str(e) for e in result.errors]
    actual = KpiActual.objects.get(kpi=project_kpi)
    assert actual.value == kept
    if isinstance(typed, str):
        KpiActual.objects.filter(pk=actual.pk).update(value=None)
        actual.refresh_from_db()
        entry = Entry.objects.get(round=open_round, project__name=PROJECT)
        client.force_login(staff_a)
        response = client.post(reverse("reviews:entry-kpis", args=[entry.pk]), {
            f"kpi-{actual.pk}-version": actual.version, f"kpi-{actual.pk}-status": "reported",
            f"kpi-{actual.pk}-value": typed})
        assert response.status_code == 302
        assert KpiActual.objects.get(pk=actual.pk).value == kept


@pytest.mark.parametrize("typed", ["1,2,3", "1e5", "1_000", "NaN", "12,34"])
def test_a_figure_neither_the_sheet_nor_the_form_can_read_is_refused_by_both(client, open_round, kpis, staff_a, typed):
    project_kpi, _ = kpis
    project_row = HEADER_ROW + 2
    result = apply_kpi_sheet(edited(sheet_of(open_round, staff_a), {(project_row, 8): "実績値あり", (project_row, 9): typed}),
                             open_round, visible_to(staff_a), by=staff_a)
    assert not result.applied
    assert f"{project_row}行目 I列: 「{typed}」は数字として読めません。" in [str(e) for e in result.errors]
    actual = KpiActual.objects.get(kpi=project_kpi)
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    client.force_login(staff_a)
    response = client.post(reverse("reviews:entry-kpis", args=[entry.pk]), {
        f"kpi-{actual.pk}-version": actual.version, f"kpi-{actual.pk}-status": "reported",
        f"kpi-{actual.pk}-value": typed})
    assert response.status_code == 400 and "数字で入力してください。" in response.content.decode()
    assert KpiActual.objects.get(pk=actual.pk).value is None


def test_a_clerk_who_confirms_the_kpi_sheet_twice_is_told_it_may_be_in_already(client, open_round, kpis, staff_a,
                                                                                settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    project_kpi, _goal = kpis
    client.force_login(staff_a)
    data = b"".join(client.get(reverse("reviews:kpi-sheet-download", args=[open_round.pk])).streaming_content)
    filled = edited(data, {(HEADER_ROW + 2, 8): "実績値あり", (HEADER_ROW + 2, 9): 6})
    token = client.post(reverse("reviews:kpi-sheet", args=[open_round.pk]),
                        {"file": SimpleUploadedFile("KPI.xlsx", filled)}).context["token"]
    client.post(reverse("reviews:kpi-sheet-confirm", args=[open_round.pk]), {"token": token})
    again = client.post(reverse("reviews:kpi-sheet-confirm", args=[open_round.pk]), {"token": token}, follow=True)
    assert "すでに確定して取り込んだ可能性があります" in again.content.decode()
    assert KpiActual.objects.get(kpi=project_kpi).value == D(6)
