from django.core.management.base import CommandError
from django.utils import timezone

from projects.commands import JapaneseCommand
from reviews.rounds.reminders import send_reminders


class Command(JapaneseCommand):
    help = (
        "未提出の評価がある担当課に、提出期限の N 日前（と期限後に一度）督促メールを送ります。"
        "同じ日に二度は送りません。cron から毎日実行してください。"
    )

    def add_arguments(self, parser):
        # Read in handle(): argparse's own message for a bad number is English.
        parser.add_argument("--days", default="3", help="期限の何日前に送るか（既定: 3）")

    def handle(self, *args, days: str, **options):
        text = str(days).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 3:
            raise CommandError(f"--days には 0 から 999 までの日数を半角数字で指定してください（指定: {days}）。")
        sent = send_reminders(timezone.localdate(), int(text))
        for item in sent:
            kind = "期限後の督促" if item.late else "期限前のお知らせ"
            self.stdout.write(f"{item.department.name}: {kind}（未提出 {item.entries}件、{item.recipients}人）")
        self.stdout.write(f"送信: {len(sent)} 課")
