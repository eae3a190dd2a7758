"""The settings module reads the environment and refuses unsafe combinations."""

import os
import subprocess
import sys

from django.conf import settings

from iruma_eval.settings import BASE_DIR


def read_settings(env: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    code = f"import iruma_eval.settings as s; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=BASE_DIR, capture_output=True, text=True
    )


def test_a_missing_secret_key_with_debug_off_is_an_error():
    result = read_settings({"DEBUG": "false"}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_start_with_a_secret_key():
    result = read_settings({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "eval.city.local"},
                           "s.DEBUG, s.ALLOWED_HOSTS, s.STORAGES['staticfiles']['BACKEND']")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False ['eval.city.local'] whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_nonsense_in_a_yes_no_setting_is_refused():
    result = read_settings({"DEBUG": "maybe"}, "s.DEBUG")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_without_database_url_the_app_uses_sqlite_in_the_project_folder_in_immediate_mode():
    result = read_settings({}, "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
                           "s.DATABASES['default']['OPTIONS']")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"django.db.backends.sqlite3 {BASE_DIR / 'db.sqlite3'} {{'transaction_mode': 'IMMEDIATE'}}"
    )


def test_database_url_selects_postgresql_through_psycopg():
    result = read_settings({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"},
                           "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME']")
    assert result.stdout.strip() == "django.db.backends.postgresql test"


def test_the_application_speaks_japanese_in_tokyo_time():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ
