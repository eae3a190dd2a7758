"""What users type stays inert text in every output: pages, the official sheet, the flat CSV and
XLSX exports and email. Control characters never enter the database, and what was stored before
the rule is cleaned by a migration and stripped from every output."""

import importlib
import io

import pytest
import tablib
from django.apps import apps as django_apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from projects import staff_import
from projects.formats import JapaneseCSV, SafeXLSX, csv_cell, from_csv_cell
from projects.models import Department, Project
from projects.resources import DepartmentResource, ProjectResource
from reviews.entries import workflow
from reviews.models import Entry, Message, Round, TextRepair
from reviews.resources import EntryExportResource
from reviews.sheets.export import export_round
from reviews.sheets.workbook.reader import read_sheet
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'
HOSTILE = {
    "implementation": FORMULA,
    "evaluation": "<script>alert('x')</script> & +1",
    "future_policy": "@SUM(A1:A9)\n-2 から始まる行",
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hostile_entry(open_round, staff_a, client):
    """A clerk typed hostile text into every field of the entry form and submitted it."""
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    client.force_login(staff_a)
    response = client.post(reverse("reviews:entry-edit", args=[entry.pk]), {
        "intent": "submit", "version": entry.version, "status": "A", "confirmed": "on", **HOSTILE})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Entry.objects.get(pk=entry.pk)


def export_entries(format_class) -> bytes:
    return format_class().export_data(EntryExportResource().export())


def test_hostile_text_shows_as_text_on_the_entry_page(client, hostile_entry, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("reviews:entry", args=[hostile_entry.pk])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; +1" in page


def test_hostile_text_is_a_string_cell_in_the_official_sheet(hostile_entry):
    buffer = io.BytesIO()
    export_round(hostile_entry.round, buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    for text in HOSTILE.values():
        assert cells[text].data_type == "s"
    assert read_sheet(buffer.getvalue()).ok  # and it reads back as text, not as a formula


def test_no_formula_reaches_excel_from_the_flat_csv_export(hostile_entry):
    rows = list(tablib.Dataset().load(export_entries(JapaneseCSV).decode("utf-8-sig"), format="csv"))
    row = next(r for r in rows if r[3] == "企業等誘致事業")
    assert row[6] == "'" + FORMULA
    assert row[7] == HOSTILE["evaluation"]  # starts with <, which Excel does not evaluate
    assert row[8] == "'" + HOSTILE["future_policy"]


def test_no_formula_reaches_excel_from_the_flat_xlsx_export(hostile_entry):
    sheet = load_workbook(io.BytesIO(export_entries(SafeXLSX))).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == FORMULA]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


@pytest.mark.parametrize("text", ["=1+1", "+81", "-2", "@x", "\tタブ", "'=引用符つき", "''二つ", "'", "普通の文",
                                  "", "-", "'abc"])
def test_the_csv_quote_is_added_exactly_when_needed_and_removed_exactly_once(text):
    written = csv_cell(text)
    assert from_csv_cell(written) == text
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_numbers_are_never_quoted():
    assert csv_cell(-5) == -5 and csv_cell(3.5) == 3.5 and csv_cell(None) is None


def test_a_flat_csv_exported_and_imported_back_is_unchanged(seed):
    project = Project.objects.get(name="企業等誘致事業")
    Project.objects.filter(pk=project.pk).update(description="=SUM(1,2) と '-3 と @人")
    Department.objects.create(name="-企画係")
    before = sorted(Project.objects.values_list("name", "description"))
    departments_before = sorted(Department.objects.values_list("name", flat=True))
    for resource in (DepartmentResource(), ProjectResource()):
        data = JapaneseCSV().export_data(resource.export())
        assert b"'=SUM" in data or resource.__class__ is DepartmentResource
        result = resource.import_data(JapaneseCSV().create_dataset(data), dry_run=False, raise_errors=True)
        assert not result.has_errors() and not result.has_validation_errors()
    assert sorted(Project.objects.values_list("name", "description")) == before
    assert sorted(Department.objects.values_list("name", flat=True)) == departments_before


def test_hostile_text_in_a_return_comment_arrives_by_email_as_plain_text(
        django_capture_on_commit_callbacks, hostile_entry, reviewer, staff_a):
    staff_a.email = "shoko@example.jp"
    staff_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_entry(hostile_entry, by=reviewer, version=hostile_entry.version, comment=FORMULA + "\n<b>x</b>")
    [message] = mail.outbox
    assert FORMULA in message.body and "<b>x</b>" in message.body
    assert "\n" not in message.subject and not message.alternatives  # a plain-text mail, one-line subject


# Control characters -----------------------------------------------------------------------------

BELL = "講座を開催\x07した"
OVERRIDE = "参加者\u202e数"


@pytest.mark.parametrize("text", [BELL, OVERRIDE, "改\x0cページ", "ヌル\x00"])
def test_the_entry_form_refuses_a_control_character_with_a_japanese_message(client, open_round, staff_a, text):
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    client.force_login(staff_a)
    response = client.post(reverse("reviews:entry-edit", args=[entry.pk]), {
        "intent": "save", "version": entry.version, **{**FILLED, "evaluation": text}})
    assert response.status_code == 400
    assert "使えない制御文字（U+" in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).evaluation == ""


def test_a_nul_typed_in_the_search_is_told_once(client, seed, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("reviews:search"), {"q": "講座\x00"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "使えない制御文字（U+0000）" in page and "NUL 文字" not in page
    assert len(response.context["form"].errors["q"]) == 1


def every_form_field():
    """(form, name, field) for every declared field of every form of the project's apps."""
    import pkgutil

    from django import forms

    for package in ("projects", "reviews"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    pending, seen = [forms.BaseForm], set()
    while pending:
        for form in pending.pop().__subclasses__():
            if form not in seen:
                seen.add(form)
                pending.append(form)
                if form.__module__.startswith(("projects.", "reviews.")):
                    for name, field in getattr(form, "base_fields", {}).items():
                        yield form, name, field


def test_every_form_field_that_refuses_control_characters_says_so_once():
    """Its message names U+0000 itself: Django's NUL check beside it would be a second message."""
    from django.core.validators import ProhibitNullCharactersValidator

    from projects.validators import validate_safe_text

    checked = [(form, name, field) for form, name, field in every_form_field() if validate_safe_text in field.validators]
    assert len(checked) >= 15
    for form, name, field in checked:
        assert not any(isinstance(v, ProhibitNullCharactersValidator) for v in field.validators), (form, name)


def test_line_breaks_and_tabs_are_kept_and_crlf_becomes_lf(client, open_round, staff_a):
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    client.force_login(staff_a)
    client.post(reverse("reviews:entry-edit", args=[entry.pk]), {
        "intent": "save", "version": entry.version, **{**FILLED, "evaluation": "一行目\r\n\t二行目\r三行目"}})
    assert Entry.objects.get(pk=entry.pk).evaluation == "一行目\n\t二行目\n三行目"


def test_a_message_with_a_control_character_is_refused(open_round, staff_a):
    from reviews.entries import conversation

    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    with pytest.raises(conversation.ConversationError, match="使えない制御文字"):
        conversation.post_message(entry, by=staff_a, body=BELL)
    assert not Message.objects.exists()


def test_a_sheet_cell_with_a_control_character_is_refused_naming_the_cell(open_round):
    buffer = io.BytesIO()
    export_round(open_round, buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book.active
    target = next(row[4] for row in sheet.iter_rows() if row[2].value and "企業等誘致事業" in str(row[2].value))
    # C0 characters cannot even be stored in a sheet's XML; a bidirectional override can.
    target.value = OVERRIDE
    edited = io.BytesIO()
    book.save(edited)
    result = read_sheet(edited.getvalue())
    assert [(e.row, e.column) for e in result.errors] == [(target.row, "E")]
    assert "U+202E" in result.errors[0].message


def test_a_flat_import_row_with_a_control_character_is_refused(seed):
    dataset = tablib.Dataset(headers=["部署名", "上位の部署"])
    dataset.append(["新しい\x07課", ""])
    result = DepartmentResource().import_data(dataset, dry_run=True)
    assert result.has_validation_errors()
    assert "使えない制御文字" in str(result.invalid_rows[0].error)
    assert not Department.objects.filter(name__startswith="新しい").exists()


def test_a_staff_list_with_a_control_character_names_the_line(seed):
    csv = "氏名,ログイン名,部署,役割\r\n商工\x07花子,hanako,商工観光課,担当課職員\r\n"
    result = staff_import.parse(csv.encode("utf-8"))
    assert not result.ok and result.errors[0].startswith("2行目") and "U+0007" in result.errors[0]


def test_what_was_stored_before_the_rule_is_stripped_from_every_output(client, open_round, reviewer):
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    Entry.objects.filter(pk=entry.pk).update(evaluation=BELL, implementation=OVERRIDE)
    # The flat XLSX export used to fail with IllegalCharacterError on such a text.
    sheet = load_workbook(io.BytesIO(export_entries(SafeXLSX))).active
    values = {cell.value for row in sheet.iter_rows() for cell in row}
    assert "講座を開催した" in values and "参加者数" in values
    assert "講座を開催した" in export_entries(JapaneseCSV).decode("utf-8-sig")
    buffer = io.BytesIO()
    export_round(open_round, buffer)
    assert read_sheet(buffer.getvalue()).ok
    client.force_login(reviewer)
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    assert "講座を開催した" in page and "\x07" not in page and "\u202e" not in page


def test_the_data_migration_cleans_entries_and_the_hierarchy_and_records_what_it_changed(open_round):
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    Entry.objects.filter(pk=entry.pk).update(evaluation=BELL)
    Project.objects.filter(pk=entry.project_id).update(description="事業\u2066の内容")
    Round.objects.filter(pk=open_round.pk).update(legend="凡例\x0b")
    migration = importlib.import_module("reviews.migrations.0005_remove_control_characters")
    migration.remove_control_characters(django_apps, None)
    assert Entry.objects.get(pk=entry.pk).evaluation == "講座を開催した"
    assert Project.objects.get(pk=entry.project_id).description == "事業の内容"
    assert Round.objects.get(pk=open_round.pk).legend == "凡例"
    repairs = {(r.table, r.field, r.before, r.after) for r in TextRepair.objects.all()}
    assert ("reviews_entry", "evaluation", BELL, "講座を開催した") in repairs
    assert len(repairs) == 3


def test_an_upload_of_a_sheet_with_a_control_character_changes_nothing(client, open_round, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    download = client.get(reverse("reviews:round-sheet-download", args=[open_round.pk]),
                          {"download-department": shoko.pk})
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    next(row[5] for row in book.active.iter_rows() if row[2].value and "企業等誘致事業" in str(row[2].value)).value = OVERRIDE
    edited = io.BytesIO()
    book.save(edited)
    preview = client.post(reverse("reviews:round-sheet-upload", args=[open_round.pk]), {
        "upload-department": shoko.pk, "upload-file": SimpleUploadedFile("課.xlsx", edited.getvalue())})
    assert preview.context["token"] is None and "U+202E" in preview.content.decode()


def test_every_flat_export_in_the_admin_goes_through_the_safe_formats():
    from django.contrib import admin

    from projects.formats import FLAT_FORMATS

    exporting = [a for a in admin.site._registry.values() if hasattr(a, "get_export_formats")]
    assert len(exporting) >= 5  # departments, goals, policies, projects, entries
    for model_admin in exporting:
        assert model_admin.get_export_formats() == FLAT_FORMATS, type(model_admin).__name__


def test_numbers_are_number_cells_in_the_flat_xlsx_export(seed):
    from projects.resources import GoalResource

    sheet = load_workbook(io.BytesIO(SafeXLSX().export_data(GoalResource().export()))).active
    numbers = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [1, 2, 3, 4]


def test_a_flat_import_refuses_a_name_longer_than_the_model_allows(seed):
    dataset = tablib.Dataset(headers=["部署名", "上位の部署"])
    dataset.append(["課" * 101, ""])
    result = DepartmentResource().import_data(dataset, dry_run=True)
    assert result.has_validation_errors()
