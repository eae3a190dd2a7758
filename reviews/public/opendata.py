"""Open data for published rounds: one record per entry, as CSV (UTF-8 with a BOM, one line per
record) and as JSON, following the Digital Agency's rules for machine-readable data.

OPEN_DATA_COLUMNS is the one definition of the records: the CSV header, the JSON keys and the column page
(name, meaning, type, example) all read it. The internal memo is not a column and never will be.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from projects.fiscal_year import format_fiscal_year
from projects.formats import csv_cell
from projects.history import names_in
from projects.models import Kpi
from projects.text import strip_unsafe
from reviews.facts import facts_of_rows
from reviews.fields import EVALUATION, FUTURE_POLICY, IMPLEMENTATION, STATUS
from reviews.kpis.achievement import percent_text
from reviews.kpis.records import captured_kpi
from reviews.kpis.trend import trends
from reviews.models import Entry, Round
from reviews.public.pages import published_rounds

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


# --- KPIs: one record per KPI per published round, to the same rules as the entries' data ---
KPI_COLUMNS: tuple[Column, ...] = (
    Column("strategy", "総合戦略", "評価した計画の名称（公表したときの名称）", "文字列", "入間市まち・ひと・しごと創生総合戦略"),
    Column("fiscal_year", "年度", "評価した年度（西暦）", "整数", "2018"),
    Column("fiscal_year_wareki", "年度（和暦）", "評価した年度（和暦）", "文字列", "平成30年度"),
    Column("level", "対象", "基本目標（数値目標）・基本施策・事業のどれの指標か", "文字列", "事業"),
    Column("owner", "対象の名称", "基本目標・基本施策・事業の名称（公表したときの名称）", "文字列", "企業等誘致事業"),
    Column("name", "指標名", "KPI の名称", "文字列", "企業誘致件数"),
    Column("unit", "単位", "値の単位", "文字列", "件"),
    Column("direction", "望ましい方向", "増加が望ましい・減少が望ましい・維持（目標値以上）・維持（目標値以下）", "文字列", "増加が望ましい"),
    Column("cumulative", "累計", "各年度の実績を基準値に足し上げて比べる指標か（はい・いいえ）", "文字列", "いいえ"),
    Column("baseline", "基準値", "基準となる値", "数値", "2"),
    Column("baseline_year", "基準年度", "基準値の年度（西暦）", "整数", "2014"),
    Column("target", "目標値", "目標とする値", "数値", "10"),
    Column("target_year", "目標年度", "目標値の年度（西暦）", "整数", "2019"),
    Column("expected", "その年度の目標", "その年度の目標（年度ごとの目標、なければ基準値から目標値への直線）", "数値", "7.6"),
    Column("status", "実績の状況", "実績値あり・未把握・評価不能・事業終了", "文字列", "実績値あり"),
    Column("value", "実績値", "公表したときの実績値（割合の指標は 分子÷分母×100）", "数値", "6"),
    Column("numerator", "分子", "割合の指標の分子", "数値", ""),
    Column("denominator", "分母", "割合の指標の分母", "数値", ""),
    Column("note", "確定時期・理由", "未把握のときはいつ確定するか、評価不能のときはその理由", "文字列", "翌年度7月に確定"),
    Column("confirmed_value", "公表後に確定した実績値", "公表した後に確定した値（公表した値はそのまま）", "数値", ""),
    Column("confirmed_on", "確定した日", "公表後に確定した日（YYYY-MM-DD）", "日付", ""),
    Column("compared", "比べる値", "目標と比べる値（累計の指標は累計。確定値があればそれを使います）", "数値", "6"),
    Column("achievement", "達成率", "（実績値 − 基準値）÷（目標値 − 基準値）を百分率で。維持の指標は空欄", "数値", "50.0"),
    Column("rating", "評価", "評価基準の名称と記号", "文字列", "達成度 ○"),
    Column("department", "報告する課", "実績を報告する課", "文字列", "商工観光課"),
)


def _number(value) -> str | None:
    return f"{value.normalize():f}" if value is not None else None


def kpi_records(round_: Round) -> list[dict]:
    """The published round's KPI actuals with their achievement, owners named as the round showed them."""
    facts_by_project: dict[int, object] = {}
    policy_titles: dict[int, str] = {}
    goal_texts: dict[int, str] = {}
    pairs = facts_of_rows(Entry.objects.filter(round=round_), "project__policy_id", "project__policy__goal_id")
    for facts, row in pairs:
        facts_by_project[row["project_id"]] = facts
        policy_titles.setdefault(row["project__policy_id"], facts.policy_title)
        goal_texts.setdefault(row["project__policy__goal_id"], facts.goal_band_text)
    kpis = Kpi.objects.filter(actuals__round=round_).order_by("level", "order", "pk")
    department_names = names_in(round_.fiscal_year)
    result = []
    for trend in trends(kpis, published_rounds(), up_to=round_.fiscal_year):
        point = next((p for p in trend.points if p.year == round_.fiscal_year), None)
        if point is None:
            continue
        kpi, actual = trend.kpi, point.actual
        if kpi.project_id:
            facts = facts_by_project.get(kpi.project_id)
            owner = facts.project_name if facts else kpi.project.name
        elif kpi.policy_id:
            owner = policy_titles.get(kpi.policy_id, kpi.policy.title)
        else:
            owner = goal_texts.get(kpi.goal_id, kpi.goal.band_text)
        latest = max(actual.amendments.all(), key=lambda a: (a.confirmed_on, a.pk), default=None)
        progress = point.progress
        # The definition the round published (an admin's later edit never changes the record).
        defined = actual.published_kpi or captured_kpi(kpi)
        result.append({
            "strategy": round_.strategy_name, "fiscal_year": round_.fiscal_year,
            "fiscal_year_wareki": format_fiscal_year(round_.fiscal_year),
            "level": kpi.get_level_display().split("（")[0], "owner": owner, "name": defined["name"],
            "unit": defined["unit"], "direction": Kpi.Direction(defined["direction"]).label,
            "cumulative": "はい" if defined["cumulative"] else "いいえ",
            "baseline": _number(Decimal(defined["baseline"])), "baseline_year": defined["baseline_year"],
            "target": _number(Decimal(defined["target"])), "target_year": defined["target_year"],
            "expected": _number(progress.expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
            if progress.expected is not None else None,
            "status": actual.get_status_display().split("（")[0] if actual.status else "",
            "value": _number(actual.value), "numerator": _number(actual.numerator),
            "denominator": _number(actual.denominator), "note": actual.note,
            "confirmed_value": _number(latest.value) if latest else None,
            "confirmed_on": latest.confirmed_on.isoformat() if latest else None,
            "compared": _number(progress.actual.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
            if progress.actual is not None else None,
            # The same rounding as every page (percent_text): 66.65 → 66.7.
            "achievement": percent_text(progress.achievement).rstrip("%") if progress.achievement is not None else None,
            # Named as the round's year named it: a later rename never rewrites published data.
            "rating": point.rating, "department": department_names[actual.department_id],
        })
    return result


PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _kpi_cell(column: Column, value):
    if value is None:
        return ""
    if column.type == "数値" and isinstance(value, str) and PLAIN_NUMBER.fullmatch(value):
        # A figure as _number wrote it: Excel reads "-3" as minus three, not as a formula, and a
        # quote in front would make the open data's negative numbers text.
        return value
    return csv_cell(one_line(value)) if isinstance(value, str) else value


def kpi_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in KPI_COLUMNS])
    for row in rows:
        writer.writerow([_kpi_cell(c, row[c.key]) for c in KPI_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def kpi_json(round_: Round, rows: list[dict], columns_url: str) -> bytes:
    document = {
        "title": f"{round_.strategy_name} {round_.title} KPI", "strategy": round_.strategy_name,
        "fiscal_year": round_.fiscal_year, "licence": licence(), "columns": columns_url,
        "records": [{k: strip_unsafe(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
