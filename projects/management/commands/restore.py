from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, OperationalError

from projects.backup import BackupError, restore_backup
from projects.commands import JapaneseCommand


class Command(JapaneseCommand):
    help = (
        "backup で書き出したファイルを空のデータベースへ戻します。必要なマイグレーションを実行し、"
        "全行を一つのトランザクションで読み込みます。データのあるデータベースには何もせず中止します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("backup_file", help="backup コマンドで書き出したファイル（.jsonl.gz）")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="復元先のデータベース（既定: default）")

    def handle(self, *args, backup_file, database=DEFAULT_DB_ALIAS, verbosity=1, **options):
        progress = self.stdout.write if verbosity >= 1 else None
        try:
            summary = restore_backup(backup_file, using=database, progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except OperationalError as exc:
            # Most often an address that cannot be opened: a folder that does not exist, a server down.
            raise CommandError(f"復元先のデータベースを使えません（{exc}）。DATABASE_URL を確かめてください。") from None
        if verbosity >= 2:
            for label, count in sorted(summary.per_model.items()):
                self.stdout.write(f"  {label}: {count}")
        self.stdout.write(
            f"復元しました: {summary.rows} 行、ファイル {summary.files} 件。"
            "セッションは含まれないため、全員がもう一度ログインします。"
        )
