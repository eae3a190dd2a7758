"""Apply a read 入力表 to the database: load it as a new round, or update an existing round.

Two phases, all or nothing: first every row is checked against the database without writing
anything (a dry run stops there and shows the plan field by field); then, only if there is no
error, one transaction applies the same plan. Warnings (project facts that differ from the
database) are listed and never applied: the hierarchy changes in the admin.
"""

from dataclasses import dataclass, field

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from projects.access import with_sub_units
from projects.fiscal_year import format_fiscal_year
from projects.models import Department, Goal, Policy, Project, ProjectDepartment, Strategy
from projects.text import normalize_name, normalize_text
from reviews.entries import workflow
from reviews.fields import DEPARTMENT_TEXTS, FIELDS
from reviews.models import Entry, Event, Round
from reviews.sheets.export import SHEET_TITLE_SUFFIX
from reviews.sheets.workbook.document import SheetDocument, SheetProject
from reviews.sheets.workbook.layout import DEFAULT_TITLE
from reviews.sheets.workbook.reader import SheetError

CATEGORY_BY_LABEL = {label: value for value, label in Project.Category.choices}
CATEGORY_LABELS = dict(Project.Category.choices)


@dataclass
class FieldChange:
    row: int | None
    project: str
    field: str
    old: str
    new: str


@dataclass
class ImportResult:
    """What an import found and did. ``applied`` is False for a dry run or when there were errors."""

    errors: list[SheetError] = field(default_factory=list)
    warnings: list[SheetError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    applied: bool = False
    round: Round | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        """A JSON-able record of what changed, kept with the uploaded file."""
        return {
            "created": self.created,
            "changes": [vars(c) for c in self.changes],
            "warnings": [str(w) for w in self.warnings],
        }


def _error(doc: SheetDocument, row: int | None, column: str | None, message: str) -> SheetError:
    return SheetError(doc.sheet_name, row, column, message)


@dataclass
class _ProjectFacts:
    """What a sheet repeats about a project rather than its entry: compared, never imported."""

    pk: int
    name: str
    description: str
    category: str  # a Project.Category value
    departments: list[str]  # names, the lead first

    @classmethod
    def of(cls, project: Project) -> "_ProjectFacts":
        return cls(project.pk, project.name, project.description, project.category,
                   [d.name for d in project.ordered_departments()])


def _project_facts_warnings(doc: SheetDocument, sheet: SheetProject, project: _ProjectFacts) -> list[SheetError]:
    """Differences in what belongs to the project (not the entry): reported, never applied."""
    warnings = []
    if normalize_text(sheet.description) != normalize_text(project.description):
        warnings.append(_error(doc, sheet.row, "D", f"事業「{project.name}」の事業内容が登録内容と異なります（取り込みません。変更は管理画面で行います）。"))
    if sheet.category and CATEGORY_BY_LABEL.get(sheet.category) != project.category:
        warnings.append(_error(doc, sheet.row, "C", f"事業「{project.name}」の継続/新規が登録内容（{CATEGORY_LABELS.get(project.category, project.category)}）と異なります（取り込みません）。"))
    if [normalize_name(n) for n in sheet.departments] != [normalize_name(n) for n in project.departments]:
        warnings.append(_error(doc, sheet.row, "H", f"事業「{project.name}」の担当課が登録内容（{'、'.join(project.departments)}）と異なります（取り込みません）。"))
    return warnings


# Loading a sheet as a new round -----------------------------------------------------------------

def import_new_round(doc: SheetDocument, *, fiscal_year: int, by=None, allow_new_departments: bool = False,
                     historical: bool = False, dry_run: bool = False) -> ImportResult:
    """Create the round ``fiscal_year`` from a sheet: goals, policies and projects are matched by
    number and name (NFKC, whitespace removed) or created, and each row becomes the round's entry
    with the sheet's letter and texts. Departments are created only in an empty installation or
    when ``allow_new_departments``. ``historical`` loads a past, published round (entries
    approved); otherwise the round is in preparation with draft entries."""
    result = _walk_new_round(doc, fiscal_year, by, allow_new_departments, historical, apply=False)
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        applied = _walk_new_round(doc, fiscal_year, by, allow_new_departments, historical, apply=True)
    applied.applied = True
    return applied


def _walk_new_round(doc: SheetDocument, fiscal_year: int, by, allow_new_departments: bool, historical: bool,
                    *, apply: bool) -> ImportResult:
    result = ImportResult()
    if Round.objects.filter(fiscal_year=fiscal_year).exists():
        result.errors.append(_error(doc, None, None, f"{format_fiscal_year(fiscal_year)}の評価回はすでにあります。既存の評価回を更新する取込みを使ってください。"))
        return result

    strategy_name, strategy = _strategy_for(doc)
    if strategy is None:
        result.created.append(f"総合戦略「{strategy_name}」")
        if apply:
            strategy = Strategy.objects.create(name=strategy_name)

    departments = _resolve_departments(doc, result, allow_new_departments or not Department.objects.exists(), apply)

    round_ = None
    entries: list[Entry] = []  # created together at the end (see below)
    state = Entry.State.APPROVED if historical else Entry.State.DRAFT
    result.created.append(f"評価回「{format_fiscal_year(fiscal_year)} 実施事業評価」")
    if apply:
        round_ = Round.objects.create(
            strategy=strategy, fiscal_year=fiscal_year, title=f"{format_fiscal_year(fiscal_year)} 実施事業評価",
            implementation_heading=doc.implementation_heading, legend="\n\n".join(doc.legend_paragraphs),
            state=Round.State.PUBLISHED if historical else Round.State.PREPARING,
        )
        result.round = round_

    for sheet_goal in doc.goals:
        goal = Goal.objects.filter(strategy=strategy, number=sheet_goal.number).first() if strategy and strategy.pk else None
        if goal is None:
            result.created.append(f"基本目標「{sheet_goal.number} {sheet_goal.title}」")
            if apply:
                goal = Goal.objects.create(strategy=strategy, number=sheet_goal.number, title=sheet_goal.title,
                                           project_label=sheet_goal.project_label)
        elif normalize_name(goal.title) != normalize_name(sheet_goal.title):
            result.warnings.append(_error(doc, sheet_goal.row, "A", f"基本目標 {goal.number} の名称が登録内容（{goal.title}）と異なります（取り込みません）。"))
        for sheet_policy in sheet_goal.policies:
            policy = _find_by_name(goal.policies.all() if goal and goal.pk else [], "title", sheet_policy.title)
            if policy is None:
                result.created.append(f"基本施策「{sheet_policy.title}」")
                if apply:
                    order = max(goal.policies.values_list("order", flat=True), default=0) + 1
                    policy = Policy.objects.create(goal=goal, title=sheet_policy.title, order=order)
            # One lookup per policy, not a query per row: a big city's policy has hundreds of projects.
            projects = _projects_by_name(policy) if policy and policy.pk else {}
            for sheet_project in sheet_policy.projects:
                if historical and not sheet_project.status:
                    result.errors.append(_error(doc, sheet_project.row, "C", f"事業「{sheet_project.name}」の実施状況（A〜D）が空欄です。過去の評価回として読み込むには全行に必要です。"))
                project = projects.get(normalize_name(sheet_project.name))
                if project is None:
                    result.created.append(f"事業「{sheet_project.name}」")
                    if apply:
                        project = _ProjectFacts.of(_create_project(policy, sheet_project, departments))
                        projects[normalize_name(project.name)] = project
                else:
                    result.warnings.extend(_project_facts_warnings(doc, sheet_project, project))
                if apply:
                    entries.append(Entry(
                        round=round_, project_id=project.pk, status=sheet_project.status,
                        implementation=sheet_project.implementation, evaluation=sheet_project.evaluation,
                        future_policy=sheet_project.future_policy, memo=sheet_project.memo, state=state,
                        text_author=by, updated_by=by,
                    ))
    if entries:
        # Three inserts per row (entry, its history, its event) were most of a big import's time.
        # bulk_create_with_history still records each entry's creation in its history, as the
        # uploader's (also from a command, where there is no request to take the user from).
        entries = bulk_create_with_history(entries, Entry, default_user=by)
        Event.objects.bulk_create(
            Event(entry=entry, action=Event.Action.IMPORT, from_state="", to_state=state, actor=by,
                  comment="入力表から取り込みました。")
            for entry in entries
        )
    return result


def _strategy_for(doc: SheetDocument) -> tuple[str, Strategy | None]:
    """The strategy named in the sheet's title; a sheet without a title belongs to the strategy of
    the latest round (people often delete the title rows)."""
    name = doc.title.removesuffix(SHEET_TITLE_SUFFIX).strip()
    if name:
        return name, _find_by_name(Strategy.objects.all(), "name", name)
    latest = Round.objects.select_related("strategy").order_by("-fiscal_year").first()
    if latest is not None:
        return latest.strategy.name, latest.strategy
    only = Strategy.objects.first()
    return (only.name, only) if only else (DEFAULT_TITLE.removesuffix(SHEET_TITLE_SUFFIX), None)


def _find_by_name(candidates, attribute: str, name: str):
    key = normalize_name(name)
    return next((c for c in candidates if normalize_name(getattr(c, attribute)) == key), None)


def _projects_by_name(policy: Policy) -> dict[str, _ProjectFacts]:
    """The policy's projects by normalised name (the first of two that normalise alike, as
    _find_by_name does). Plain rows rather than model instances: a big city has thousands."""
    departments: dict[int, list[str]] = {}
    links = (ProjectDepartment.objects.filter(project__policy=policy).order_by("project_id", "position")
             .values_list("project_id", "department__name"))
    for project_id, name in links:
        departments.setdefault(project_id, []).append(name)
    projects: dict[str, _ProjectFacts] = {}
    for pk, name, description, category in policy.projects.values_list("pk", "name", "description", "category"):
        projects.setdefault(normalize_name(name), _ProjectFacts(pk, name, description, category, departments.get(pk, [])))
    return projects


def _resolve_departments(doc: SheetDocument, result: ImportResult, may_create: bool, apply: bool) -> dict[str, Department]:
    known = {normalize_name(d.name): d for d in Department.objects.all()}
    resolved: dict[str, Department] = {}
    for project in doc.projects():
        if not project.departments:
            result.errors.append(_error(doc, project.row, "H", f"事業「{project.name}」の担当課が空欄です。担当課を入力してください。"))
        for name in project.departments:
            key = normalize_name(name)
            if key in resolved:
                continue
            if key in known:
                resolved[key] = known[key]
                continue
            if not may_create:
                result.errors.append(_error(doc, project.row, "H", f"担当課「{name}」は登録されていません。綴りを確認するか、管理者に部署の登録を依頼してください。"))
                continue
            result.created.append(f"部署「{name}」")
            if apply:
                parent = known.get(normalize_name(name.split("（")[0])) if "（" in name else None
                resolved[key] = known[key] = Department.objects.create(name=name, parent=parent)
            else:
                resolved[key] = Department(name=name)
    return resolved


def _create_project(policy: Policy, sheet: SheetProject, departments: dict[str, Department]) -> Project:
    order = max(policy.projects.values_list("order", flat=True), default=0) + 1
    project = Project.objects.create(
        policy=policy, name=sheet.name, description=sheet.description,
        category=CATEGORY_BY_LABEL.get(sheet.category, Project.Category.CONTINUING), order=order,
    )
    for position, name in enumerate(sheet.departments, start=1):
        ProjectDepartment.objects.create(project=project, department=departments[normalize_name(name)], position=position)
    return project


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
        result.errors.append(_error(doc, None, None, f"取込みの途中で事業「{stale.current.project.name}」が画面で変更されました。何も取り込んでいません。もう一度取り込んでください。"))
        return result
    result.applied = True
    return result


def _plan_update(doc: SheetDocument, round_: Round, department: Department | None) -> tuple[ImportResult, list[_RowUpdate]]:
    result = ImportResult()
    updates: list[_RowUpdate] = []
    # One fresh copy of the round (its state decides what may change) shared by every entry, and the
    # few policies and goals shared too: select_related copied them, the legend and all, per row.
    entries = list(
        Round.objects.get(pk=round_.pk).entries.select_related("project")
        .prefetch_related("project__policy__goal", "project__project_departments__department")
    )
    by_id = {e.pk: e for e in entries}
    by_key = {
        (e.project.policy.goal.number, normalize_name(e.project.policy.title), normalize_name(e.project.name)): e
        for e in entries
    }
    department_ids = {d.pk for d in with_sub_units(department)} if department else None
    seen: dict[int, int | None] = {}

    for goal in doc.goals:
        for policy in goal.policies:
            for row in policy.projects:
                if row.entry_id is not None:
                    entry = by_id.get(row.entry_id)
                    if entry is None:
                        result.errors.append(_error(doc, row.row, "J", f"事業「{row.name}」の行の ID はこの評価回（{round_.title}）のものではありません。この評価回の入力表をダウンロードし直してください。"))
                        continue
                else:
                    entry = by_key.get((goal.number, normalize_name(policy.title), normalize_name(row.name)))
                    if entry is None:
                        result.errors.append(_error(doc, row.row, "C", f"事業「{row.name}」はこの評価回にありません。基本目標・基本施策・事業名を確認してください（事業の追加は管理画面で行います）。"))
                        continue
                if entry.pk in seen:
                    result.errors.append(_error(doc, row.row, "C", f"事業「{entry.project.name}」の行が二つあります（{seen[entry.pk]}行目と同じ事業）。一つにまとめてください。"))
                    continue
                seen[entry.pk] = row.row
                update = _plan_row(doc, row, entry, department_ids, result)
                if update is not None:
                    updates.append(update)
    return result, updates


def _changed_on_screen_since(entry: Entry, version: int, fields: list[str]) -> list[str]:
    """Which of ``fields`` changed on screen after the sheet was written at ``version``. A memo
    saved or a state changed since then bumps the version without touching the texts: no conflict."""
    then = entry.history.filter(version=version).order_by("-history_id").first()
    if then is None:
        return fields  # no record of what the sheet was made from: treat every change as a conflict
    return [name for name in fields if normalize_text(getattr(then, name) or "") != normalize_text(getattr(entry, name) or "")]


def _plan_row(doc: SheetDocument, row: SheetProject, entry: Entry, department_ids: set[int] | None,
              result: ImportResult) -> _RowUpdate | None:
    texts = {"status": row.status, **{name: normalize_text(getattr(row, name)) for name in DEPARTMENT_TEXTS}}
    changed = {name: value for name, value in texts.items() if normalize_text(getattr(entry, name)) != value}
    memo = None
    # The planning division's sheet carries memos; a department's never. A blank memo cell changes
    # nothing: the committee's sheet is exported without memos, and uploading it must not erase them.
    if department_ids is None and normalize_text(row.memo) and normalize_text(entry.memo) != normalize_text(row.memo):
        memo = normalize_text(row.memo)
    if department_ids is not None and not department_ids & {link.department_id for link in entry.project.project_departments.all()}:
        result.errors.append(_error(doc, row.row, "C", f"事業「{entry.project.name}」はこの課の事業ではありません。他の課の行は削除してから取り込んでください。"))
        return None
    result.warnings.extend(_project_facts_warnings(doc, row, _ProjectFacts.of(entry.project)))
    if not changed and memo is None:
        return None
    if row.entry_version is not None and row.entry_version != entry.version:
        moved = _changed_on_screen_since(entry, row.entry_version, [*changed, *(["memo"] if memo is not None else [])])
        if moved:
            sheet_values = {**changed, "memo": memo}
            both = "／".join(
                f"{FIELDS[name].short_label}: 画面「{getattr(entry, name) or '（空欄）'}」・入力表「{sheet_values[name] or '（空欄）'}」"
                for name in moved
            )
            result.errors.append(_error(doc, row.row, "C", f"事業「{entry.project.name}」は、この入力表を作った後に画面で変更されています（{both}）。両方を見比べ、最新の入力表をダウンロードし直して反映してから取り込んでください。"))
            return None
    refusal = workflow.upload_refusal(entry, department_ids=department_ids, texts_changed=bool(changed))
    if refusal:
        result.errors.append(_error(doc, row.row, "C", f"事業「{entry.project.name}」: {refusal}"))
        return None
    for name, value in changed.items():
        result.changes.append(FieldChange(row.row, entry.project.name, FIELDS[name].short_label, getattr(entry, name), value))
    if memo is not None:
        result.changes.append(FieldChange(row.row, entry.project.name, FIELDS["memo"].short_label, entry.memo, memo))
    return _RowUpdate(entry=entry, version=entry.version, texts=changed, memo=memo)
