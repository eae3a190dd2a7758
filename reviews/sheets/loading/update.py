"""Updating an existing round from a department's or the planning division's sheet."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import prefetch_related_objects

from projects.access import with_sub_units
from projects.history import PROJECT_HISTORY_PREFETCH, YearBook, predecessor_ids
from projects.models import Department
from projects.text import normalize_name, normalize_text
from reviews.entries import workflow
from reviews.facts import Facts
from reviews.fields import DEPARTMENT_TEXTS, FIELDS
from reviews.models import Entry, Round
from reviews.sheets.export import download_of
from reviews.sheets.loading.result import (
    FieldChange,
    ImportResult,
    ProjectFacts,
    project_facts_warnings,
    sheet_error,
)
from reviews.sheets.workbook.document import SheetDocument, SheetProject

# Updating an existing round ---------------------------------------------------------------------

@dataclass
class _RowUpdate:
    entry: Entry
    version: int
    texts: dict[str, str]
    memo: str | None


def import_update(doc: SheetDocument, round_: Round, *, by=None, department: Department | None = None,
                  dry_run: bool = False) -> ImportResult:
    """Update ``round_``'s entries from a department's sheet (``department`` given) or the planning
    division's (None), under the upload rules of reviews.entries.workflow.upload_refusal. Rows are matched
    by their hidden entry id, or else by goal, policy and project name. A row whose entry changed
    on screen after the sheet was written is a conflict. States never change."""
    result, updates = _plan_update(doc, round_, department)
    result.round = round_
    if result.errors or dry_run:
        return result
    try:
        with transaction.atomic():
            for update in updates:
                workflow.apply_upload(update.entry, by=by, expected_version=update.version, texts=update.texts,
                                      memo=update.memo)
    except workflow.StaleEntryError as stale:
        result.errors.append(sheet_error(doc, None, None, f"取込みの途中で事業「{stale.current.project.name}」が画面で変更されました。何も取り込んでいません。もう一度取り込んでください。"))
        return result
    result.applied = True
    return result


def _plan_update(doc: SheetDocument, round_: Round, department: Department | None) -> tuple[ImportResult, list[_RowUpdate]]:
    result = ImportResult()
    updates: list[_RowUpdate] = []
    # One fresh copy of the round (its state decides what may change) shared by every entry, and the
    # few policies and goals shared too: select_related copied them, the legend and all, per row.
    # The projects' names and departments in the round's year come from one YearBook (plain rows):
    # prefetching every project's histories kept three querysets a project alive, a third of an
    # update's peak memory for a big city. Only the rows that change something get them (below).
    fresh = Round.objects.get(pk=round_.pk)
    entries = list(fresh.entries.select_related("project").prefetch_related("project__policy__goal"))
    book = YearBook(fresh.entries.order_by().values("project_id"))
    year = round_.fiscal_year
    by_id = {e.pk: e for e in entries}
    by_key = {
        (e.project.policy.goal.number, normalize_name(e.project.policy.title),
         normalize_name(book.project_name(e.project_id, e.project.name, year))): e
        for e in entries
    }
    # A department's sheet of a year before a reorganisation holds what the departments it took over
    # from ran (sheet_ids: its rows); what it may change is decided with its own departments.
    department_ids = sheet_ids = None
    if department:
        department_ids = {d.pk for d in with_sub_units(department)}
        sheet_ids = department_ids | predecessor_ids(department_ids)
    download = download_of(doc.download_stamp, round_)
    downloaded_at = download.downloaded_at if download else None
    seen: dict[int, int | None] = {}
    matched: list[tuple[SheetProject, Entry]] = []

    for goal in doc.goals:
        for policy in goal.policies:
            for row in policy.projects:
                if row.entry_id is not None:
                    entry = by_id.get(row.entry_id)
                    if entry is None:
                        result.errors.append(sheet_error(doc, row.row, "entry_ref", f"事業「{row.name}」の行の ID はこの評価回（{round_.title}）のものではありません。この評価回の入力表をダウンロードし直してください。"))
                        continue
                else:
                    entry = by_key.get((goal.number, normalize_name(policy.title), normalize_name(row.name)))
                    if entry is None:
                        result.errors.append(sheet_error(doc, row.row, "name_code", f"事業「{row.name}」はこの評価回にありません。基本目標・基本施策・事業名を確認してください（事業の追加は管理画面で行います）。"))
                        continue
                if entry.pk in seen:
                    result.errors.append(sheet_error(doc, row.row, "name_code", f"事業「{entry.project.name}」の行が二つあります（{seen[entry.pk]}行目と同じ事業）。一つにまとめてください。"))
                    continue
                seen[entry.pk] = row.row
                matched.append((row, entry))
    wrong_sheet = _wrong_sheet_message(department, sheet_ids, matched, book)
    if wrong_sheet:
        # Another department's sheet, or the whole city's: one clear message, not an error per row.
        result.errors = [sheet_error(doc, None, None, wrong_sheet)]
        return result, []
    # The rows that change something: their entries get their projects' histories, which the
    # upload rules (workflow.upload_refusal) and saving (the search row's facts) read.
    planned = [(row, entry, _sheet_changes(row, entry, department_ids)) for row, entry in matched]
    prefetch_related_objects([entry for _row, entry, (changed, memo) in planned if changed or memo is not None],
                             *PROJECT_HISTORY_PREFETCH)
    for row, entry, (changed, memo) in planned:
        update = _plan_row(doc, row, entry, changed, memo, book, department_ids, sheet_ids, result, downloaded_at)
        if update is not None:
            updates.append(update)
    return result, updates


def _department_ids_in(entry: Entry, book: YearBook) -> set[int]:
    """The departments the entry's project had in the round's year."""
    return set(book.department_ids(entry.project_id, entry.round.fiscal_year))


def _project_facts(entry: Entry, book: YearBook) -> ProjectFacts:
    """What the round shows of the entry's project (Entry.facts: captured at publication, else as
    the hierarchy held it in the round's year), from the book rather than the project's histories."""
    if entry.published_facts:
        facts = Facts.from_json(entry.published_facts)
        return ProjectFacts(entry.project_id, facts.project_name, facts.description, facts.category,
                            list(facts.departments))
    project, year = entry.project, entry.round.fiscal_year
    return ProjectFacts(project.pk, book.project_name(project.pk, project.name, year), project.description,
                        project.category, list(book.department_names(project.pk, year)))


def _wrong_sheet_message(department: Department | None, department_ids: set[int] | None,
                         matched: list[tuple[SheetProject, Entry]], book: YearBook) -> str | None:
    """For a department's upload: say whose sheet it is when hardly any row is the department's
    (none, or fewer than half of many rows: the city's sheet), or None."""
    if department is None or not matched:
        return None
    def is_ours(entry: Entry) -> bool:
        return bool(department_ids & _department_ids_in(entry, book))
    ours = sum(1 for _, entry in matched if is_ours(entry))
    if ours and ours * 2 >= len(matched):
        return None
    leads = {facts.departments[0] for facts in (_project_facts(entry, book) for _, entry in matched if not is_ours(entry))
             if facts.departments}
    whose = f"{next(iter(leads))}の入力表" if len(leads) == 1 else "市全体（複数の課）の入力表"
    return (f"この入力表は{whose}です。{department.name}の行が{'ありません' if not ours else '一部しかありません'}。"
            f"「ダウンロード」で{department.name}の入力表を選んでダウンロードし、それに記入して取り込んでください。")


def _changed_on_screen_since(entry: Entry, row: SheetProject, downloaded_at, fields: list[str]) -> list[str]:
    """Which of ``fields`` changed on screen after the sheet was made (docs/domain.md, one rule for
    every row). What the sheet was made from is the entry as it was at the row's hidden version;
    else, for a row matched by name, as it was when the stamped download was made; else (a sheet
    made by hand, with no stamp) as the round created it, so any change on screen is a conflict.
    A memo saved or a state changed meanwhile touches none of these texts: no conflict."""
    records = entry.history.order_by("-history_date", "-history_id")
    if row.entry_version is not None:
        then = records.filter(version=row.entry_version).first()
    elif downloaded_at is not None:
        then = records.filter(history_date__lte=downloaded_at).first()
    else:
        then = records.last()
    if then is None:
        return fields  # no record of what the sheet was made from: treat every change as a conflict
    return [name for name in fields if normalize_text(getattr(then, name) or "") != normalize_text(getattr(entry, name) or "")]


def _sheet_changes(row: SheetProject, entry: Entry, department_ids: set[int] | None) -> tuple[dict[str, str], str | None]:
    """What the row would change: the letter and department texts that differ from the entry's,
    and the memo (None: unchanged)."""
    texts = {"status": row.status, **{name: normalize_text(getattr(row, name)) for name in DEPARTMENT_TEXTS}}
    changed = {name: value for name, value in texts.items() if normalize_text(getattr(entry, name)) != value}
    memo = None
    # The planning division's sheet carries memos; a department's never. A blank memo cell changes
    # nothing: the committee's sheet is exported without memos, and uploading it must not erase them.
    if department_ids is None and normalize_text(row.memo) and normalize_text(entry.memo) != normalize_text(row.memo):
        memo = normalize_text(row.memo)
    return changed, memo


def _plan_row(doc: SheetDocument, row: SheetProject, entry: Entry, changed: dict[str, str], memo: str | None,
              book: YearBook, department_ids: set[int] | None, sheet_ids: set[int] | None, result: ImportResult,
              downloaded_at) -> _RowUpdate | None:
    if sheet_ids is not None and not sheet_ids & _department_ids_in(entry, book):
        result.errors.append(sheet_error(doc, row.row, "name_code", f"事業「{entry.project.name}」はこの課の事業ではありません。他の課の行は削除してから取り込んでください。"))
        return None
    result.warnings.extend(project_facts_warnings(doc, row, _project_facts(entry, book)))
    if not changed and memo is None:
        return None
    if row.entry_version is not None and row.entry_version > entry.version:
        # A version the entry never had: the hidden ID was typed over, or the sheet comes from
        # another installation (or from before a restore); there is nothing to compare it with.
        result.errors.append(sheet_error(doc, row.row, "name_code", f"事業「{entry.project.name}」の行の非表示のID（{row.entry_id}:{row.entry_version}）が、この評価の記録と合いません。IDの列が書き換えられたか、別の環境の入力表です。最新の入力表をダウンロードし直して反映してから取り込んでください。"))
        return None
    if row.entry_version != entry.version:
        moved = _changed_on_screen_since(entry, row, downloaded_at, [*changed, *(["memo"] if memo is not None else [])])
        if moved:
            sheet_values = {**changed, "memo": memo}
            both = "／".join(
                f"{FIELDS[name].short_label}: 画面「{getattr(entry, name) or '（空欄）'}」・入力表「{sheet_values[name] or '（空欄）'}」"
                for name in moved
            )
            result.errors.append(sheet_error(doc, row.row, _column_of(moved[0]), f"事業「{entry.project.name}」は、この入力表を作った後に画面で変更されています（{both}）。両方を見比べ、最新の入力表をダウンロードし直して反映してから取り込んでください。"))
            return None
    refusal = workflow.upload_refusal(entry, department_ids=department_ids, texts_changed=bool(changed))
    if refusal:
        first = next(iter(changed), "memo" if memo is not None else "status")
        result.errors.append(sheet_error(doc, row.row, _column_of(first), f"事業「{entry.project.name}」: {refusal}"))
        return None
    for name, value in changed.items():
        result.changes.append(FieldChange(row.row, entry.project.name, FIELDS[name].short_label, getattr(entry, name), value))
    if memo is not None:
        result.changes.append(FieldChange(row.row, entry.project.name, FIELDS["memo"].short_label, entry.memo, memo))
    return _RowUpdate(entry=entry, version=entry.version, texts=changed, memo=memo)


def _column_of(name: str) -> str:
    """The sheet field a database field is read from: the letter and the status share 事業名※."""
    return "name_code" if name == "status" else name
