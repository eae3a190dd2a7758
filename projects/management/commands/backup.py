from pathlib import Path

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from projects.backup import BackupError, write_backup
from projects.commands import JapaneseCommand


class Command(JapaneseCommand):
    help = (
        "データベースの全テーブル（セッションとログイン試行の記録を除く）と、ディスク上の保存ファイルを"
        "一つのファイル（gzip 圧縮の JSON Lines）に書き出します。restore で空のデータベースへ戻せます。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output",
            help="書き出すファイル（既定: iruma-eval-backup-<日時>.jsonl.gz）。書き終えてから名前を付けます。",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="バックアップするデータベース（既定: default）")

    def handle(self, *args, output=None, database=DEFAULT_DB_ALIAS, verbosity=1, **options):
        path = Path(output or f"iruma-eval-backup-{timezone.localtime():%Y%m%d-%H%M%S}.jsonl.gz")
        progress = self.stdout.write if verbosity >= 2 else None
        try:
            summary = write_backup(path, using=database, progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for name in summary.missing_files:
            self.stderr.write(f"注意: ファイル {name} が見つからないため、行だけを書き出しました。")
        size = path.stat().st_size / 1024 / 1024
        self.stdout.write(
            f"バックアップを書き出しました: {path}（{summary.rows} 行、ファイル {summary.files} 件、{size:.1f} MB）"
        )
