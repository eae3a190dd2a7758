from django.core.management.base import BaseCommand
from django.utils import timezone

from reviews.rounds.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "未提出の評価がある担当課に、提出期限の N 日前（と期限後に一度）督促メールを送ります。"
        "同じ日に二度は送りません。cron から毎日実行してください。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="期限の何日前に送るか（既定: 3）")

    def handle(self, *args, days: int, **options):
        sent = send_reminders(timezone.localdate(), days)
        for item in sent:
            kind = "期限後の督促" if item.late else "期限前のお知らせ"
            self.stdout.write(f"{item.department.name}: {kind}（未提出 {item.entries}件、{item.recipients}人）")
        self.stdout.write(f"送信: {len(sent)} 課")
