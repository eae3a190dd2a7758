"""The base of the project's management commands: argparse's own errors (a missing --round, an
option it does not know) told in Japanese in one line, as the commands' own errors are, instead of
argparse's English usage block (cron mails whatever a command prints to the administrator)."""

import re

from django.core.management.base import BaseCommand, CommandError, CommandParser

# argparse's messages (Python 3.11–3.13), after "argument --x: " where it names one.
ARGPARSE_MESSAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"the following arguments are required: (.+)"), "必要な指定がありません: {0}"),
    (re.compile(r"unrecognized arguments: (.+)"), "この命令では使えない指定です: {0}"),
    (re.compile(r"expected one argument"), "値を一つ続けて書いてください。"),
    (re.compile(r"expected at least one argument"), "値を一つ以上続けて書いてください。"),
    (re.compile(r"expected at most one argument"), "値は一つまでです。"),
    (re.compile(r"expected (\d+) arguments?"), "値を {0} つ続けて書いてください。"),
    (re.compile(r"invalid int value: (.+)"), "{0} は整数として読めません。半角の数字で書いてください。"),
    (re.compile(r"invalid float value: (.+)"), "{0} は数値として読めません。"),
    (re.compile(r"invalid choice: (.+?) \(choose from (.+)\)"), "{0} は指定できません（{1} のどれか）。"),
    (re.compile(r"invalid .+ value: (.+)"), "{0} は読めません。"),
    (re.compile(r"ignored explicit argument (.+)"), "{0} という値はとりません。"),
    (re.compile(r"not allowed with argument (.+)"), "{0} と一緒には指定できません。"),
    (re.compile(r"one of the arguments (.+) is required"), "{0} のどれかを指定してください。"),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), "{0} は {1} のどれのことか分かりません。省略せずに書いてください。"),
]
SHOWN_CHARACTERS = 80  # a value pasted by mistake is quoted short


def japanese_argument_error(message: str) -> str:
    """argparse's error ``message`` in Japanese; one it does not know is quoted after a Japanese lead."""
    argument, _, rest = message.partition(": ") if message.startswith("argument ") else ("", "", message)
    for pattern, text in ARGPARSE_MESSAGES:
        found = pattern.fullmatch(rest)
        if found:
            told = text.format(*(_short(group) for group in found.groups()))
            break
    else:
        told = f"指定を読めません（{_short(rest)}）。"
    return f"{argument.removeprefix('argument ')}: {told}" if argument else told


def _short(text: str) -> str:
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"


class JapaneseCommandParser(CommandParser):
    def error(self, message: str):
        told = japanese_argument_error(message)
        if self.called_from_command_line:
            self.exit(2, f"{self.prog}: エラー: {told}\n使い方は「python {self.prog} --help」で表示できます。\n")
        raise CommandError(told)


class JapaneseCommand(BaseCommand):
    """BaseCommand whose argument errors are Japanese (every command of projects/ and reviews/)."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds the parser itself and offers no class to choose: only error() differs.
        parser.__class__ = JapaneseCommandParser
        return parser
