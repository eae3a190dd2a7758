"""Stateless application servers (issue 15, item 4): what one server begins, another finishes.

A sheet previewed on one app server is confirmed on another; the admin's flat import crosses
servers between its two steps; kept sheets are downloaded, through a view that checks who asks,
wherever they were uploaded. Each "server" has its own MEDIA_ROOT and temporary folder and, in the
tests that start one, its own process and memory: they share only the database, SECRET_KEY and the
browser's cookies. With UPLOAD_STORAGE="files" they share MEDIA_ROOT instead, and a control test
shows that two servers with folders of their own fail (what every server did before).
"""

import hashlib
import importlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from iruma_eval.settings import BASE_DIR
from projects.models import Department
from reviews.models import Entry, Round, SheetUpload, StoredFile
from reviews.sheets import uploads
from reviews.sheets.export import XLSX_TYPE
from reviews.sheets.storage import FLAT_IMPORT_FOLDER, DatabaseStorage, FlatImportStorage
from reviews.sheets.views import download_name
from tests.factories import make_department, make_round
from tests.reviews.sheets.other_server import ANSWER_MARK
from tests.reviews.sheets.test_sheet_import import edited_sheet
from tests.reviews.sheets.test_sheet_screens import download, fill_in, upload
from tests.test_settings import read_settings

pytestmark = pytest.mark.django_db

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FILE_LINK_RE = re.compile(r'href="(/sheet-uploads/\d+/file/)"')


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def on_server(settings, monkeypatch, tmp_path):
    """Send the next requests to one app server of this process: its own MEDIA_ROOT and temporary
    folder, and its local caches as empty as a fresh process's."""

    def switch(name: str) -> Path:
        root = tmp_path / name
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        settings.MEDIA_ROOT = root / "media"
        monkeypatch.setattr(tempfile, "tempdir", str(root / "tmp"))
        for cache in caches.all():
            cache.clear()
        return root

    return switch


# One process, two servers ------------------------------------------------------------------------

def test_a_sheet_previewed_on_one_server_is_confirmed_on_another_with_nothing_on_either_disk(
        client, reviewer, open_round, on_server):
    client.force_login(reviewer)
    url = reverse("admin:reviews_round_upload", args=[open_round.pk])
    data = edited_sheet(open_round, {"企業等誘致事業": {"implementation": "二台目のサーバーで確定"}})

    server_a = on_server("a")
    preview = client.post(url, {"file": SimpleUploadedFile("市全体.xlsx", data), "department": ""})
    token = preview.context["token"]
    assert token and files_under(server_a) == []
    assert StoredFile.objects.filter(name__startswith=f"{uploads.PENDING_DIR}/").count() == 1
    shutil.rmtree(server_a)  # the first server is gone: nothing of it is needed

    server_b = on_server("b")
    done = client.post(url, {"token": token, "department": ""}, follow=True)

    assert "取り込みました（変更 1件）" in done.content.decode()
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == "二台目のサーバーで確定"
    kept = SheetUpload.objects.get()
    with kept.file.open("rb") as stream:
        assert stream.read() == data
    assert not StoredFile.objects.filter(name__startswith=f"{uploads.PENDING_DIR}/").exists()
    assert files_under(server_b) == []


def import_departments_step_one(client, csv: bytes):
    preview = client.post(reverse("admin:projects_department_import"),
                          {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("部署.csv", csv)})
    assert preview.status_code == 200, preview.content.decode()[:2000]
    return preview


def test_the_admins_flat_import_keeps_its_file_in_the_database_between_two_servers(client, admin_user, on_server):
    client.force_login(admin_user)
    csv = "部署名,上位の部署\r\n危機管理課,\r\n危機管理課（防災係）,危機管理課\r\n".encode("cp932")

    server_a = on_server("a")
    preview = import_departments_step_one(client, csv)
    confirm = preview.context["confirm_form"].initial
    waiting = StoredFile.objects.get(name=f"{FLAT_IMPORT_FOLDER}/{confirm['import_file_name']}")
    assert bytes(waiting.content) == csv
    assert files_under(server_a) == []  # import-export's default would have left it in this server's /tmp
    shutil.rmtree(server_a)

    server_b = on_server("b")
    done = client.post(reverse("admin:projects_department_process_import"), confirm, follow=True)

    assert "取り込みました: 新規 2 件" in done.content.decode()
    assert Department.objects.get(name="危機管理課（防災係）").parent.name == "危機管理課"
    assert not StoredFile.objects.filter(name__startswith=f"{FLAT_IMPORT_FOLDER}/").exists()
    assert files_under(server_b) == []


def test_a_crafted_flat_import_file_name_reaches_no_kept_sheet(client, admin_user):
    with pytest.raises(SuspiciousFileOperation):
        FlatImportStorage(name="../sheets/2026/12/入力表.xlsx")
    client.force_login(admin_user)
    confirm = import_departments_step_one(client, "部署名,上位の部署\r\n会計課,\r\n".encode()).context["confirm_form"]
    response = client.post(reverse("admin:projects_department_process_import"),
                           {**confirm.initial, "import_file_name": "../sheets/pending/x.xlsx"})
    # Refused before anything is read, and told as a confirmation that has nothing left to confirm.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:projects_department_import")
    assert not Department.objects.filter(name="会計課").exists()


def test_previews_and_flat_imports_nobody_confirmed_are_deleted_once_stale():
    storage = DatabaseStorage()
    old = timezone.now() - timedelta(days=2)
    for name in (f"{uploads.PENDING_DIR}/old.xlsx", f"{FLAT_IMPORT_FOLDER}/{'a' * 32}", "sheets/2026/12/kept.xlsx"):
        storage.save(name, ContentFile(b"x"))
    StoredFile.objects.update(modified_at=old)

    uploads.stage(b"new", "入力表.xlsx", "context")
    assert not storage.exists(f"{uploads.PENDING_DIR}/old.xlsx")
    FlatImportStorage().save(b"new")
    assert not storage.exists(f"{FLAT_IMPORT_FOLDER}/{'a' * 32}")
    assert storage.exists("sheets/2026/12/kept.xlsx")  # kept sheets are never purged
    assert StoredFile.objects.count() == 3  # the kept one and the two new


def test_the_database_storage_behaves_as_a_django_storage():
    storage = DatabaseStorage()
    first = storage.save("sheets/2026/12/入力表.xlsx", ContentFile(b"one"))
    second = storage.save("sheets/2026/12/入力表.xlsx", ContentFile(b"two"))
    assert first == "sheets/2026/12/入力表.xlsx" and second != first and second.endswith(".xlsx")
    assert storage.listdir("sheets") == (["2026"], [])
    assert storage.listdir("sheets/2026/12") == ([], sorted([first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]]))
    with storage.open(second) as stream:
        assert stream.read() == b"two"
    assert storage.size(first) == 3 and storage.get_modified_time(first) <= timezone.now()
    storage.delete(first)
    assert not storage.exists(first)
    with pytest.raises(FileNotFoundError):
        storage.open(first)
    with pytest.raises(ValueError):
        storage.open(second, "wb")


# UPLOAD_STORAGE = "files": one folder every server shares ------------------------------------

@pytest.fixture
def files_storage(settings):
    settings.UPLOAD_STORAGE = "files"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def preview_as_clerk(client, round_):
    shoko = Department.objects.get(name="商工観光課")
    filled = fill_in(download(client, round_, shoko), {"企業等誘致事業": {"implementation": "共有フォルダ"}})
    preview = upload(client, round_, filled, shoko)
    return preview.context["token"], shoko


def test_with_files_two_servers_that_share_media_root_finish_each_others_uploads(
        client, staff_a, open_round, files_storage, settings, on_server, tmp_path):
    client.force_login(staff_a)
    on_server("a")
    settings.MEDIA_ROOT = tmp_path / "shared"
    token, shoko = preview_as_clerk(client, open_round)
    assert StoredFile.objects.count() == 0 and files_under(tmp_path / "shared")

    on_server("b")
    settings.MEDIA_ROOT = tmp_path / "shared"
    done = client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]),
                       {"token": token, "upload-department": shoko.pk}, follow=True)

    assert "入力表を取り込みました（変更 1 件）" in done.content.decode()
    kept = SheetUpload.objects.get()
    assert (tmp_path / "shared" / kept.file.name).is_file() and StoredFile.objects.count() == 0


def test_with_files_a_server_with_a_folder_of_its_own_cannot_confirm_another_servers_preview(
        client, staff_a, open_round, files_storage, on_server):
    """The control: servers that keep files on their own disks fail, which the tests above would see."""
    client.force_login(staff_a)
    on_server("a")
    token, shoko = preview_as_clerk(client, open_round)
    on_server("b")
    done = client.post(reverse("reviews:round-sheet-confirm", args=[open_round.pk]),
                       {"token": token, "upload-department": shoko.pk}, follow=True)
    assert "確認中のファイルが見つかりません" in done.content.decode()
    assert not SheetUpload.objects.exists()


# Two processes ---------------------------------------------------------------------------------

@contextmanager
def database_for_the_other_server(tmp_path):
    """The URL at which another process reaches this test's database. PostgreSQL's is shared as
    it is; SQLite's test database lives in this process's memory, so it is copied to a file for
    the other process and copied back afterwards, which is the same as sharing it."""
    if connection.vendor != "sqlite":
        db = connection.settings_dict
        yield (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
               f"/{db['NAME']}")
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()
    yield f"sqlite:///{path}"
    with sqlite3.connect(path) as copy:
        copy.backup(connection.connection)
    copy.close()


def on_other_server(root: Path, database_url: str, cookies: dict, requests: list[dict]) -> list[dict]:
    """Run ``requests`` in a new process: the other app server, with its own MEDIA_ROOT and TMPDIR."""
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(root / "media"),
           "TMPDIR": str(root / "tmp"), "DJANGO_SETTINGS_MODULE": "iruma_eval.settings"}
    env.pop("UPLOAD_STORAGE", None)  # the default, as an installation that sets nothing
    done = subprocess.run([sys.executable, "-m", "tests.reviews.sheets.other_server"], cwd=BASE_DIR, env=env,
                          input=json.dumps({"cookies": cookies, "requests": requests}),
                          capture_output=True, text=True, timeout=120)
    answer = [line for line in done.stdout.splitlines() if line.startswith(ANSWER_MARK)]
    assert done.returncode == 0 and answer, done.stderr[-3000:]
    return json.loads(answer[-1].removeprefix(ANSWER_MARK))


def cookies_of(client) -> dict:
    return {name: morsel.value for name, morsel in client.cookies.items()}


@pytest.mark.django_db(transaction=True)
def test_a_sheet_previewed_through_one_server_process_is_confirmed_through_another(
        client, staff_a, open_round, on_server, tmp_path):
    """The browser's preview reaches this process; its confirmation and the kept sheet's download
    reach two other processes that never saw the file: same session, same token, same CSRF."""
    client.force_login(staff_a)
    server_a = on_server("a")
    shoko = Department.objects.get(name="商工観光課")
    filled = fill_in(download(client, open_round, shoko), {"企業等誘致事業": {"implementation": "別のプロセスで確定"}})
    preview = upload(client, open_round, filled, shoko)
    token, page = preview.context["token"], preview.content.decode()
    csrf = CSRF_RE.search(page).group(1)
    assert token and files_under(server_a) == []

    sheet_page = reverse("reviews:round-sheet", args=[open_round.pk])
    with database_for_the_other_server(tmp_path) as database_url:
        confirmed, listed = on_other_server(tmp_path / "b", database_url, cookies_of(client), [
            {"method": "post", "path": reverse("reviews:round-sheet-confirm", args=[open_round.pk]),
             "data": {"token": token, "upload-department": shoko.pk, "csrfmiddlewaretoken": csrf}},
            {"method": "get", "path": sheet_page},
        ])
        assert (confirmed["status"], confirmed["location"]) == (302, sheet_page), confirmed["text"][:2000]
        assert "入力表を取り込みました（変更 1 件）" in listed["text"]
        link = FILE_LINK_RE.search(listed["text"]).group(1)
        (downloaded,) = on_other_server(tmp_path / "c", database_url, cookies_of(client),
                                        [{"method": "get", "path": link}])

    assert downloaded["status"] == 200 and downloaded["content_type"] == XLSX_TYPE
    assert downloaded["sha256"] == hashlib.sha256(filled).hexdigest()
    assert Entry.objects.get(round=open_round, project__name="企業等誘致事業").implementation == "別のプロセスで確定"
    assert SheetUpload.objects.get().uploaded_by == staff_a
    assert not StoredFile.objects.filter(name__startswith=f"{uploads.PENDING_DIR}/").exists()
    assert files_under(server_a) == files_under(tmp_path / "b") == files_under(tmp_path / "c") == []


@pytest.mark.django_db(transaction=True)
def test_the_flat_import_confirmed_through_another_server_process(client, admin_user, on_server, tmp_path):
    client.force_login(admin_user)
    server_a = on_server("a")
    preview = import_departments_step_one(client, "部署名,上位の部署\r\n市民協働課,\r\n".encode("utf-8-sig"))
    confirm = preview.context["confirm_form"].initial
    csrf = CSRF_RE.search(preview.content.decode()).group(1)
    assert files_under(server_a) == []

    with database_for_the_other_server(tmp_path) as database_url:
        (done,) = on_other_server(tmp_path / "b", database_url, cookies_of(client), [
            {"method": "post", "path": reverse("admin:projects_department_process_import"),
             "data": {**confirm, "csrfmiddlewaretoken": csrf}}])

    assert done["status"] == 302, done["text"][:2000]
    assert Department.objects.filter(name="市民協働課").exists()
    assert not StoredFile.objects.exists()
    assert files_under(tmp_path / "b") == []


# Kept sheets: who downloads them ------------------------------------------------------------

def keep(round_, department, content: bytes = b"PK\x03\x04 sheet", name: str = "入力表.xlsx") -> SheetUpload:
    return SheetUpload.objects.create(round=round_, department=department, original_name=name,
                                      kind=SheetUpload.Kind.UPDATE, file=ContentFile(content, name=name))


def file_url(kept: SheetUpload) -> str:
    return reverse("reviews:sheet-upload-file", args=[kept.pk])


def test_a_kept_sheet_downloads_for_its_department_and_the_planning_division_and_404s_for_others(
        client, staff_a, staff_b, reviewer, admin_user):
    round_ = make_round()
    shoko = Department.objects.get(name="商工観光課")
    kept = keep(round_, shoko, b"PK\x03\x04 shoko", "商工観光課の入力表.xlsx")
    for user in (staff_a, reviewer, admin_user):
        client.force_login(user)
        response = client.get(file_url(kept))
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == b"PK\x03\x04 shoko"
        assert response["Content-Type"] == XLSX_TYPE
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''%E5%95%86%E5%B7%A5%E8%A6%B3%E5%85%89%E8%AA%B2%E3%81%AE%E5%85%A5%E5%8A%9B"
            "%E8%A1%A8.xlsx")
        assert "no-store" in response["Cache-Control"]
    client.force_login(staff_b)
    assert client.get(file_url(kept)).status_code == 404
    assert client.get(reverse("reviews:sheet-upload-file", args=[kept.pk + 1000])).status_code == 404
    client.logout()
    assert client.get(file_url(kept)).status_code == 302  # to the sign-in page


def test_the_citys_sheet_is_the_planning_divisions_and_a_sub_unit_is_its_parents(client, staff_a, reviewer):
    round_ = make_round()
    city = keep(round_, None)
    unit = keep(round_, make_department("観光係", parent=Department.objects.get(name="商工観光課")))
    client.force_login(staff_a)
    assert client.get(file_url(city)).status_code == 404
    assert client.get(file_url(unit)).status_code == 200
    client.force_login(reviewer)
    assert client.get(file_url(city)).status_code == 200


def test_a_department_sees_no_kept_sheet_of_a_round_still_in_preparation(client, staff_a, reviewer):
    kept = keep(make_round(fiscal_year=2019, state=Round.State.PREPARING), Department.objects.get(name="商工観光課"))
    client.force_login(staff_a)
    assert client.get(file_url(kept)).status_code == 404
    client.force_login(reviewer)
    assert client.get(file_url(kept)).status_code == 200


def test_a_kept_sheet_whose_file_is_gone_is_a_404_not_an_error(client, reviewer):
    kept = keep(make_round(), None)
    default_storage.delete(kept.file.name)
    client.force_login(reviewer)
    assert client.get(file_url(kept)).status_code == 404


def test_the_sheet_page_and_the_admin_link_each_kept_sheet_to_the_view(client, staff_a, admin_user):
    round_ = make_round()
    kept = keep(round_, Department.objects.get(name="商工観光課"))
    client.force_login(staff_a)
    assert file_url(kept) in client.get(reverse("reviews:round-sheet", args=[round_.pk])).content.decode()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:reviews_sheetupload_changelist")).content.decode()
    detail = client.get(reverse("admin:reviews_sheetupload_change", args=[kept.pk]))
    assert detail.status_code == 200
    assert file_url(kept) in listing and file_url(kept) in detail.content.decode()
    assert "/media/" not in detail.content.decode()
    assert client.get(file_url(kept)).status_code == 200


@pytest.mark.parametrize(("original", "offered"), [
    ("入力表.xlsx", "入力表.xlsx"),
    ("../../etc/passwd", "_.._etc_passwd.xlsx"),
    ("C:\\Users\\clerk\\入力表.xlsx", "C__Users_clerk_入力表.xlsx"),
    ("入力表\r\nSet-Cookie: x=1.xlsx", "入力表Set-Cookie_ x=1.xlsx"),
    ('"; filename="evil.exe', "_; filename=_evil.exe.xlsx"),
    ("\u202excod.xlsx", "xcod.xlsx"),  # a right-to-left override that would show another name
    ("report\u2028two.xlsx", "reporttwo.xlsx"),
    ("...", "入力表.xlsx"),
    ("", "入力表.xlsx"),
    ("あ" * 300 + ".xlsx", "あ" * 120 + ".xlsx"),
])
def test_hostile_file_names_are_made_safe_for_the_download(original, offered):
    assert download_name(original) == offered


def test_a_hostile_name_never_reaches_the_header_as_it_was(client, reviewer):
    kept = keep(make_round(), None)
    SheetUpload.objects.filter(pk=kept.pk).update(original_name='a"\r\nX-Evil: 1\u202e/..\\b.xlsx')
    client.force_login(reviewer)
    response = client.get(file_url(kept))
    header = response["Content-Disposition"]
    assert response.status_code == 200 and "X-Evil" not in response.headers
    assert header == 'attachment; filename="a_X-Evil_ 1_.._b.xlsx"'
    assert header.isascii() and "\r" not in header and "\n" not in header


# The migration that moves kept sheets into the database --------------------------------------

MIGRATION = importlib.import_module("reviews.migrations.0022_files_in_the_database")


def test_the_migration_copies_kept_and_waiting_sheets_into_the_database_and_reports_the_missing(
        tmp_path, caplog, settings):
    round_ = make_round()
    media = tmp_path / "media"
    (media / "sheets/2026/11").mkdir(parents=True)
    (media / "sheets/2026/11/kept.xlsx").write_bytes(b"kept sheet")
    (media / "sheets/pending").mkdir(parents=True)
    (media / "sheets/pending/abc.xlsx").write_bytes(b"waiting preview")
    for name in ("sheets/2026/11/kept.xlsx", "sheets/2026/11/lost.xlsx"):
        SheetUpload.objects.create(round=round_, kind=SheetUpload.Kind.UPDATE, original_name=name, file=name)

    copied, missing = MIGRATION.copy_files_into_database(SheetUpload, StoredFile, media)

    assert (copied, missing) == (2, ["sheets/2026/11/lost.xlsx"])
    assert "sheets/2026/11/lost.xlsx" in caplog.text
    kept = SheetUpload.objects.get(file="sheets/2026/11/kept.xlsx")
    with kept.file.open("rb") as stream:
        assert stream.read() == b"kept sheet"  # read through the default storage, now the database
    assert bytes(StoredFile.objects.get(name="sheets/pending/abc.xlsx").content) == b"waiting preview"
    assert (media / "sheets/2026/11/kept.xlsx").read_bytes() == b"kept sheet"  # the original stays
    assert MIGRATION.copy_files_into_database(SheetUpload, StoredFile, media) == (0, ["sheets/2026/11/lost.xlsx"])

    StoredFile.objects.all().delete()
    settings.MEDIA_ROOT = media
    settings.UPLOAD_STORAGE = "files"
    from django.apps import apps

    MIGRATION.move_kept_files(apps, None)
    assert not StoredFile.objects.exists()  # with shared files, they stay where they are read


# The setting -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "backend"), [
    ("", "reviews.sheets.storage.DatabaseStorage"),
    ("database", "reviews.sheets.storage.DatabaseStorage"),
    ("Files", "django.core.files.storage.FileSystemStorage"),
])
def test_upload_storage_chooses_the_default_storage(value, backend):
    result = read_settings({"UPLOAD_STORAGE": value}, "s.STORAGES['default']['BACKEND'], s.IMPORT_EXPORT_TMP_STORAGE_CLASS")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{backend} reviews.sheets.storage.FlatImportStorage"


def test_upload_storage_refuses_anything_else():
    result = read_settings({"UPLOAD_STORAGE": "s3"}, "s.UPLOAD_STORAGE")
    assert result.returncode != 0 and "UPLOAD_STORAGE must be database or files" in result.stderr
