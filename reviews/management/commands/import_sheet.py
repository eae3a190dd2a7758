from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from projects.commands import JapaneseCommand
from reviews.management.commands.export_sheet import (
    ROUND_HELP,
    STRATEGY_HELP,
    command_error,
    fiscal_year_option,
    get_department,
    get_strategy,
)
from reviews.rounds.year import YearError, round_to_import
from reviews.sheets import uploads as sheet_uploads
from reviews.sheets.loading import ImportResult


def describe(result: ImportResult) -> list[str]:
    """The plan or the outcome, field by field, as people read it."""
    lines = []
    for error in result.errors:
        lines.append(f"エラー: {error}")
    for warning in result.warnings:
        lines.append(f"注意: {warning}")
    for created in result.created:
        lines.append(f"作成: {created}")
    for change in result.changes:
        where = f"{change.row}行目 " if change.row else ""
        lines.append(f"変更: {where}{change.project} の{change.field}: 「{change.old}」→「{change.new}」")
    return lines


class Command(JapaneseCommand):
    help = (
        "実施事業評価等入力表（.xlsx）を取り込みます。指定した年度（と総合戦略）の評価回がなければ評価回として"
        "読み込み（総合戦略は入力表の表題から）、あれば評価を更新します。エラーが一つでもあれば何も書き込みません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="取り込むファイル（.xlsx）")
        parser.add_argument("--round", required=True, help=ROUND_HELP)
        parser.add_argument("--strategy", help=STRATEGY_HELP)
        parser.add_argument("--department", help="担当課の入力表として取り込みます（その課の行だけ変更できます）。")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして、何も書き込みません。")
        parser.add_argument("--user", help="取り込んだ人として記録するログイン名")
        parser.add_argument("--new-departments", action="store_true",
                            help="評価回として読み込むとき、登録されていない担当課を作成します。")
        parser.add_argument("--historical", action="store_true",
                            help="過去の評価回として読み込みます（公表済み・全件承認済み）。")

    def handle(self, *args, **options):
        options["round"] = fiscal_year_option(options["round"])
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"ファイル {path} が見つかりません。")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"利用者「{options['user']}」は登録されていません。")
        department = get_department(options["department"])
        strategy = get_strategy(options["strategy"])
        try:
            round_ = round_to_import(options["round"], strategy)
        except YearError as error:
            raise command_error(error) from None
        if round_ is None and department is not None:
            raise CommandError("担当課の入力表は、既存の評価回の更新にだけ使えます。")
        upload = sheet_uploads.Upload(round=round_, department=department, fiscal_year=options["round"],
                                      strategy=strategy, allow_new_departments=options["new_departments"],
                                      historical=options["historical"])
        dry_run = options["dry_run"]
        # The same path as an upload on the screens: read, check, apply and record in one go.
        result = sheet_uploads.run(upload, path.read_bytes(), path.name, by=user, dry_run=dry_run)
        lines = describe(result)
        if not result.ok:
            raise CommandError("エラーがあるため、何も取り込んでいません。\n" + "\n".join(lines))
        for line in lines:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("確認のみ（--dry-run）: 何も書き込んでいません。")
            return
        changed = len(result.changes)
        self.stdout.write(f"取り込みました（作成 {len(result.created)}件、変更 {changed}件、注意 {len(result.warnings)}件）。")
