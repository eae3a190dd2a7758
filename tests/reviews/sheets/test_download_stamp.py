"""A sheet without its hidden identifiers cannot overwrite a screen edit: every download is
recorded and stamped into the workbook, and one rule decides every row's conflict."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Department
from reviews.entries import workflow
from reviews.models import Entry, SheetDownload
from reviews.sheets.export import export_round
from reviews.sheets.loading import import_update
from reviews.sheets.workbook import layout
from reviews.sheets.workbook.reader import read_sheet
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def download(client, round_, department) -> bytes:
    response = client.get(reverse("reviews:round-sheet-download", args=[round_.pk]),
                          {"download-department": department.pk})
    return b"".join(response.streaming_content)


def without_hidden_column_and_edited(data: bytes, text: str) -> bytes:
    """What a clerk's Excel does: the hidden ID column deleted, then the project's 評価 rewritten."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    sheet.delete_cols(layout.ENTRY_REF_COLUMN)
    row = next(r for r in sheet.iter_rows() if r[2].value and str(r[2].value).startswith(PROJECT))
    row[5].value = text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_every_download_is_recorded_and_stamped_into_the_workbook(client, open_round, staff_a, tmp_path):
    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    data = download(client, open_round, shoko)
    record = SheetDownload.objects.get()
    assert (record.round, record.department, record.downloaded_by) == (open_round, shoko, staff_a)
    assert read_sheet(data).document.download_stamp
    call_command("export_sheet", "--round", "H30", "-o", str(tmp_path / "市全体.xlsx"), stdout=io.StringIO())
    assert SheetDownload.objects.count() == 2 and SheetDownload.objects.first().downloaded_by is None


def test_a_sheet_whose_identifier_column_was_deleted_cannot_replace_a_newer_screen_edit(client, open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    data = download(client, open_round, shoko)
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    workflow.save_draft(entry, by=staff_a, version=entry.version, **{**FILLED, "evaluation": "画面で直した評価"})

    edited = without_hidden_column_and_edited(data, "入力表の古い評価")
    preview = client.post(reverse("reviews:round-sheet-upload", args=[open_round.pk]), {
        "upload-department": shoko.pk, "upload-file": SimpleUploadedFile("課.xlsx", edited)})

    page = preview.content.decode()
    assert preview.context["token"] is None
    assert "画面で変更されています" in page and "画面「画面で直した評価」" in page and "入力表「入力表の古い評価」" in page
    assert Entry.objects.get(pk=entry.pk).evaluation == "画面で直した評価"


def test_a_stamped_sheet_matched_by_name_applies_when_nothing_changed_on_screen_since(client, open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    edited = without_hidden_column_and_edited(download(client, open_round, shoko), "入力表で書いた評価")
    result = import_update(read_sheet(edited).document, open_round, by=staff_a, department=shoko)
    assert result.applied, [str(e) for e in result.errors]
    assert Entry.objects.get(round=open_round, project__name=PROJECT).evaluation == "入力表で書いた評価"


def test_a_sheet_made_by_hand_treats_any_screen_change_in_the_round_as_a_conflict(open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    buffer = io.BytesIO()
    export_round(open_round, buffer, department=shoko)
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    workflow.save_draft(entry, by=staff_a, version=entry.version, evaluation="画面の評価")
    document = read_sheet(without_hidden_column_and_edited(buffer.getvalue(), "手作りの評価")).document
    document.download_stamp = ""  # a sheet made by hand carries no stamp at all
    result = import_update(document, open_round, by=staff_a, department=shoko)
    assert not result.applied and "画面「画面の評価」" in result.errors[0].message
    # A row whose entry nobody touched on screen still goes in.
    other = [p for p in document.projects() if p.name != PROJECT][0]
    other.evaluation = "別の事業の評価"
    document.projects()[[p.name for p in document.projects()].index(PROJECT)].evaluation = "画面の評価"
    assert import_update(document, open_round, by=staff_a, department=shoko).applied


def test_a_forged_or_foreign_stamp_counts_as_no_stamp(open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    buffer = io.BytesIO()
    export_round(open_round, buffer, department=shoko)
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    workflow.save_draft(entry, by=staff_a, version=entry.version, evaluation="画面の評価")
    document = read_sheet(without_hidden_column_and_edited(buffer.getvalue(), "偽の評価")).document
    document.download_stamp = "9999:forged"
    assert not import_update(document, open_round, by=staff_a, department=shoko).applied
