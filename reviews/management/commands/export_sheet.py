from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.fiscal_year import format_fiscal_year_with_western, parse_fiscal_year
from projects.models import Department
from reviews.models import Round
from reviews.sheets.export import export_round


def fiscal_year_option(value: str) -> int:
    """argparse type for --round: 2017, FY2017, H29, 平成29年度, R1, 令和元年度 …"""
    try:
        return parse_fiscal_year(value)
    except ValueError as error:
        raise CommandError(str(error)) from None


def get_round(fiscal_year: int) -> Round:
    round_ = Round.objects.select_related("strategy").filter(fiscal_year=fiscal_year).first()
    if round_ is None:
        raise CommandError(f"{format_fiscal_year_with_western(fiscal_year)}の評価回はありません。")
    return round_


def get_department(name: str | None) -> Department | None:
    if not name:
        return None
    department = Department.objects.filter(name=name.strip()).first()
    if department is None:
        raise CommandError(f"担当課「{name}」は登録されていません。")
    return department


class Command(BaseCommand):
    help = "評価回を実施事業評価等入力表（.xlsx）として書き出します。"

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, type=fiscal_year_option,
                            help="年度（2017、FY2017、H29、平成29年度、R1、令和元年度 など）")
        parser.add_argument("--department", help="この担当課の事業だけを書き出します。")
        parser.add_argument("--with-memo", action="store_true", help="企画課の内部用メモを含めます（内部用）。")
        parser.add_argument("-o", "--output", required=True, help="書き出すファイル（.xlsx）")

    def handle(self, *args, **options):
        round_ = get_round(options["round"])
        department = get_department(options["department"])
        path = Path(options["output"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError("書き出し先のファイル名は .xlsx で終わるようにしてください。")
        temporary = path.with_name(path.name + ".part")
        # Write beside the target and rename, so a failed export never leaves half a sheet behind.
        with open(temporary, "wb") as stream:
            export_round(round_, stream, department=department, with_memo=options["with_memo"])
        temporary.replace(path)
        self.stdout.write(f"{round_} の入力表を書き出しました: {path}")
