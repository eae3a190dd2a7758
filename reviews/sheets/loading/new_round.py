"""Loading a sheet as a new round: match the hierarchy by name (or plan to create it), then apply.

The plan is built without writing anything and is what a dry run shows; applying it creates, in
one transaction, exactly what the plan lists.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from simple_history.utils import bulk_create_with_history

from projects.fiscal_year import format_fiscal_year, format_fiscal_year_with_western
from projects.models import Department, Goal, Policy, Project, ProjectDepartment, Strategy
from projects.text import normalize_name, parent_name_of
from projects.validators import department_name_problem
from reviews.facts import Facts
from reviews.models import Entry, EntrySearch, Event, Round
from reviews.public.cache import public_changed
from reviews.rounds import record
from reviews.rounds.year import describe_strategies, strategies_active_in
from reviews.search.text import departments_key, entry_search_text
from reviews.sheets.loading.bulk import insert_rows, paused_collector
from reviews.sheets.loading.result import (
    CATEGORY_BY_LABEL,
    ImportResult,
    ProjectFacts,
    project_facts_warnings,
    sheet_error,
)
from reviews.sheets.workbook.document import SheetDocument, SheetGoal, SheetPolicy, SheetProject
from reviews.sheets.workbook.layout import DEFAULT_TITLE, TITLE_SUFFIX

IMPORT_COMMENT = "入力表から取り込みました。"


def round_title(fiscal_year: int) -> str:
    return f"{format_fiscal_year(fiscal_year)} 実施事業評価"


@dataclass
class _ProjectRow:
    sheet: SheetProject
    project_id: int | None  # None: created from the sheet


@dataclass
class _PolicyPlan:
    sheet: SheetPolicy
    policy: Policy | None  # None: created from the sheet
    rows: list[_ProjectRow] = field(default_factory=list)


@dataclass
class _GoalPlan:
    sheet: SheetGoal
    goal: Goal | None  # None: created from the sheet
    policies: list[_PolicyPlan] = field(default_factory=list)


@dataclass
class NewRoundPlan:
    """Everything a new round from this sheet would match or create."""

    doc: SheetDocument
    fiscal_year: int
    historical: bool
    result: ImportResult
    strategy_name: str = ""
    strategy: Strategy | None = None  # None: created from the sheet's title
    departments: dict[str, Department] = field(default_factory=dict)  # known ones, by name key
    new_departments: list[tuple[str, str | None]] = field(default_factory=list)  # (name, parent's name)
    goals: list[_GoalPlan] = field(default_factory=list)


def import_new_round(doc: SheetDocument, *, fiscal_year: int, by=None, allow_new_departments: bool = False,
                     historical: bool = False, dry_run: bool = False, comment: str = IMPORT_COMMENT,
                     strategy: Strategy | None = None) -> ImportResult:
    """Create the round ``fiscal_year`` of the strategy the sheet's title names (which must be
    ``strategy`` when the caller chose one) from a sheet: goals, policies and projects are matched by
    number and name (NFKC, whitespace removed) or created, and each row becomes the round's entry
    with the sheet's letter and texts. Departments are created only in an empty installation or
    when ``allow_new_departments``. ``historical`` loads a past, published round (entries
    approved); otherwise the round is in preparation with draft entries. ``comment`` is what each
    entry's first event says."""
    plan = plan_new_round(doc, fiscal_year=fiscal_year,
                          may_create_departments=allow_new_departments or not Department.objects.exists(),
                          historical=historical, strategy=strategy)
    if plan.result.errors or dry_run:
        return plan.result
    with transaction.atomic(), paused_collector():
        apply_new_round(plan, by=by, comment=comment)
        public_changed()  # the hierarchy was written in bulk, without the signals that tell the public pages
    return plan.result


# The plan ----------------------------------------------------------------------------------------

def plan_new_round(doc: SheetDocument, *, fiscal_year: int, may_create_departments: bool,
                   historical: bool, strategy: Strategy | None = None) -> NewRoundPlan:
    """Match the sheet against the database and list what would be created; writes nothing."""
    result = ImportResult()
    plan = NewRoundPlan(doc=doc, fiscal_year=fiscal_year, historical=historical, result=result)
    plan.strategy_name, plan.strategy, problem = _strategy_for(doc, fiscal_year, strategy)
    if problem:
        result.errors.append(sheet_error(doc, None, None, problem))
        return plan
    # Another strategy may have a round of this year (parallel plans): only this one's counts.
    if plan.strategy is not None and Round.objects.filter(strategy=plan.strategy, fiscal_year=fiscal_year).exists():
        result.errors.append(sheet_error(doc, None, None, f"{format_fiscal_year_with_western(fiscal_year)}の評価回はすでにあります（{plan.strategy.name}）。既存の評価回を更新する取込みを使ってください。"))
        return plan

    heading_length = Round._meta.get_field("implementation_heading").max_length
    if len(doc.implementation_heading) > heading_length:
        # Created with the round, past the model's validators: a 500 on PostgreSQL, a round nobody can edit.
        result.errors.append(sheet_error(doc, None, "implementation", f"実施内容の見出しが{len(doc.implementation_heading):,}文字あります。{heading_length}文字以内にしてください。"))
        return plan
    if plan.strategy is None:
        result.created.append(f"総合戦略「{plan.strategy_name}」")
    _plan_departments(plan, may_create_departments)
    result.created.append(f"評価回「{round_title(fiscal_year)}」")

    for sheet_goal in doc.goals:
        goal = Goal.objects.filter(strategy=plan.strategy, number=sheet_goal.number).first() if plan.strategy else None
        if goal is None:
            result.created.append(f"基本目標「{sheet_goal.number} {sheet_goal.title}」")
        elif normalize_name(goal.title) != normalize_name(sheet_goal.title):
            result.warnings.append(sheet_error(doc, sheet_goal.row, "goal", f"基本目標 {goal.number} の名称が登録内容（{goal.title}）と異なります（取り込みません）。"))
        goal_plan = _GoalPlan(sheet_goal, goal)
        plan.goals.append(goal_plan)
        for sheet_policy in sheet_goal.policies:
            policy = _find_by_name(goal.policies.all() if goal else [], "title", sheet_policy.title)
            if policy is None:
                result.created.append(f"基本施策「{sheet_policy.title}」")
            policy_plan = _PolicyPlan(sheet_policy, policy)
            goal_plan.policies.append(policy_plan)
            # One lookup per policy, not a query per row: a big city's policy has hundreds of projects.
            projects = _projects_by_name(policy) if policy else {}
            for sheet_project in sheet_policy.projects:
                if historical and not sheet_project.status:
                    result.errors.append(sheet_error(doc, sheet_project.row, "name_code", f"事業「{sheet_project.name}」の実施状況（A〜D）が空欄です。過去の評価回として読み込むには全行に必要です。"))
                project = projects.get(normalize_name(sheet_project.name)) if projects else None
                if project is None:
                    result.created.append(f"事業「{sheet_project.name}」")
                else:
                    result.warnings.extend(project_facts_warnings(doc, sheet_project, project))
                policy_plan.rows.append(_ProjectRow(sheet_project, project.pk if project else None))
    return plan


def _strategy_for(doc: SheetDocument, fiscal_year: int,
                  chosen: Strategy | None) -> tuple[str, Strategy | None, str]:
    """(name, strategy or None to create it, a problem or ""): the strategy named in the sheet's
    title, which must be the ``chosen`` one when the caller chose. A sheet without a title (people
    often delete the title rows) belongs to the chosen strategy, else to the only one active in
    the year (reviews.rounds.year), else to the strategy of the latest round."""
    name = doc.title.removesuffix(TITLE_SUFFIX).strip()
    if name:
        named = _find_by_name(Strategy.objects.all(), "name", name)
        if chosen is not None and named != chosen:
            return name, named, (f"入力表の表題の総合戦略「{name}」は、指定した総合戦略「{chosen.name}」と違います。"
                                 "入力表か、指定する総合戦略を確かめてください。")
        return name, named, ""
    if chosen is not None:
        return chosen.name, chosen, ""
    active = strategies_active_in(fiscal_year)
    if len(active) == 1:
        return active[0].name, active[0], ""
    if len(active) > 1:
        return "", None, (f"入力表に表題（総合戦略の名称）がなく、{format_fiscal_year_with_western(fiscal_year)}は "
                          f"{len(active)} つの総合戦略の期間です: {describe_strategies(active)}。"
                          "表題を入れるか、どの総合戦略の入力表かを指定してください。")
    latest = Round.objects.select_related("strategy").order_by("-fiscal_year").first()
    if latest is not None:
        return latest.strategy.name, latest.strategy, ""
    only = Strategy.objects.first()
    return (only.name, only, "") if only else (DEFAULT_TITLE.removesuffix(TITLE_SUFFIX), None, "")


def _find_by_name(candidates, attribute: str, name: str):
    key = normalize_name(name)
    return next((c for c in candidates if normalize_name(getattr(c, attribute)) == key), None)


def _projects_by_name(policy: Policy) -> dict[str, ProjectFacts]:
    """The policy's projects by normalised name (the first of two that normalise alike, as
    _find_by_name does). Plain rows rather than model instances: a big city has thousands."""
    departments: dict[int, list[str]] = {}
    links = (ProjectDepartment.objects.filter(project__policy=policy).order_by("project_id", "position")
             .values_list("project_id", "department__name"))
    for project_id, name in links:
        departments.setdefault(project_id, []).append(name)
    projects: dict[str, ProjectFacts] = {}
    for pk, name, description, category in policy.projects.values_list("pk", "name", "description", "category"):
        projects.setdefault(normalize_name(name), ProjectFacts(pk, name, description, category, departments.get(pk, [])))
    return projects


def _plan_departments(plan: NewRoundPlan, may_create: bool) -> None:
    """Resolve every department the sheet names; a sub-unit's parent comes first, and is planned
    too when the sheet names only the sub-unit."""
    doc, result = plan.doc, plan.result
    plan.departments = known = {normalize_name(d.name): d for d in Department.objects.all()}
    planned: set[str] = set()

    def plan_new(name: str) -> None:
        parent = parent_name_of(name)
        if parent and normalize_name(parent) not in known and normalize_name(parent) not in planned:
            plan_new(parent)
        planned.add(normalize_name(name))
        plan.new_departments.append((name, parent))
        result.created.append(f"部署「{name}」")

    keys: dict[str, str] = {}  # a big sheet names a few hundred departments thousands of times
    for project in doc.projects():
        if not project.departments:
            result.errors.append(sheet_error(doc, project.row, "departments", f"事業「{project.name}」の担当課が空欄です。担当課を入力してください。"))
        for name in project.departments:
            key = keys.get(name) or keys.setdefault(name, normalize_name(name))
            if key in known or key in planned:
                continue
            if not may_create:
                result.errors.append(sheet_error(doc, project.row, "departments", f"担当課「{name}」は登録されていません。綴りを確認するか、管理者に部署の登録を依頼してください。"))
                planned.add(key)  # one error per unknown name is enough
                continue
            # Created in bulk, past the model's validators: the same rules as every other new name.
            problem = department_name_problem(name) or (
                f"部署名は{DEPARTMENT_NAME_LENGTH}文字以内にしてください（{len(name):,}文字あります）。"
                if len(name) > DEPARTMENT_NAME_LENGTH else "")
            if problem:
                result.errors.append(sheet_error(doc, project.row, "departments", f"担当課「{name[:30]}」: {problem}"))
                planned.add(key)
                continue
            plan_new(name)


DEPARTMENT_NAME_LENGTH = Department._meta.get_field("name").max_length


# Applying it -------------------------------------------------------------------------------------

def apply_new_round(plan: NewRoundPlan, *, by, comment: str = IMPORT_COMMENT) -> Round:
    """Create what the plan lists, inside the caller's transaction; returns the new round.

    A few statements a table, whatever the sheet's size: a first load creates thousands of
    projects, and an INSERT a row (with its post_save handlers) took most of its time.
    Departments, goals and policies go in with bulk_create; projects, their departments, and the
    entries' search rows and events as plain rows (reviews.sheets.loading.bulk); the entries with
    bulk_create_with_history, so that each has its history. No post_save is sent: the search
    index's handlers (reviews.search.index) refresh the search rows of entries that already exist,
    and what is created here has none but the new round's entries, whose rows are written here
    from the sheet. The one strategy a sheet may create is saved as usual."""
    doc, result = plan.doc, plan.result
    strategy = plan.strategy or Strategy.objects.create(name=plan.strategy_name)
    departments = dict(plan.departments)
    _create_departments(plan.new_departments, departments)

    state = Entry.State.APPROVED if plan.historical else Entry.State.DRAFT
    round_ = Round.objects.create(
        strategy=strategy, fiscal_year=plan.fiscal_year, title=round_title(plan.fiscal_year),
        implementation_heading=doc.implementation_heading, legend="\n\n".join(doc.legend_paragraphs),
        state=Round.State.PUBLISHED if plan.historical else Round.State.PREPARING,
    )

    # The hierarchy, level by level in sheet order: new goals, then new policies (numbered after
    # their goal's last), then new projects (after their policy's last) with their departments.
    new_goals = {id(goal_plan): Goal(strategy=strategy, number=goal_plan.sheet.number, title=goal_plan.sheet.title,
                                     project_label=goal_plan.sheet.project_label)
                 for goal_plan in plan.goals if goal_plan.goal is None}
    Goal.objects.bulk_create(new_goals.values())
    goals = {id(goal_plan): goal_plan.goal or new_goals[id(goal_plan)] for goal_plan in plan.goals}

    next_policy_order = _next_order(Policy, "goal_id", [g.goal.pk for g in plan.goals if g.goal is not None])
    new_policies: dict[int, Policy] = {}
    for goal_plan in plan.goals:
        goal = goals[id(goal_plan)]
        for policy_plan in goal_plan.policies:
            if policy_plan.policy is None:
                order = next_policy_order.get(goal.pk, 1)
                next_policy_order[goal.pk] = order + 1
                new_policies[id(policy_plan)] = Policy(goal=goal, title=policy_plan.sheet.title, order=order)
    Policy.objects.bulk_create(new_policies.values())

    known_policies = [p.policy.pk for g in plan.goals for p in g.policies if p.policy is not None]
    next_project_order = _next_order(Project, "policy_id", known_policies)
    new_projects: list[tuple[_ProjectRow, int, int]] = []  # (row, policy id, order)
    for goal_plan in plan.goals:
        for policy_plan in goal_plan.policies:
            policy = policy_plan.policy or new_policies[id(policy_plan)]
            for row in policy_plan.rows:
                if row.project_id is None:
                    order = next_project_order.get(policy.pk, 1)
                    next_project_order[policy.pk] = order + 1
                    new_projects.append((row, policy.pk, order))
    # Thousands of projects: plain rows, then their ids by (policy, order), which is unique.
    insert_rows(Project, ("policy_id", "name", "description", "category", "order"),
                ((policy_id, row.sheet.name, row.sheet.description,
                  CATEGORY_BY_LABEL.get(row.sheet.category, Project.Category.CONTINUING.value), order)
                 for row, policy_id, order in new_projects))
    project_ids = _project_ids({policy_id for _row, policy_id, _order in new_projects})
    created_project_ids = {id(row): project_ids[policy_id, order] for row, policy_id, order in new_projects}
    named = {name for row, _policy_id, _order in new_projects for name in row.sheet.departments}
    department_ids = {name: departments[normalize_name(name)].pk for name in named}
    insert_rows(ProjectDepartment, ("project_id", "department_id", "position"),
                ((created_project_ids[id(row)], department_ids[name], position)
                 for row, _policy_id, _order in new_projects
                 for position, name in enumerate(row.sheet.departments, start=1)))

    by_id = by.pk if by is not None else None
    entries: list[Entry] = []
    searched: list[tuple[str, str, int]] = []  # each entry's search row, in the same order
    for goal_plan in plan.goals:
        sheet_goal = goal_plan.sheet
        for policy_position, policy_plan in enumerate(goal_plan.policies, start=1):
            for project_position, row in enumerate(policy_plan.rows, start=1):
                project_id = row.project_id if row.project_id is not None else created_project_ids[id(row)]
                sheet = row.sheet
                # A past round is published as its sheet printed it, even where today's hierarchy differs.
                printed = Facts(
                    project_name=sheet.name, description=sheet.description,
                    category=CATEGORY_BY_LABEL.get(sheet.category, Project.Category.CONTINUING),
                    departments=tuple(sheet.departments), goal_number=sheet_goal.number,
                    goal_title=sheet_goal.title, goal_project_label=sheet_goal.project_label,
                    policy_title=policy_plan.sheet.title, policy_order=policy_position, project_order=project_position,
                ) if plan.historical else None
                entry = Entry(
                    round_id=round_.pk, project_id=project_id, status=sheet.status,
                    implementation=sheet.implementation, evaluation=sheet.evaluation,
                    future_policy=sheet.future_policy, memo=sheet.memo, state=state,
                    text_author_id=by_id, updated_by_id=by_id, published_facts=record.printed_facts(printed),
                )
                # bulk_create skips Entry.save: the search rows are written below, from the sheet.
                searched.append((entry_search_text(sheet.name, sheet.description, sheet.implementation,
                                                   sheet.evaluation, sheet.future_policy),
                                 departments_key(sheet.departments), sheet_goal.number))
                entries.append(entry)
    if entries:
        # Three inserts per row (entry, its history, its event) were most of a big import's time.
        # bulk_create_with_history still records each entry's creation in its history, as the
        # uploader's (also from a command, where there is no request to take the user from).
        entries = bulk_create_with_history(entries, Entry, default_user=by, batch_size=BATCH_SIZE)
        # The search rows and the events need no model instance each (reviews.sheets.loading.bulk).
        insert_rows(EntrySearch, ("entry_id", "text", "departments", "goal"),
                    ((entry.pk, *search) for entry, search in zip(entries, searched, strict=True)))
        insert_rows(Event, ("entry_id", "action", "from_state", "to_state", "actor_id", "comment"),
                    ((entry.pk, Event.Action.IMPORT.value, "", state.value, by_id, comment) for entry in entries))
    if plan.historical:
        record.capture_strategy_name(round_, plan.strategy_name)
    result.round = round_
    result.applied = True
    return round_


# Rows per INSERT where the database sets no lower limit (SQLite's own, 999 parameters, applies).
BATCH_SIZE = 500


def _create_departments(new: list[tuple[str, str | None]], departments: dict[str, Department]) -> None:
    """Create the planned departments in bulk, each parent before its sub-units, adding them to
    ``departments`` by name key: one INSERT per level (a sub-unit's parent is a top-level name)."""
    waiting = [(normalize_name(name), name, parent) for name, parent in new]
    while waiting:
        pending = {key for key, _name, _parent in waiting}
        wave = [item for item in waiting if not item[2] or normalize_name(item[2]) not in pending] or waiting
        created = Department.objects.bulk_create(
            Department(name=name, parent=departments.get(normalize_name(parent)) if parent else None)
            for _key, name, parent in wave)
        for (key, _name, _parent), department in zip(wave, created, strict=True):
            departments[key] = department
        waiting = [item for item in waiting if item[0] not in departments]


def _project_ids(policy_ids: set[int]) -> dict[tuple[int, int], int]:
    """The ids of these policies' projects by (policy, order)."""
    if not policy_ids:
        return {}
    rows = Project.objects.filter(policy_id__in=policy_ids).values_list("policy_id", "order", "pk")
    return {(policy_id, order): pk for policy_id, order, pk in rows}


def _next_order(model, parent_field: str, parent_ids: list[int]) -> dict[int, int]:
    """The order the next new row of each existing parent takes: one after its last (one query)."""
    if not parent_ids:
        return {}
    rows = (model.objects.filter(**{f"{parent_field}__in": set(parent_ids)}).order_by()
            .values(parent_field).annotate(last=Max("order")).values_list(parent_field, "last"))
    return {parent_id: last + 1 for parent_id, last in rows}
