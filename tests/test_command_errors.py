"""What an administrator sees when a management command is given something it cannot use: one
Japanese line, never a Python traceback (cron mails whatever a command prints)."""

import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def run_manage(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("command", ["export_sheet", "import_sheet"])
def test_a_year_that_is_not_one_is_told_in_japanese_from_the_command_line(command, tmp_path):
    args = ["--round", "abc", "-o", str(tmp_path / "a.xlsx")] if command == "export_sheet" else \
        [str(tmp_path / "a.xlsx"), "--round", "H40"]
    result = run_manage(command, *args, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "年度" in result.stderr


def test_reminders_with_a_number_of_days_that_is_not_one_are_told_in_japanese(tmp_path):
    result = run_manage("send_reminders", "--days", "abc", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "invalid int" not in result.stderr
    assert "--days には 0 から 999 までの日数" in result.stderr


def test_an_export_into_a_folder_that_does_not_exist_says_so(seed, tmp_path):
    with pytest.raises(CommandError, match="フォルダ .* がありません"):
        call_command("export_sheet", "--round", "H29", "-o", str(tmp_path / "missing" / "a.xlsx"), stdout=StringIO())


def test_a_backup_into_a_folder_that_does_not_exist_says_so(seed, tmp_path):
    with pytest.raises(CommandError, match="フォルダ .* がありません"):
        call_command("backup", "-o", str(tmp_path / "missing" / "b.jsonl.gz"), stdout=StringIO())


def test_a_backup_file_is_readable_by_its_owner_only(seed, tmp_path):
    """It holds every entry and every password hash, whatever the umask of the shell or cron."""
    previous = os.umask(0o022)
    try:
        call_command("backup", "-o", str(tmp_path / "b.jsonl.gz"), stdout=StringIO())
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "b.jsonl.gz").stat().st_mode) == 0o600


def test_a_restore_into_a_database_that_cannot_be_opened_says_so(seed, tmp_path):
    backup = tmp_path / "b.jsonl.gz"
    call_command("backup", "-o", str(backup), stdout=StringIO())
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-folder' / 'r.sqlite3'}"})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL を確かめてください" in result.stderr


def test_a_backup_over_a_partial_file_left_readable_by_others_is_still_private(seed, tmp_path):
    """A run killed midway leaves its .partial behind; the next writes over it."""
    left = tmp_path / "b.jsonl.gz.partial"
    left.write_bytes(b"cut short")
    left.chmod(0o644)
    call_command("backup", "-o", str(tmp_path / "b.jsonl.gz"), stdout=StringIO())
    assert stat.S_IMODE((tmp_path / "b.jsonl.gz").stat().st_mode) == 0o600



def test_a_backup_given_a_folder_asks_for_a_file_name(seed, tmp_path):
    with pytest.raises(CommandError, match="はフォルダです"):
        call_command("backup", "-o", str(tmp_path), stdout=StringIO())


@pytest.mark.parametrize("args, told", [
    (["export_sheet"], "必要な指定がありません: --round, -o/--output"),
    (["restore"], "必要な指定がありません: backup_file"),
    (["send_reminders", "--bogus"], "この命令では使えない指定です: --bogus"),
    (["export_sheet", "-o", "a.xlsx", "--round"], "--round: 値を一つ続けて書いてください。"),
    (["generate_installation", "--projects", "abc"], "--projects: 'abc' は整数として読めません。"),
])
def test_a_missing_or_unknown_argument_is_told_in_japanese_in_one_line(args, told, tmp_path):
    """argparse's own errors, not only the commands': no English usage block in cron's mail."""
    result = run_manage(*args, tmp_path=tmp_path)
    assert result.returncode == 2
    assert told in result.stderr
    assert "usage:" not in result.stderr and "error:" not in result.stderr and "Traceback" not in result.stderr
    assert f"使い方は「python manage.py {args[0]} --help」で表示できます。" in result.stderr


def test_an_argument_error_of_a_command_called_from_code_is_a_japanese_command_error():
    with pytest.raises(CommandError, match=r"^必要な指定がありません: --round$"):
        call_command("import_sheet", "a.xlsx", stdout=StringIO())


def test_every_command_of_the_project_tells_argument_errors_in_japanese():
    from django.core.management import get_commands, load_command_class

    from projects.commands import JapaneseCommand

    ours = {name: app for name, app in get_commands().items() if app in ("projects", "reviews")}
    assert {"export_sheet", "import_sheet", "backup", "restore", "send_reminders", "send_digest"} <= set(ours)
    for name, app in ours.items():
        assert isinstance(load_command_class(app, name), JapaneseCommand), name


def test_an_argparse_message_not_known_is_still_led_in_japanese_and_quoted_short():
    from projects.commands import japanese_argument_error

    told = japanese_argument_error("argument --x: something new " + "z" * 500)
    assert told.startswith("--x: 指定を読めません（something new ")
    assert len(told) < 120
