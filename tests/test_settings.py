"""The settings module reads the environment and refuses unsafe combinations."""

import os
import re
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
    assert "SECRET_KEY を環境変数で設定してください" in result.stderr


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


# The README's production values for an HTTPS deployment (keep them equal to the README's table).
HTTPS_PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k8J2xQ9vLm4RtY7pWz1Ns6Fh3Cb0Dg5Ea8Ui2Oq7Kj4Hl9Mn1Pr6St3Vw0Xy5Za",
    "ALLOWED_HOSTS": "hyoka.city.iruma.example",
    "CSRF_TRUSTED_ORIGINS": "https://hyoka.city.iruma.example",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "BEHIND_HTTPS_PROXY": "true",
    "TRUSTED_PROXIES": "10.0.0.5",
}


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    return subprocess.run([sys.executable, "manage.py", *args], env={**clean, **env}, cwd=BASE_DIR,
                          capture_output=True, text=True)


def test_check_deploy_with_the_documented_https_values_prints_no_warning():
    result = run_manage(HTTPS_PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_readme_lists_every_production_value_the_check_was_run_with():
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    for name, value in HTTPS_PRODUCTION.items():
        if name != "SECRET_KEY":
            assert f"`{name}`" in readme and f"`{value}`" in readme, name


def test_on_a_plain_http_intranet_only_the_warnings_the_readme_names_remain():
    http_values = {**HTTPS_PRODUCTION, "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
                   "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0", "BEHIND_HTTPS_PROXY": "false",
                   "CSRF_TRUSTED_ORIGINS": "http://hyoka.city.iruma.example"}
    result = run_manage(http_values, "check", "--deploy")
    warnings = sorted(set(re.findall(r"\(security\.W\d+\)", result.stdout + result.stderr)))
    assert warnings == ["(security.W004)", "(security.W008)", "(security.W012)", "(security.W016)"]
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    for code in warnings:
        assert code.strip("()") in readme


def test_sessions_end_with_the_browser_and_after_hours_without_activity():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE == 4 * 60 * 60


def test_postgresql_keeps_repeated_queries_prepared_unless_a_pooler_forbids_it():
    url = {"DATABASE_URL": "postgres://u@db.example:5432/hyoka"}
    options = "s.DATABASES['default'].get('OPTIONS', {})"
    on = read_settings(url, options)
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "{'server_side_binding': True, 'prepare_threshold': 5}"
    off = read_settings({**url, "DATABASE_PREPARED_STATEMENTS": "false"}, options)
    assert off.returncode == 0 and off.stdout.strip() == "{}", off.stderr
    sqlite = read_settings({}, f"'server_side_binding' in {options}")
    assert sqlite.stdout.strip() == "False", sqlite.stderr


def test_a_message_from_django_is_printed_once_on_the_console():
    """The development server's console showed every message of Django's own loggers twice (a
    refused page's warning with its traceback among them)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('django.request').warning('一度だけの知らせ')")
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True,
                            env={**clean, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "iruma_eval.settings"})
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("一度だけの知らせ") == 1, result.stderr
