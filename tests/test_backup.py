"""Backup and restore (projects/backup.py, `manage.py backup` and `manage.py restore`).

The restore test is SLOW (half a minute or so): it creates a second, empty database (a file on
SQLite, a scratch database on PostgreSQL, dropped afterwards), restores into it with the command a
city runs, and compares every table with the original row by row, sessions and sign-in throttling
records aside. It runs in both CI runs: plain `pytest` (SQLite) and with DATABASE_URL (PostgreSQL).
"""

import gzip
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend

from projects.backup import BackupError, backed_up_models, last_ids, read_contents
from reviews.models import Entry, Message, Notification, Round, SheetUpload

SHEET_BYTES = b"PK\x03\x04 a kept sheet's bytes \x00\xff"


@contextmanager
def empty_database(tmp_path: Path):
    """A new, empty database beside the test database: (its DATABASE_URL, its settings)."""
    source = connections["default"].settings_dict
    name = f"restore_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if connections["default"].vendor == "sqlite":
        path = tmp_path / f"{name}.sqlite3"
        yield f"sqlite:///{path}", {**source, "NAME": str(path)}
        return
    with connections["default"]._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(source["USER"] or "") + (f":{quote(source['PASSWORD'])}" if source["PASSWORD"] else "")
    url = f"postgres://{credentials}@{source['HOST'] or '127.0.0.1'}:{source['PORT'] or 5432}/{name}"
    try:
        yield url, {**source, "NAME": name}
    finally:
        with connections["default"]._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def opened(database_settings: dict):
    """A connection of our own to the restored database (outside django.db.connections, whose
    aliases a test may not add to)."""
    connection = load_backend(database_settings["ENGINE"]).DatabaseWrapper(database_settings, alias="restored")
    try:
        yield connection
    finally:
        connection.close()


def table_rows(connection) -> dict[str, list]:
    """Every table's rows, in an order that does not depend on how they were inserted."""
    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table == "django_migrations":
                cursor.execute("SELECT app, name FROM django_migrations")
            else:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def left_out(table: str) -> bool:
    return table == "django_session" or table.startswith("axes_")


@pytest.fixture
def installation(db, settings, tmp_path, staff_a, reviewer, admin_user):
    """The seed, the demo round, users, opinions and a change record (load_demo), a conversation,
    a kept sheet on disk, a deleted row, a session and a locked sign-in."""
    settings.MEDIA_ROOT = tmp_path / "media-before"
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    call_command("load_demo", "--force", stdout=StringIO())
    demo_round = Round.objects.get(fiscal_year=2018)
    entry = Entry.objects.filter(round=demo_round).order_by("id").first()
    Message.objects.create(entry=entry, author=staff_a, body="確認をお願いします。\n二行目")
    gone = Notification.objects.create(user=reviewer, entry=entry, text="消されるお知らせ")
    gone.delete()  # the restored database must not hand its id out again
    upload = SheetUpload(round=demo_round, kind=SheetUpload.Kind.UPDATE, original_name="入力表（商工観光課）.xlsx",
                         uploaded_by=admin_user, summary={"updated": 1})
    upload.file.save("入力表.xlsx", ContentFile(SHEET_BYTES), save=True)
    session = SessionStore()
    session["_auth_user_id"] = str(staff_a.pk)
    session.create()
    AccessAttempt.objects.create(username="shoko", ip_address="10.0.0.9", user_agent="test", http_accept="*/*",
                                 path_info="/login/", get_data="", post_data="", failures_since_start=10)
    return upload


@pytest.mark.slow
def test_a_backup_restored_into_an_empty_database_is_the_same_database_row_by_row(installation, tmp_path):
    backup = tmp_path / "backup.jsonl.gz"
    call_command("backup", "-o", str(backup), stdout=StringIO())
    media_after = tmp_path / "media-after"

    with empty_database(tmp_path) as (url, database_settings):
        env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media_after), "UPLOAD_STORAGE": "files"}
        def restore() -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "manage.py", "restore", str(backup)], cwd=settings.BASE_DIR,
                                  env=env, capture_output=True, text=True, timeout=300)

        result = restore()
        assert result.returncode == 0, result.stderr
        assert "復元しました" in result.stdout

        with opened(database_settings) as restored:
            before, after = table_rows(connections["default"]), table_rows(restored)
            assert sorted(after) == sorted(before)
            assert before["django_session"] and before["axes_accessattempt"]
            for table in before:
                if left_out(table):
                    assert after[table] == [], table
                else:
                    assert after[table] == before[table], table
            # Numbering goes on where it stood, past the deleted notification.
            assert last_ids(restored, backed_up_models()) == last_ids(connections["default"], backed_up_models())

            # A second restore into it is refused, and changes nothing.
            again = restore()
            assert again.returncode != 0
            assert "復元先のデータベースは空ではありません" in again.stderr
            assert table_rows(restored) == after

    kept = installation.file.name
    assert (media_after / kept).read_bytes() == SHEET_BYTES


def test_a_backup_cut_short_is_refused_before_anything_is_written(tmp_path):
    complete = tmp_path / "complete.jsonl.gz"
    with gzip.open(complete, "wt", encoding="utf-8") as out:
        out.write('{"backup": "iruma-eval-backup", "format": 1, "migrations": []}\n')
        out.write('{"model": "auth.group", "pk": 1, "fields": {"name": "g"}}\n')
        out.write('{"end": true, "rows": 1, "files": 0, "last_ids": {}}\n')
    assert read_contents(complete).rows == 1

    cut = tmp_path / "cut.jsonl.gz"
    data = gzip.decompress(complete.read_bytes())
    cut.write_bytes(gzip.compress(data[: data.rindex(b'{"end"')]))
    with pytest.raises(BackupError, match="途中で切れています"):
        read_contents(cut)
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(complete.read_bytes()[:-12])
    with pytest.raises(BackupError, match="読めません"):
        read_contents(truncated)


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    other = tmp_path / "data.json.gz"
    other.write_bytes(gzip.compress(b'[{"model": "auth.group", "pk": 1, "fields": {}}]\n'))
    with pytest.raises(BackupError, match="backup コマンドで作ったファイルではありません"):
        read_contents(other)
