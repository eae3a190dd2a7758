from django.conf import settings
from django.core.management.base import CommandError

from projects.commands import JapaneseCommand
from reviews.demo.generator import (
    DEFAULT_DEPARTMENTS,
    DEFAULT_PROJECTS,
    DEFAULT_ROUNDS,
    Refused,
    check_empty,
    generate,
)


class Command(JapaneseCommand):
    help = (
        "性能の計測用に、大きな市のデータ（部署約945、事業5,000、評価回10年分）を空のデータベースに作成します。"
        "デモのデータ（load_demo）の上に作り、デモ用以外の利用者・評価回・入力表の取込みがあるデータベースには作成しません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=DEFAULT_PROJECTS,
                            help=f"事業の数（デモの68事業を含む。既定 {DEFAULT_PROJECTS}）")
        parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                            help=f"評価回の数（最後の平成30年度が受付中、それ以前は公表済。既定 {DEFAULT_ROUNDS}）")
        parser.add_argument("--departments", type=int, default=DEFAULT_DEPARTMENTS,
                            help=f"部署の数（係などの下位の部署を含む。既定 {DEFAULT_DEPARTMENTS}）")
        parser.add_argument("--seed", type=int, default=2026, help="乱数の種（同じ値なら同じデータ）")
        parser.add_argument("--force", action="store_true",
                            help="DEBUG が無効（本番設定）でも実行します（デモ用の利用者を作るため）。"
                                 "人が入力したデータのあるデータベースへの作成は、これを付けても行いません。")

    def handle(self, *args, projects: int, rounds: int, departments: int, seed: int, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG が無効（本番設定）です。公開されたパスワードのデモ用利用者を作るため中止しました。"
                "計測用のデータベースで実行する場合は --force を付けてください。"
            )
        if projects < 1 or rounds < 1 or departments < 1:
            raise CommandError("--projects、--rounds、--departments には 1 以上の数を指定してください。")
        try:
            check_empty()
            self.stdout.write(f"大きな市のデータを作成します（事業 {projects:,}、評価回 {rounds}、部署 {departments:,}）…")
            report = generate(projects=projects, rounds=rounds, departments=departments, seed=seed,
                              progress=self.stdout.write)
        except Refused as refused:
            raise CommandError(refused.message) from None
        self.stdout.write("作成しました:")
        for what, n in report.created.items():
            self.stdout.write(f"  {what}: {n:,} 件")
        self.stdout.write(f"所要時間: {report.seconds:.1f} 秒")
