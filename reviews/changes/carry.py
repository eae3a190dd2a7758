"""Carrying a strategy's projects into the next strategy period: the new strategy, its goals and
policies, and each old project either carried to a new policy (a new record, 継続, linked to the
old one so that its story goes on) or ended. The first period's rounds are not touched: their
projects keep their goals, policies and entries.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction

from projects.models import (
    Change,
    Goal,
    Policy,
    Project,
    ProjectDepartment,
    ProjectSuccession,
    Strategy,
)
from projects.text import normalize_name
from projects.validators import validate_safe_text
from reviews.changes.common import ChangeError, Outcome, check_administrator, check_reason, check_year, record
from reviews.models import Round

END = ""  # the mapping's value for a project that ends with the old period

_GOAL_LINE = re.compile(r"^\s*([0-9０-９]+)[\s　.．、]+(.+?)\s*(?:[<＜〈]\s*(.+?)\s*[>＞〉])?\s*$")


@dataclass
class PlannedPolicy:
    title: str
    key: str = ""  # "goal number/order", how the mapping names it

    def __post_init__(self):
        self.title = self.title.strip()


@dataclass
class PlannedGoal:
    number: int
    title: str
    project_label: str
    policies: list[PlannedPolicy] = field(default_factory=list)


def hierarchy_text(strategy: Strategy) -> str:
    """A strategy's goals and policies as the carry form's text: a goal per line beginning with its
    number, each of its policies on the lines below it, indented."""
    lines = []
    for goal in strategy.goals.order_by("number").prefetch_related("policies"):
        lines.append(f"{goal.number} {goal.title}" + (f" <{goal.project_label}>" if goal.project_label else ""))
        lines.extend(f"　{policy.title}" for policy in goal.policies.order_by("order"))
    return "\n".join(lines)


def parse_hierarchy(text: str) -> list[PlannedGoal]:
    """Goals and policies from the form's text; a ChangeError names the line that cannot be read."""
    goals: list[PlannedGoal] = []
    for number, raw in enumerate((text or "").replace("\r\n", "\n").split("\n"), start=1):
        if not raw.strip():
            continue
        indented = raw[:1] in (" ", "　", "\t") or raw.strip()[:1] in ("・", "-", "－")
        match = None if indented else _GOAL_LINE.match(raw)
        if match:
            digits = match.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
            # Checked before int(): it refuses more than 4,300 digits, and no goal needs three.
            goal_number = int(digits) if len(digits) <= 2 else 0
            if not 1 <= goal_number <= 99:
                raise ChangeError(f"{number}行目: 基本目標の番号は 1 から 99 にしてください。")
            if any(g.number == goal_number for g in goals):
                raise ChangeError(f"{number}行目: 基本目標 {goal_number} が2回あります。")
            goals.append(PlannedGoal(goal_number, match.group(2).strip(), (match.group(3) or "").strip()))
            continue
        if not goals:
            raise ChangeError(f"{number}行目: 最初の行は基本目標（番号で始まる行）にしてください。")
        title = raw.strip().lstrip("・-－").strip()
        goal = goals[-1]
        if any(normalize_name(p.title) == normalize_name(title) for p in goal.policies):
            raise ChangeError(f"{number}行目: 基本目標 {goal.number} に基本施策「{title}」が2回あります。")
        if len(title) > 300:
            raise ChangeError(f"{number}行目: 基本施策は300文字以内にしてください。")
        goal.policies.append(PlannedPolicy(title, f"{goal.number}/{len(goal.policies) + 1}"))
    if not goals or not any(g.policies for g in goals):
        raise ChangeError("基本目標（番号で始まる行）と、その下に基本施策（字下げした行）を入力してください。")
    for goal in goals:
        if len(goal.title) > 200 or len(goal.project_label) > 100:
            raise ChangeError(f"基本目標 {goal.number}: 名称は200文字以内、プロジェクト名は100文字以内にしてください。")
        for text_ in (goal.title, goal.project_label):
            try:
                validate_safe_text(text_)
            except Exception as error:  # the validator's own Japanese message
                raise ChangeError(f"基本目標 {goal.number}: {' '.join(getattr(error, 'messages', [str(error)]))}") from error
        if not goal.policies:
            raise ChangeError(f"基本目標 {goal.number} に基本施策がありません。字下げした行で入力してください。")
    return goals


def policy_choices(goals: list[PlannedGoal]) -> list[tuple[str, str]]:
    return [(policy.key, f"{goal.number} ／ {policy.title}") for goal in goals for policy in goal.policies]


def default_mapping(old: Strategy, goals: list[PlannedGoal]) -> dict[int, str]:
    """Each active project of the old strategy to the new policy of the same title (under the goal
    of the same number if there are several), else to be ended."""
    result = {}
    for project in old_projects(old):
        key = normalize_name(project.policy.title)
        same = [(g, p) for g in goals for p in g.policies if normalize_name(p.title) == key]
        same.sort(key=lambda pair: pair[0].number != project.policy.goal.number)
        result[project.pk] = same[0][1].key if same else END
    return result


def old_projects(old: Strategy):
    return (Project.objects.filter(policy__goal__strategy=old, active=True)
            .select_related("policy__goal").prefetch_related("project_departments__department")
            .order_by("policy__goal__number", "policy__order", "order"))


@dataclass
class NewStrategy:
    name: str
    code: str
    first_year: int
    last_year: int | None


def carry_strategy(old: Strategy, new: NewStrategy, goals: list[PlannedGoal], mapping: dict[int, str], *,
                   by, reason: str, dry_run: bool = False) -> Outcome:
    """Create ``new`` with ``goals``; carry each of ``old``'s active projects to the policy its
    mapping names (a new project, 継続, linked to the old) or end it (END)."""
    check_administrator(by)
    year, reason = check_year(new.first_year), check_reason(reason)
    name = (new.name or "").strip()
    if not name:
        raise ChangeError("新しい総合戦略の名称を入力してください。")
    if Strategy.objects.filter(name=name).exists():
        raise ChangeError(f"「{name}」という総合戦略がすでにあります。")
    if new.code and Strategy.objects.filter(code=new.code).exists():
        raise ChangeError(f"URL用の名前「{new.code}」はほかの総合戦略が使っています。")
    if new.last_year is not None and new.last_year < year:
        raise ChangeError("終了年度は開始年度と同じか後にしてください。")
    if old.first_year and year <= old.first_year:
        raise ChangeError(f"新しい総合戦略の開始年度は、「{old.name}」の開始年度（{old.first_year}年度）より後にしてください。")
    later = Round.objects.filter(strategy=old, fiscal_year__gte=year).order_by("fiscal_year").first()
    if later is not None:
        raise ChangeError(f"「{old.name}」には {later.fiscal_year_label}の評価回（{later.get_state_display()}）があります。"
                          f"新しい総合戦略の開始年度は {later.fiscal_year + 1}年度以降にしてください。")
    policies = {p.key: (g, p) for g in goals for p in g.policies}
    projects = list(old_projects(old))
    for project in projects:
        key = mapping.get(project.pk)
        if key is None or (key != END and key not in policies):
            raise ChangeError(f"事業「{project.name}」の引継ぎ先（新しい基本施策、または終了）を選んでください。")
    carried = [p for p in projects if mapping[p.pk] != END]
    ended = [p for p in projects if mapping[p.pk] == END]
    for key in policies:
        names = [normalize_name(p.name) for p in carried if mapping[p.pk] == key]
        if len(names) != len(set(names)):
            raise ChangeError(f"基本施策「{policies[key][1].title}」に同じ名前の事業が2つ引き継がれます。どちらかの名称を先に変えてください。")
    lines = [f"総合戦略「{name}」（{year}年度から{f'{new.last_year}年度まで' if new.last_year else ''}）を作り、"
             f"基本目標 {len(goals)} 件・基本施策 {sum(len(g.policies) for g in goals)} 件を登録します。",
             f"「{old.name}」の事業 {len(carried)} 件を新しい総合戦略に継続として引き継ぎます。"]
    for key, (goal, policy) in policies.items():
        taken = [p.name for p in carried if mapping[p.pk] == key]
        if taken:
            lines.append(f"{goal.number} ／ {policy.title}: {'、'.join(taken)}")
    if ended:
        lines.append(f"事業 {len(ended)} 件は「{old.name}」の期間で終了します: {'、'.join(p.name for p in ended)}")
    lines.append(f"「{old.name}」の事業は {year - 1}年度の評価回まで評価します（まだ作っていない評価回にも含めます）。")
    if old.last_year is None or old.last_year >= year:
        lines.append(f"「{old.name}」の終了年度を {year - 1}年度にします。")
    lines.append(f"「{old.name}」の評価回（{Round.objects.filter(strategy=old).count()} 回）とその事業・評価は変わりません。"
                 "引き継いだ事業の評価の経過は、前の期間から続けて表示します。")
    if dry_run:
        return Outcome(lines)
    with transaction.atomic():
        strategy = Strategy.objects.create(name=name, code=new.code, first_year=year, last_year=new.last_year)
        created: dict[str, Policy] = {}
        for goal in goals:
            goal_row = Goal.objects.create(strategy=strategy, number=goal.number, title=goal.title,
                                           project_label=goal.project_label)
            for order, policy in enumerate(goal.policies, start=1):
                created[policy.key] = Policy.objects.create(goal=goal_row, title=policy.title, order=order)
        change = record(Change.Kind.STRATEGY_CARRY, year=year, by=by, reason=reason, lines=lines, projects=projects)
        next_order: dict[str, int] = {}
        for project in carried:
            key = mapping[project.pk]
            next_order[key] = next_order.get(key, 0) + 1
            successor = Project.objects.create(
                policy=created[key], name=project.name, description=project.description,
                category=Project.Category.CONTINUING, order=next_order[key])
            for link in project.project_departments.order_by("position"):
                ProjectDepartment.objects.create(project=successor, department_id=link.department_id,
                                                 position=link.position)
            ProjectSuccession.objects.create(predecessor=project, successor=successor,
                                             kind=ProjectSuccession.Kind.CARRIED, effective_year=year, change=change)
            change.projects.add(successor)
        # They are still evaluated in the old strategy's rounds up to the year before.
        Project.objects.filter(pk__in=[p.pk for p in projects]).update(active=False, last_year=year - 1)
        if old.last_year is None or old.last_year >= year:
            Strategy.objects.filter(pk=old.pk).update(last_year=year - 1)
    return Outcome(lines, change)
