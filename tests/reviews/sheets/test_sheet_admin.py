"""The official sheet in the admin: download, upload with preview and confirmation, new rounds."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Department
from reviews.models import Entry, Round, SheetUpload
from tests.reviews.sheets.test_sheet_import import GOLDEN, edited_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_reviewer_downloads_the_city_sheet_and_a_departments_sheet(client, reviewer, open_round):
    client.force_login(reviewer)
    url = reverse("admin:reviews_round_sheet", args=[open_round.pk])
    assert client.get(url).status_code == 200  # the choice form
    response = client.get(url, {"department": "", "submit": "1"})
    whole = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename" in response["Content-Disposition"]
    shoko = Department.objects.get(name="商工観光課")
    response = client.get(url, {"department": shoko.pk})
    part = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert part.max_row < whole.max_row
    assert part.title == "商工観光課"


def test_a_reviewer_uploads_a_sheet_previews_it_and_confirms(client, reviewer, open_round):
    client.force_login(reviewer)
    url = reverse("admin:reviews_round_upload", args=[open_round.pk])
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "管理画面から取り込み"}})

    preview = client.post(url, {"file": SimpleUploadedFile("市全体.xlsx", data), "department": ""})
    page = preview.content.decode()
    assert "変更される項目（1件）" in page and "管理画面から取り込み" in page
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == ""

    token = preview.context["token"]
    done = client.post(url, {"token": token, "department": ""}, follow=True)

    assert "取り込みました（変更 1件）" in done.content.decode()
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == "管理画面から取り込み"
    upload = SheetUpload.objects.get()
    assert (upload.uploaded_by, upload.original_name, upload.round) == (reviewer, "市全体.xlsx", open_round)
    assert upload.summary["changes"][0]["project"] == "企業等誘致事業"


def test_an_upload_with_errors_lists_them_and_offers_no_confirmation(client, reviewer, open_round):
    client.force_login(reviewer)
    url = reverse("admin:reviews_round_upload", args=[open_round.pk])
    bad = (GOLDEN / "defect_letter_e.xlsx").read_bytes()
    page = client.post(url, {"file": SimpleUploadedFile("bad.xlsx", bad)}).content.decode()
    assert "何も取り込んでいません" in page and "行目" in page
    assert 'name="token"' not in page


def test_a_tampered_confirmation_token_is_refused(client, reviewer, open_round):
    client.force_login(reviewer)
    url = reverse("admin:reviews_round_upload", args=[open_round.pk])
    response = client.post(url, {"token": "forged"}, follow=True)
    assert "正しくない操作です" in response.content.decode()
    assert SheetUpload.objects.count() == 0


def with_heading(data: bytes, old: str, new: str) -> bytes:
    """The sheet with its 実施内容 heading retyped, as the planning division does for a new year."""
    workbook = load_workbook(io.BytesIO(data))
    for row in workbook.active.iter_rows():
        for cell in row:
            if cell.value == old:
                cell.value = new
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_administrator_loads_a_sheet_as_a_new_round(client, admin_user, open_round):
    client.force_login(admin_user)
    url = reverse("admin:reviews_round_load_sheet")
    data = with_heading((GOLDEN / "clean.xlsx").read_bytes(), "平成28、29年度の実施内容", "令和元年度の実施内容")
    preview = client.post(url, {"file": SimpleUploadedFile("clean.xlsx", data), "fiscal_year": "R1"})
    assert "作成されるもの" in preview.content.decode()
    done = client.post(url, {"token": preview.context["token"], "fiscal_year": "2019"}, follow=True)
    assert done.status_code == 200
    round_ = Round.objects.get(fiscal_year=2019)
    assert round_.entries.count() == 5 and round_.state == Round.State.PREPARING
    assert SheetUpload.objects.get().kind == SheetUpload.Kind.NEW_ROUND


def test_a_sheet_of_another_year_is_not_loaded_as_a_new_round(client, admin_user, open_round):
    """The FY2016–17 sheet loaded as 令和元年度 would create that round with those years' texts."""
    client.force_login(admin_user)
    url = reverse("admin:reviews_round_load_sheet")
    data = (GOLDEN / "clean.xlsx").read_bytes()
    preview = client.post(url, {"file": SimpleUploadedFile("clean.xlsx", data), "fiscal_year": "R1"})
    text = preview.content.decode()
    assert "「平成28、29年度の実施内容」は平成29年度（2017年度）の実施内容です" in text
    assert "令和元年度（2019年度）の評価回には取り込めません" in text
    assert not preview.context.get("token")
    assert not Round.objects.filter(fiscal_year=2019).exists()


def test_last_years_sheet_uploaded_to_this_years_round_is_refused(client, staff_a, open_round):
    """Matched by names alone, its rows would write last year's texts over this year's entries."""
    shoko = Department.objects.get(name="商工観光課")
    last_year = Round.objects.get(fiscal_year=2017)
    data = edited_sheet(last_year, {}, department=shoko)
    client.force_login(staff_a)
    before = list(Entry.objects.filter(round=open_round).values_list("pk", "version"))
    response = client.post(reverse("reviews:round-sheet-upload", args=[open_round.pk]),
                           {"upload-file": SimpleUploadedFile("last.xlsx", data), "upload-department": str(shoko.pk)})
    assert "平成29年度（2017年度）の実施内容です。この評価回（平成30年度 実施事業評価）には取り込めません" in \
        response.content.decode()
    assert list(Entry.objects.filter(round=open_round).values_list("pk", "version")) == before


def test_a_department_user_cannot_reach_the_sheet_pages_of_the_admin(client, staff_a, open_round):
    client.force_login(staff_a)
    for url in (reverse("admin:reviews_round_sheet", args=[open_round.pk]),
                reverse("admin:reviews_round_upload", args=[open_round.pk]),
                reverse("admin:reviews_round_load_sheet")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_a_reviewer_cannot_rewrite_a_published_round_in_the_admin(client, reviewer, seed):
    round_ = Round.objects.get(fiscal_year=2017)
    client.force_login(reviewer)
    client.post(reverse("admin:reviews_round_change", args=[round_.pk]), {
        "title": "書き換え", "implementation_heading": "x", "legend": "x", "deadline": "2030-01-01"})
    round_.refresh_from_db()
    assert round_.title == "平成29年度 実施事業評価" and round_.legend.startswith("※事業名欄")
    assert client.get(reverse("admin:reviews_round_add")).status_code == 403


def test_only_administrators_load_a_sheet_as_a_new_round(client, reviewer, seed):
    client.force_login(reviewer)
    assert client.get(reverse("admin:reviews_round_load_sheet")).status_code == 403


def test_a_preview_token_confirms_only_what_was_previewed(client, reviewer, open_round):
    client.force_login(reviewer)
    url = reverse("admin:reviews_round_upload", args=[open_round.pk])
    shoko = Department.objects.get(name="商工観光課")
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "課の入力表"}}, department=shoko)
    preview = client.post(url, {"file": SimpleUploadedFile("課.xlsx", data), "department": shoko.pk})
    response = client.post(url, {"token": preview.context["token"], "department": ""}, follow=True)
    assert "確認した内容と違う取込みです" in response.content.decode()
    assert SheetUpload.objects.count() == 0
