from datetime import timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from projects.commands import JapaneseCommand
from projects.fiscal_year import format_date, format_fiscal_year
from reviews.demo.changes import NEW_NAME, OLD_NAME, YEAR, record_demo_changes
from reviews.demo.seed import create_demo_round, load_seed
from reviews.demo.users import DEMO_PASSWORD, create_demo_users

DEMO_FISCAL_YEAR = 2018
DEMO_DEADLINE_DAYS = 30


class Command(JapaneseCommand):
    help = "平成29年度の入力表（初期データ）、デモ用の利用者、次の評価回（平成30年度）を読み込みます。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="DEBUG が無効（本番設定）でも実行します。"
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG が無効（本番設定）です。デモ用の利用者を本番に作らないよう中止しました。"
                "本当に読み込む場合は --force を付けてください。"
            )
        report = load_seed()
        seed_round = report.round
        heading = f"{format_fiscal_year(DEMO_FISCAL_YEAR)}の実施内容"
        deadline = timezone.localdate() + timedelta(days=DEMO_DEADLINE_DAYS)
        demo_round, round_report = create_demo_round(
            seed_round,
            DEMO_FISCAL_YEAR,
            heading=heading,
            title=f"{format_fiscal_year(DEMO_FISCAL_YEAR)} 実施事業評価",
            deadline=deadline,
        )
        created = {**report.created}
        for what, n in round_report.created.items():
            created[what] = created.get(what, 0) + n
        if created:
            summary = "、".join(f"{what} {n}件" for what, n in created.items())
            self.stdout.write(f"作成しました: {summary}")
        else:
            self.stdout.write("初期データはすでに読み込まれています（変更はありません）。")
        self.stdout.write(
            f"受付中の評価回: {demo_round} （提出期限 {format_date(demo_round.deadline)}）"
        )

        users = create_demo_users()
        if record_demo_changes():
            self.stdout.write(f"事業名の変更を記録しました: {OLD_NAME} → {NEW_NAME}（{format_fiscal_year(YEAR)}から）")

        self.stdout.write("")
        self.stdout.write("デモ用のログイン（ユーザー名 / パスワード / 役割）:")
        for demo, was_created in users:
            note = "" if was_created else "（作成済み: パスワードを変えていればそちら）"
            self.stdout.write(f"  {demo.username:<10} / {DEMO_PASSWORD}{note} / {demo.role}")
