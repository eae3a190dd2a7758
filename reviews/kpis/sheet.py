"""The KPI sheet (KPI 進捗管理表) of a round, for departments that prefer Excel: written in the
house style of the official sheet, and read back under the official sheet's rules — all or
nothing, errors by row and column, a hidden identifier and version on every row, and a row whose
actual changed on screen since the download refused.

One row per KPI actual the user may see; a department's sheet holds its own. What may change is
what the screens allow: a project's actual while its entry may be saved, a goal's or a policy's
while it may be saved (reviews.kpis.actuals, reviews.kpis.reports).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from projects.history import names_in
from projects.text import normalize_text, unsafe_character_message
from projects.validators import parse_kpi_number, validate_kpi_number
from reviews.entries import workflow
from reviews.fields import TEXT_MAX_LENGTH
from reviews.kpis.actuals import StaleKpiError, stored_values
from reviews.kpis.amendments import ratio_problem
from reviews.kpis.reports import RULES_FOR_REPORTS
from reviews.models import Entry, KpiActual, Round
from reviews.results.workbook import HouseSheet, add_styles
from reviews.sheets import uploads
from reviews.sheets.workbook.reader import _too_big

SHEET_NAME = "KPI"
HEADER_ROW = 3  # the title, a line of guidance, then the header
REF_HEADER = "ID（編集しないでください）"
REF_RE = re.compile(r"^\s*(?P<id>\d+)\s*:\s*(?P<version>\d+)\s*$")
STATUS_BY_LABEL = {label: value for value, label in KpiActual.Status.choices}


@dataclass(frozen=True)
class SheetColumn:
    header: str
    width: float
    editable: bool = False


KPI_SHEET_COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn("対象", 10), SheetColumn("対象の名称", 30), SheetColumn("指標名", 26), SheetColumn("単位", 6),
    SheetColumn("基準値（年度）", 14), SheetColumn("目標値（年度）", 14), SheetColumn("報告する課", 14),
    SheetColumn("実績の状況", 16, True), SheetColumn("実績値", 10, True), SheetColumn("分子", 10, True),
    SheetColumn("分母", 10, True), SheetColumn("確定する時期・測れない理由", 24, True), SheetColumn("コメント", 30, True),
    SheetColumn(REF_HEADER, 12),
)
HEADERS = [c.header for c in KPI_SHEET_COLUMNS]
EDITABLE = {c.header: i for i, c in enumerate(KPI_SHEET_COLUMNS) if c.editable}  # header → column index
REF_INDEX = len(KPI_SHEET_COLUMNS) - 1


def _letter(index: int) -> str:
    return chr(ord("A") + index)


def _number_text(value: Decimal | None) -> str | None:
    return f"{value.normalize():f}" if value is not None else None


def _owner(actual: KpiActual) -> str:
    kpi = actual.kpi
    return str(kpi.project or kpi.policy or kpi.goal)


def sheet_actuals(visible, round_: Round):
    return (visible.filter(round=round_)
            .select_related("kpi__goal", "kpi__policy", "kpi__project", "department", "entry__round", "round")
            .order_by("kpi__level", "kpi__order", "kpi_id"))


def write_kpi_sheet(round_: Round, actuals, stream) -> None:
    """The round's KPI sheet with ``actuals`` (one row each), to a binary stream."""
    wb = Workbook()
    wb.remove(wb.active)
    add_styles(wb)
    sheet = HouseSheet(wb, SHEET_NAME, [c.width for c in KPI_SHEET_COLUMNS])
    sheet.title(f"{round_.strategy_name} KPI 進捗管理表 {round_.title}")
    sheet.line("実績の状況・実績値（割合の指標は分子と分母）・確定する時期や理由・コメントの列だけを書いてください。"
               "最後の列（ID）は取込みに使うので消さないでください。")
    sheet.header(HEADERS)
    ws = sheet.ws
    statuses = DataValidation(type="list", formula1='"' + ",".join(STATUS_BY_LABEL) + '"', allow_blank=True)
    ws.add_data_validation(statuses)
    department_names = names_in(round_.fiscal_year)
    for actual in actuals:
        kpi = actual.kpi
        sheet.values([
            kpi.get_level_display().split("（")[0], _owner(actual), kpi.name, kpi.unit,
            f"{_number_text(kpi.baseline_value)}（{kpi.baseline_year}）", f"{_number_text(kpi.target_value)}（{kpi.target_year}）",
            department_names[actual.department_id], actual.get_status_display() if actual.status else "",
            _number_text(actual.value), _number_text(actual.numerator), _number_text(actual.denominator),
            actual.note, actual.comment, f"{actual.pk}:{actual.version}",
        ])
        statuses.add(f"{_letter(EDITABLE['実績の状況'])}{sheet.row}")
    ws.column_dimensions[_letter(REF_INDEX)].hidden = True
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    wb.save(stream)


@dataclass
class SheetProblem:
    row: int
    column: str  # a letter; "" for the whole sheet
    message: str

    def __str__(self) -> str:
        where = f"{self.row}行目" + (f" {self.column}列" if self.column else "") if self.row else "シート"
        return f"{where}: {self.message}"


@dataclass
class KpiSheetResult:
    errors: list[SheetProblem] = field(default_factory=list)
    changes: list[tuple[KpiActual, dict]] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def previews(self) -> list[tuple[KpiActual, dict, KpiActual]]:
        """Each change with the actual as it would be after it, printed the way the pages print it."""
        shown = []
        for actual, values in self.changes:
            after = KpiActual(kpi=actual.kpi, **values)
            shown.append((actual, values, after))
        return shown


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # 0.00001 as written, not str()'s 1e-05, which no figure's reader takes.
        value = int(value) if value.is_integer() else format(Decimal(repr(value)), "f")
    return normalize_text(str(value)).strip()


def _decimal(text: str, row: int, column: str, problems: list[SheetProblem]) -> Decimal | None:
    if not text:
        return None
    try:
        value = parse_kpi_number(text)
    except ValueError:
        problems.append(SheetProblem(row, column, f"「{text}」は数字として読めません。"))
        return None
    try:
        validate_kpi_number(value)
    except ValidationError as error:
        problems.append(SheetProblem(row, column, error.messages[0]))
        return None
    return value


def _may_save(actual: KpiActual, user) -> bool:
    if actual.entry_id:
        return workflow.allows("save", actual.entry, user)
    return RULES_FOR_REPORTS.allows("save", actual, user)


def _lock_and_check(actual: KpiActual, user) -> KpiActual:
    """Inside the import's transaction: lock the round (as every change does first), the entry and
    the actual, and check again that the user may change it now (a submit may have come between)."""
    Round.objects.select_for_update().get(pk=actual.round_id)
    locked = KpiActual.objects.select_for_update(of=("self",)).select_related("round", "kpi").get(pk=actual.pk)
    if locked.entry_id:
        locked.entry = Entry.objects.select_for_update().select_related("round", "project").get(pk=locked.entry_id)
        locked.entry.round = locked.round
    if locked.version != actual.version:
        raise StaleKpiError(actual.kpi)
    if not _may_save(locked, user):
        raise workflow.WorkflowError(f"「{actual.kpi.name}」はいま変更できません（提出済み・承認済み、または受付が終わっています）。")
    return locked


def read_kpi_sheet(content: bytes, round_: Round, visible, *, by) -> KpiSheetResult:
    """Check an uploaded KPI sheet against the round's actuals the user may see; nothing is written."""
    result = KpiSheetResult()
    # The official sheet's bounds, checked by streaming before anything is built (a tiny file can
    # declare a million rows or columns).
    if problem := _too_big(content, uploads.sheet_limits()):
        result.errors.append(SheetProblem(0, "", problem))
        return result
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a file that is not a workbook)
        result.errors.append(SheetProblem(0, "", "Excel のファイル（.xlsx）として読めません。"))
        return result
    if SHEET_NAME not in wb.sheetnames:
        result.errors.append(SheetProblem(0, "", f"「{SHEET_NAME}」という名前のシートがありません。ダウンロードした KPI シートを使ってください。"))
        return result
    # Only the sheet's own columns are read; a formula is refused, as the official sheet refuses it
    # (its saved result may be stale or missing).
    rows = []
    for cells in wb[SHEET_NAME].iter_rows(max_col=len(HEADERS)):
        row_values = []
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                result.errors.append(SheetProblem(cell.row, cell.column_letter,
                                                  f"数式「{cell.value}」が入っています。数式は読み込めません。値を書いてください。"))
            row_values.append(getattr(cell, "value", None))
        rows.append(row_values)
    if result.errors:
        return result
    header = [(_cell_text(v)) for v in (rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else [])]
    if header[: len(HEADERS)] != HEADERS:
        result.errors.append(SheetProblem(HEADER_ROW, "", "見出しの行が KPI シートと違います。列を足したり消したりせずに書いてください。"))
        return result
    actuals = {a.pk: a for a in sheet_actuals(visible, round_)}
    seen: set[int] = set()
    for number, cells in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1):
        cells = list(cells) + [None] * (len(HEADERS) - len(cells))
        if not any(_cell_text(v) for v in cells):
            continue
        problems: list[SheetProblem] = []
        ref = REF_RE.match(_cell_text(cells[REF_INDEX]))
        actual = actuals.get(int(ref["id"])) if ref else None
        if actual is None or actual.pk in seen:
            result.errors.append(SheetProblem(number, _letter(REF_INDEX),
                                              "ID の列が読めないか、この評価回のあなたの KPI ではありません（同じ行を2回書いていませんか）。"))
            continue
        seen.add(actual.pk)
        texts = {name: _cell_text(cells[index]) for name, index in EDITABLE.items()}
        for name, text in texts.items():
            if problem := unsafe_character_message(text, name):
                problems.append(SheetProblem(number, _letter(EDITABLE[name]), problem))
        status_text = texts["実績の状況"]
        if status_text and status_text not in STATUS_BY_LABEL:
            problems.append(SheetProblem(number, _letter(EDITABLE["実績の状況"]),
                                         f"「{status_text}」は使えません。「{'」「'.join(STATUS_BY_LABEL)}」から選んでください。"))
        for name, limit in (("確定する時期・測れない理由", 300), ("コメント", TEXT_MAX_LENGTH)):
            if len(texts[name]) > limit:
                problems.append(SheetProblem(number, _letter(EDITABLE[name]), f"{limit:,}文字以内で書いてください。"))
        numbers = {key: _decimal(texts[name], number, _letter(EDITABLE[name]), problems)
                   for key, name in (("value", "実績値"), ("numerator", "分子"), ("denominator", "分母"))}
        if problem := ratio_problem(numbers["numerator"], numbers["denominator"]):
            column = {"numerator": "分子", "denominator": "分母"}[problem[0]]
            problems.append(SheetProblem(number, _letter(EDITABLE[column]), problem[1]))
        if problems:
            result.errors.extend(problems)
            continue
        values = stored_values(actual.kpi, {"status": STATUS_BY_LABEL.get(status_text, ""), **numbers,
                                            "note": texts["確定する時期・測れない理由"], "comment": texts["コメント"]})
        if all(getattr(actual, k) == v for k, v in values.items()):
            continue  # unchanged rows are fine whoever may edit them
        if int(ref["version"]) != actual.version:
            result.errors.append(SheetProblem(number, "", f"「{actual.kpi.name}」はダウンロードの後に画面で変更されています。"
                                                          "もう一度ダウンロードしてから書いてください。"))
            continue
        if not _may_save(actual, by):
            result.errors.append(SheetProblem(number, "", f"「{actual.kpi.name}」はいま変更できません"
                                                          "（提出済み・承認済み、または受付が終わっています）。"))
            continue
        result.changes.append((actual, values))
    return result


def apply_kpi_sheet(content: bytes, round_: Round, visible, *, by) -> KpiSheetResult:
    """Check the sheet again and, only when nothing is wrong, write every change in one transaction."""
    with transaction.atomic():
        result = read_kpi_sheet(content, round_, visible, by=by)
        if not result.ok:
            return result
        for actual, values in result.changes:
            locked = _lock_and_check(actual, by)
            for name, value in values.items():
                setattr(locked, name, value)
            locked.version += 1
            locked.text_author = locked.updated_by = by
            locked._history_user = by
            locked.save()
        result.applied = True
    return result
