from projects.commands import JapaneseCommand
from reviews.entries.digest import send_digests


class Command(JapaneseCommand):
    help = (
        "審査担当者に、前回のまとめメール以降に提出された評価を一日一通のメールで知らせます。"
        "同じ日に二度は送りません。cron から毎日実行してください。"
    )

    def handle(self, *args, **options):
        sent = send_digests()
        for item in sent:
            self.stdout.write(f"{item.username}: 提出 {item.entries}件")
        self.stdout.write(f"送信: {len(sent)} 人")
