"""Open data for published rounds: one record per entry, as CSV (UTF-8 with a BOM, one line per
record) and as JSON, following the Digital Agency's rules for machine-readable data.

OPEN_DATA_COLUMNS is the one definition of the records: the CSV header, the JSON keys and the column page
(name, meaning, type, example) all read it. The internal memo is not a column and never will be.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from django.conf import settings

from projects.fiscal_year import format_fiscal_year
from projects.formats import csv_cell
from projects.text import strip_unsafe
from reviews.facts import facts_of_rows
from reviews.fields import EVALUATION, FUTURE_POLICY, IMPLEMENTATION, STATUS
from reviews.models import Entry, Round

DEPARTMENT_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key
    name: str  # the CSV header
    meaning: str
    type: str
    example: str


OPEN_DATA_COLUMNS: tuple[Column, ...] = (
    Column("strategy", "総合戦略", "評価した計画の名称（公表したときの名称）", "文字列", "入間市まち・ひと・しごと創生総合戦略"),
    Column("fiscal_year", "年度", "評価した年度（西暦）", "整数", "2017"),
    Column("fiscal_year_wareki", "年度（和暦）", "評価した年度（和暦）", "文字列", "平成29年度"),
    Column("goal_number", "基本目標番号", "基本目標の番号", "整数", "1"),
    Column("goal", "基本目標", "基本目標の名称（プロジェクト名を含む）", "文字列", "働きやすいまちをつくる <しごと応援プロジェクト>"),
    Column("policy", "基本施策", "基本施策の名称", "文字列", "地域産業を振興する"),
    Column("project", "事業名", "事業の名称", "文字列", "企業等誘致事業"),
    Column("departments", "担当課", f"事業を担当する課。複数のときは主管課を先に「{DEPARTMENT_SEPARATOR}」で区切ります"
           "（JSON では配列）", "文字列", "都市計画課;企画課"),
    Column("status", STATUS.label, "A: ほぼ予定通りに実施、B: 予定の一部を実施、C: 実施に向け検討、研究に着手、D: 未実施",
           "文字列（A〜D）", "A"),
    Column("category", "継続/新規", "前の計画から続く事業か、新しい事業か", "文字列（継続・新規）", "継続"),
    Column("description", "事業内容", "事業の内容", "文字列", "工場用地が不足している現状の中で…"),
    Column("implementation", IMPLEMENTATION.label, "その年度に実施した内容（入力表では「平成28、29年度の実施内容」のように"
           "年度を付けた見出し）", "文字列", "企業を訪問し…"),
    Column("evaluation", EVALUATION.short_label, EVALUATION.label, "文字列", "目標は達成できた。"),
    Column("future_policy", FUTURE_POLICY.short_label, FUTURE_POLICY.label, "文字列", "来年度も継続する。"),
)
TEXT_KEYS = ("description", "implementation", "evaluation", "future_policy")


def licence() -> dict[str, str]:
    return {"name": settings.OPEN_DATA_LICENCE_NAME, "url": settings.OPEN_DATA_LICENCE_URL}


def records(round_: Round) -> list[dict]:
    """The published round's entries as records in the sheet's order, texts as written."""
    pairs = facts_of_rows(Entry.objects.filter(round=round_), "status", *TEXT_KEYS[1:])
    result = []
    for facts, row in sorted(pairs, key=lambda pair: pair[0].sheet_order):
        label = f" <{facts.goal_project_label}>" if facts.goal_project_label else ""
        result.append({
            "strategy": round_.strategy_name,
            "fiscal_year": round_.fiscal_year,
            "fiscal_year_wareki": format_fiscal_year(round_.fiscal_year),
            "goal_number": facts.goal_number,
            "goal": f"{facts.goal_title}{label}",
            "policy": facts.policy_title,
            "project": facts.project_name,
            "departments": list(facts.departments),
            "status": row["status"],
            "category": facts.category_label,
            "description": facts.description,
            "implementation": row["implementation"],
            "evaluation": row["evaluation"],
            "future_policy": row["future_policy"],
        })
    return result


# Everything a reader may take for the end of a line (str.splitlines' list), not only CR and LF.
LINE_BREAKS = ("\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def one_line(text: str) -> str:
    """A text on one line for the CSV: each line break becomes the two characters \\n, and a
    backslash already in the text is doubled (\\\\), so the original can always be recovered."""
    text = text.replace("\\", "\\\\")
    for mark in LINE_BREAKS:
        text = text.replace(mark, "\n")
    return strip_unsafe(text).replace("\n", "\\n")


def _csv_value(key: str, value):
    if key == "departments":
        value = DEPARTMENT_SEPARATOR.join(value)
    if isinstance(value, str):
        return csv_cell(one_line(value))  # a formula start is escaped as in every other CSV export
    return value


def to_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in OPEN_DATA_COLUMNS])
    for row in rows:
        writer.writerow([_csv_value(c.key, row[c.key]) for c in OPEN_DATA_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def to_json(round_: Round, rows: list[dict], columns_url: str) -> bytes:
    clean = [{k: strip_unsafe(v) if isinstance(v, str) else [strip_unsafe(x) for x in v] if isinstance(v, list) else v
              for k, v in row.items()} for row in rows]
    document = {
        "title": f"{round_.strategy_name} {round_.title}",
        "strategy": round_.strategy_name,
        "fiscal_year": round_.fiscal_year,
        "fiscal_year_wareki": format_fiscal_year(round_.fiscal_year),
        "licence": licence(),
        "columns": columns_url,
        "records": clean,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
