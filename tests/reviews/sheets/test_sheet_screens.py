"""Sheets from the screens: a department downloads its sheet, fills it in Excel, uploads it back."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Department
from reviews.models import Entry, SheetUpload
from reviews.sheets.workbook.reader import read_sheet
from reviews.sheets.workbook.writer import write_sheet
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def download(client, round_, department=None, **extra) -> bytes:
    params = {"download-department": department.pk if department else "", **extra}
    response = client.get(reverse("reviews:round-sheet-download", args=[round_.pk]), params)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def fill_in(data: bytes, edits: dict[str, dict], with_memo: bool = False) -> bytes:
    document = read_sheet(data).document
    for project in document.projects():
        for name, value in edits.get(project.name, {}).items():
            setattr(project, name, value)
    buffer = io.BytesIO()
    write_sheet(document, buffer, with_memo=with_memo)
    return buffer.getvalue()


def upload(client, round_, data: bytes, department=None, name="入力表.xlsx"):
    return client.post(reverse("reviews:round-sheet-upload", args=[round_.pk]), {
        "upload-department": department.pk if department else "", "upload-file": SimpleUploadedFile(name, data),
    })


def test_a_clerk_downloads_their_departments_sheet_fills_it_previews_and_confirms(client, staff_a, open_round):
    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    data = download(client, open_round, shoko)
    assert load_workbook(io.BytesIO(data)).active.title == "商工観光課"
    filled = fill_in(data, {"企業等誘致事業": {"status": "A", "implementation": "Excelで書いた実施内容"}})

    preview = upload(client, open_round, filled, shoko)
    page = preview.content.decode()
    assert "変更される項目（2件）" in page and "Excelで書いた実施内容" in page
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == ""

    done = client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]), {
        "token": preview.context["token"], "upload-department": shoko.pk}, follow=True)

    assert "入力表を取り込みました（変更 2 件）" in done.content.decode()
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    assert (entry.status, entry.implementation, entry.state, entry.updated_by) == (
        "A", "Excelで書いた実施内容", Entry.State.DRAFT, staff_a)
    record = SheetUpload.objects.get()
    assert (record.uploaded_by, record.department, record.original_name) == (staff_a, shoko, "入力表.xlsx")
    assert "入力表.xlsx" in done.content.decode()  # listed among the uploads


def test_a_clerk_cannot_download_or_upload_another_departments_or_the_citys_sheet(client, staff_a, open_round):
    client.force_login(staff_a)
    hoken = Department.objects.get(name="地域保健課")
    url = reverse("reviews:round-sheet-download", args=[open_round.pk])
    assert client.get(url, {"download-department": hoken.pk}, follow=True).status_code == 400
    assert "ダウンロードする入力表を選んでください" in client.get(url, {"download-department": hoken.pk},
                                                               follow=True).content.decode()
    assert "ダウンロードする入力表を選んでください" in client.get(url, {"download-department": ""},
                                                               follow=True).content.decode()
    response = upload(client, open_round, b"x", hoken)
    assert response.status_code == 400
    assert SheetUpload.objects.count() == 0


def test_changed_a_department_uploading_the_citys_sheet_is_told_which_sheet_to_use(client, staff_a, reviewer, open_round):
    client.force_login(reviewer)
    city = download(client, open_round)
    filled = fill_in(city, {"企業等誘致事業": {"implementation": "自課の行"}, "妊婦健診事業": {"implementation": "他課の行"}})
    client.force_login(staff_a)
    preview = upload(client, open_round, filled, Department.objects.get(name="商工観光課"))
    page = preview.content.decode()
    assert "何も取り込んでいません" in page and "この入力表は市全体（複数の課）の入力表です" in page
    assert page.count("<li>") - page.count('<li class="message') < 20  # one message, not one per row
    assert preview.context["token"] is None and len(preview.context["result"].errors) == 1
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == ""


def test_the_planning_division_downloads_the_citys_sheet_and_uploads_it(client, reviewer, open_round):
    client.force_login(reviewer)
    data = download(client, open_round, **{"download-with_memo": "on"})
    filled = fill_in(data, {"妊婦健診事業": {"memo": "委員会で質問あり"}}, with_memo=True)
    preview = upload(client, open_round, filled)
    client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]),
                {"token": preview.context["token"], "upload-department": ""})
    assert Entry.objects.get(round=open_round, project__name="妊婦健診事業").memo == "委員会で質問あり"
    assert SheetUpload.objects.get().department is None


def test_a_member_of_two_departments_chooses_which_sheet(client, open_round):
    both = make_user("both", "都市計画課", "企画課")
    client.force_login(both)
    page = client.get(reverse("reviews:round-sheet", args=[open_round.pk])).content.decode()
    assert "都市計画課" in page and "企画課" in page and "市全体" not in page
    data = download(client, open_round, Department.objects.get(name="都市計画課"))
    names = [p.name for p in read_sheet(data).document.projects()]
    assert "多世代居住支援事業" in names and "池袋駅デジタルサイネージ（都市部での地域プロモーション）" not in names


@pytest.mark.parametrize("token", ["forged", "expired"])
def test_a_bad_or_expired_preview_token_keeps_its_message_and_redirects_to_the_sheet_page(
        client, token, open_round, staff_a, monkeypatch):
    from reviews.sheets import uploads

    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    if token == "expired":
        data = fill_in(download(client, open_round, shoko), {"企業等誘致事業": {"implementation": "期限切れ"}})
        preview = client.post(reverse("reviews:round-sheet-upload", args=[open_round.pk]), {
            "upload-department": shoko.pk, "upload-file": SimpleUploadedFile("課.xlsx", data)})
        token = preview.context["token"]
        monkeypatch.setattr(uploads, "TOKEN_MAX_AGE", -1)
    response = client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]),
                           {"token": token, "upload-department": shoko.pk})
    assert response.status_code == 302 and response.url == reverse("reviews:round-sheet", args=[open_round.pk])
    page = client.get(response.url).content.decode()
    assert "確認の期限が切れたか、正しくない操作です。もう一度ファイルを選んでください。" in page
    assert not SheetUpload.objects.exists()
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == ""


def test_a_clerk_who_confirms_the_same_preview_twice_is_told_it_is_done_and_nothing_applies_twice(
        client, staff_a, open_round):
    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    filled = fill_in(download(client, open_round, shoko), {"企業等誘致事業": {"implementation": "一度だけ"}})
    token = upload(client, open_round, filled, shoko).context["token"]
    confirm = {"token": token, "upload-department": shoko.pk}
    first = client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]), confirm, follow=True)
    assert "入力表を取り込みました" in first.content.decode()
    again = client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]), confirm, follow=True)
    page = again.content.decode()
    assert "取り込み済みです" in page and "もう一度確定しても何も変わりません" in page
    assert "見つかりません" not in page
    assert SheetUpload.objects.count() == 1


def test_an_upload_without_a_file_names_the_file_it_needs(client, staff_a, open_round):
    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    response = client.post(reverse("reviews:round-sheet-upload", args=[open_round.pk]), {"upload-department": shoko.pk})
    page = response.content.decode()
    assert "取り込む入力表のファイル（.xlsx）を選んでください。" in page
    assert "このフィールドは必須です" not in page


def test_two_confirmations_racing_each_other_apply_the_sheet_once(client, staff_a, open_round):
    """The second confirmation still finds the preview's file (it came at the same moment): the
    unique record of the confirmed preview rolls it back whole, and it is told why."""
    from django.core import signing
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from reviews.sheets import uploads

    shoko = Department.objects.get(name="商工観光課")
    client.force_login(staff_a)
    filled = fill_in(download(client, open_round, shoko), {"企業等誘致事業": {"implementation": "同時に二回"}})
    token = upload(client, open_round, filled, shoko).context["token"]
    name = signing.loads(token, salt=uploads.TOKEN_SALT)["name"]
    confirm = {"token": token, "upload-department": shoko.pk}
    client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]), confirm)
    default_storage.save(name, ContentFile(filled))  # as the second request saw it
    events = Entry.objects.get(round=open_round, project__name="企業等誘致事業").events.count()
    again = client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]), confirm, follow=True)
    assert "取り込み済みです" in again.content.decode()
    assert SheetUpload.objects.count() == 1
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").events.count() == events
