from pathlib import Path

from django.core.management.base import CommandError

from projects.commands import JapaneseCommand
from projects.fiscal_year import parse_fiscal_year
from projects.models import Department, DepartmentFormerName, Strategy
from reviews.models import Round
from reviews.rounds.year import StrategyNeeded, YearError, find_round, find_strategy
from reviews.sheets.export import export_round

ROUND_HELP = "年度（2017、FY2017、H29、平成29年度、R1、令和元年度 など）"
STRATEGY_HELP = ("総合戦略のコード（senryaku-2015 など）か名称。その年度が複数の総合戦略の期間にあたるときに指定します"
                 "（一つだけなら年度だけで評価回が決まります）。")


def fiscal_year_option(value: str) -> int:
    """--round: 2017, FY2017, H29, 平成29年度, R1, 令和元年度 … Read in handle(), not as argparse's
    type: argparse would show a CommandError as a traceback and its own errors in English."""
    try:
        return parse_fiscal_year(value)
    except ValueError as error:
        raise CommandError(str(error)) from None


def command_error(error: YearError) -> CommandError:
    """A year or strategy that names no single round, with how to say which."""
    if isinstance(error, StrategyNeeded):
        example = error.candidates[0].code if error.candidates else "senryaku-2015"
        return CommandError(f"{error.message} --strategy にコードか名称を指定してください（例: --strategy {example}）。")
    return CommandError(error.message)


def get_strategy(text: str | None) -> Strategy | None:
    if not text:
        return None
    try:
        return find_strategy(text)
    except YearError as error:
        raise command_error(error) from None


def get_round(fiscal_year: int, strategy: Strategy | None = None) -> Round:
    """The round ``--round`` (and ``--strategy``) name (reviews.rounds.year.find_round)."""
    try:
        return find_round(fiscal_year, strategy)
    except YearError as error:
        raise command_error(error) from None


def get_department(name: str | None) -> Department | None:
    if not name:
        return None
    department = Department.objects.filter(name=name.strip()).first()
    if department is None:
        # A name it had before a rename still names it (the sheets of those years print it).
        former = DepartmentFormerName.objects.filter(name=name.strip()).select_related("department")
        departments = {f.department for f in former}
        if len(departments) == 1:
            return departments.pop()
        raise CommandError(f"担当課「{name}」は登録されていません。")
    return department


class Command(JapaneseCommand):
    help = "評価回を実施事業評価等入力表（.xlsx）として書き出します。"

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help=ROUND_HELP)
        parser.add_argument("--strategy", help=STRATEGY_HELP)
        parser.add_argument("--department", help="この担当課の事業だけを書き出します。")
        parser.add_argument("--with-memo", action="store_true", help="企画課の内部用メモを含めます（内部用）。")
        parser.add_argument("-o", "--output", required=True, help="書き出すファイル（.xlsx）")

    def handle(self, *args, **options):
        round_ = get_round(fiscal_year_option(options["round"]), get_strategy(options["strategy"]))
        department = get_department(options["department"])
        path = Path(options["output"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError("書き出し先のファイル名は .xlsx で終わるようにしてください。")
        if not path.parent.is_dir():
            raise CommandError(f"書き出し先のフォルダ {path.parent} がありません。先に作成してください。")
        temporary = path.with_name(path.name + ".part")
        # Write beside the target and rename, so a failed export never leaves half a sheet behind.
        try:
            with open(temporary, "wb") as stream:
                export_round(round_, stream, department=department, with_memo=options["with_memo"])
            temporary.replace(path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise CommandError(f"{path} に書き出せません（{error.strerror}）。") from None
        self.stdout.write(f"{round_} の入力表を書き出しました: {path}")
