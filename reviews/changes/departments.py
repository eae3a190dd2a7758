"""Departments over time: rename, merge, split, and a project's departments changed, each from a
fiscal year (docs/domain.md, "The strategy's memory"). The shape of every action is in common.py.

A merge or split ends the departments it replaces (their last year is the one before) and records
which departments took over from them: members of those see the entries the ended ones wrote
(reviews.access), and rounds of earlier years keep the old names and departments.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from projects.history import department_name_in, departments_in
from projects.models import (
    Change,
    Department,
    DepartmentSuccession,
    Kpi,
    Membership,
    Project,
    person_name,
)
from reviews.changes.common import (
    ChangeError,
    Outcome,
    check_administrator,
    check_department_name,
    check_departments_free,
    check_reason,
    check_year,
    record,
    replaced,
    rounds_effect,
    set_department_name,
    set_project_departments,
    years_label,
)
from reviews.models import Answer, Entry, KpiActual, Round


def _check_current(*departments: Department) -> None:
    for department in departments:
        if not department.is_current:
            raise ChangeError(f"「{department.name}」は {years_label(department.last_year)}までの部署です"
                              f"（統合・分割でなくなっています）。")


def _check_free(department: Department, year: int) -> None:
    """Changes of a department are made in order: none from a year before one already recorded,
    and none from before the department existed."""
    if department.first_year and year < department.first_year:
        raise ChangeError(f"「{department.name}」は {years_label(department.first_year)}にできた部署です。"
                          "それより前の年度からは変えられません。")
    later = department.former_names.filter(last_year__gte=year).order_by("-last_year").first()
    if later is not None:
        raise ChangeError(f"「{department.name}」には {years_label(later.last_year + 1)}から適用した名称の変更があります。"
                          "それより前の年度から変えることはできません。")


def _projects_of(departments, year: int) -> list[Project]:
    """The departments' projects that are still evaluated in ``year`` or later (an ended project
    keeps its departments: they are its history)."""
    return list(Project.objects.filter(Project.evaluated_in(year), project_departments__department__in=list(departments))
                .distinct().prefetch_related("project_departments__department").order_by("pk"))


def projects_to_assign(source: Department, year: int) -> list[Project]:
    """The projects a split of ``source`` from ``year`` asks a part for."""
    return _projects_of([source], year)


def _entries_of(projects) -> "Entry":
    return Entry.objects.filter(project__in=projects)


# Rename -------------------------------------------------------------------------------------------

def rename_department(department: Department, *, name: str, year: int, by, reason: str,
                      dry_run: bool = False) -> Outcome:
    check_administrator(by)
    year, reason = check_year(year), check_reason(reason)
    _check_current(department)
    name = check_department_name(name, other_than=department)
    if name == department.name:
        raise ChangeError("新しい名称が今の名称と同じです。")
    if department.first_year is not None and year < department.first_year:
        # Before it existed there is no name to change: the old name would be recorded for no year.
        raise ChangeError(f"「{department.name}」は {years_label(department.first_year)}にできた部署です。"
                          f"名称の変更は {years_label(department.first_year)}以降から適用してください。")
    _check_free(department, year)
    projects = _projects_of([department], year)
    before = department_name_in(department, year - 1)  # a second rename from the same year keeps the first's old name
    lines = [f"「{department.name}」の名称を {years_label(year)}から「{name}」に変えます。",
             f"{year - 1}年度までの評価回では「{before}」と表示します（事業 {len(projects)} 件）。",
             *rounds_effect(year, _entries_of(projects))]
    if dry_run:
        return Outcome(lines)
    with transaction.atomic():
        change = record(Change.Kind.DEPARTMENT_RENAME, year=year, by=by, reason=reason, lines=lines,
                        departments=[department], projects=projects)
        set_department_name(Department.objects.select_for_update().get(pk=department.pk), name, year, change)
    return Outcome(lines, change)


# Merge --------------------------------------------------------------------------------------------

def merge_departments(departments: list[Department], *, into: Department | None = None, new_name: str = "",
                      year: int, by, reason: str, dry_run: bool = False) -> Outcome:
    """Merge ``departments`` into ``into`` (an existing department, which may be one of them) or
    into a new department named ``new_name``. Projects, members, sub-units, reported KPIs and the
    answers of rounds from ``year`` pass to it; the merged departments end."""
    check_administrator(by)
    year, reason = check_year(year), check_reason(reason)
    sources = [d for d in dict.fromkeys(departments) if into is None or d.pk != into.pk]
    if not sources or (into is None and len(sources) < 2):
        raise ChangeError("統合する部署を2つ以上選んでください（統合先が既存の部署なら、そのほかに1つ以上）。")
    _check_current(*sources, *([into] if into else []))
    for department in [*sources, *([into] if into else [])]:
        _check_free(department, year)
    if into is None:
        new_name = check_department_name(new_name)
        parents = {d.parent_id for d in sources}
        target_label = f"新しい部署「{new_name}」"
    else:
        target_label = f"「{into.name}」"
    projects = _projects_of(sources, year)
    for project in projects:
        check_departments_free(project, year)
    members = list(Membership.objects.filter(department__in=sources).select_related("user", "department"))
    children = list(Department.objects.filter(parent__in=sources, last_year__isnull=True)
                    .exclude(pk=into.pk if into else None))
    lines = [f"{'、'.join(f'「{d.name}」' for d in sources)}を {years_label(year)}から{target_label}に統合します。",
             f"事業 {len(projects)} 件の担当課が{target_label}になります" + (
                 f"（{'、'.join(p.name for p in projects[:10])}{' ほか' if len(projects) > 10 else ''}）。" if projects else "。"),
             f"職員 {len({m.user_id for m in members})} 人が{target_label}の所属になります。"]
    if children:
        lines.append(f"係・センター {'、'.join(c.name for c in children)} は{target_label}の下に入ります。")
    lines.append(f"統合した部署の KPI、公表前の評価回の KPI の実績と対応方針も{target_label}が引き継ぎます。")
    lines.append(f"統合した部署は {year - 1}年度までの部署として残り、その年度までの評価回はその名称で表示します。"
                 f"{target_label}の職員は、統合した部署の過去の評価も見られます。")
    lines.extend(rounds_effect(year, _entries_of(projects)))
    if dry_run:
        return Outcome(lines)
    with transaction.atomic():
        if into is None:
            into = Department.objects.create(name=new_name, parent=sources[0].parent if len(parents) == 1 else None,
                                             first_year=year)
        elif into.parent_id in {d.pk for d in sources}:
            # A sub-unit that absorbs its parent takes the parent's place.
            into.parent = next(d for d in sources if d.pk == into.parent_id).parent
            into.save(update_fields=["parent"])
        change = record(Change.Kind.DEPARTMENT_MERGE, year=year, by=by, reason=reason, lines=lines,
                        departments=[*sources, into], projects=projects)
        mapping = {d.pk: into for d in sources}
        for project in projects:
            set_project_departments(project, replaced(project.ordered_departments(), mapping), year, change)
        _move_members(members, lambda m: into)
        Department.objects.filter(pk__in=[c.pk for c in children]).update(parent=into)
        _hand_over(sources, project_target=lambda project_id: into, default=into)
        for source in sources:
            DepartmentSuccession.objects.create(predecessor=source, successor=into, effective_year=year, change=change)
        Department.objects.filter(pk__in=[d.pk for d in sources]).update(last_year=year - 1)
    return Outcome(lines, change)


def _move_members(memberships: list[Membership], target_of) -> None:
    for membership in memberships:
        target = target_of(membership)
        Membership.objects.get_or_create(user_id=membership.user_id, department=target)
        membership.delete()
    for user in get_user_model().objects.filter(pk__in=[m.user_id for m in memberships]):
        user.__dict__.pop("_department_ids", None)


def _hand_over(sources: list[Department], *, project_target, default: Department) -> None:
    """The ended departments' KPIs, and their answers and KPI reports in every round not yet
    published (an earlier year's round still being finished included: nobody is left in them to
    act), pass on: a project's KPI and an answer to an opinion on a project to the department that
    took the project (``project_target(project_id)``, None when none did), the rest to ``default``."""
    def target_for(project_id: int | None) -> Department:
        return (project_target(project_id) if project_id else None) or default

    unpublished = Round.objects.exclude(state=Round.State.PUBLISHED)
    for source in sources:
        for kpi in Kpi.objects.filter(department=source):
            Kpi.objects.filter(pk=kpi.pk).update(department=target_for(kpi.project_id))
        for actual in KpiActual.objects.filter(department=source, round__in=unpublished).select_related("kpi"):
            KpiActual.objects.filter(pk=actual.pk).update(department=target_for(actual.kpi.project_id))
        for answer in Answer.objects.filter(department=source, round__in=unpublished).select_related("opinion"):
            target = target_for(answer.opinion.project_id)
            if not Answer.objects.filter(opinion_id=answer.opinion_id, department=target).exists():
                answer.department = target
                answer.department_name = target.name
                answer.save(update_fields=["department", "department_name"])


# Split --------------------------------------------------------------------------------------------

@dataclass
class SplitPart:
    """One department a split creates or hands work to: an existing one or a new name."""

    name: str
    department: Department | None = None

    @property
    def label(self) -> str:
        return f"「{self.name}」" + ("" if self.department else "（新設）")


def split_parts(source: Department, names: list[str]) -> list[SplitPart]:
    """The parts named for a split: an existing department where the name is one, else a new one."""
    from projects.text import normalize_name

    parts: list[SplitPart] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        existing = next((d for d in Department.objects.all() if normalize_name(d.name) == normalize_name(name)), None)
        if existing is not None and existing.pk == source.pk:
            raise ChangeError(f"分割後の部署に、分割する部署「{source.name}」自身は選べません。")
        if any(normalize_name(p.name) == normalize_name(name) for p in parts):
            raise ChangeError(f"分割後の部署「{name}」が2回書かれています。")
        if existing is not None:
            _check_current(existing)
        elif len(name) > 100:
            raise ChangeError("部署名は100文字以内で入力してください。")
        parts.append(SplitPart(existing.name if existing else name, existing))
    if len(parts) < 2:
        raise ChangeError("分割後の部署を2つ以上、1行に1つずつ入力してください。")
    return parts


def split_department(source: Department, parts: list[SplitPart], *, projects: dict[int, int],
                     members: dict[int, int], children: dict[int, int], year: int, by, reason: str,
                     dry_run: bool = False) -> Outcome:
    """Split ``source`` into ``parts``: ``projects``, ``members`` and ``children`` map each of the
    source's projects, members (user ids) and sub-units to the index of the part that takes it."""
    check_administrator(by)
    year, reason = check_year(year), check_reason(reason)
    _check_current(source)
    _check_free(source, year)
    own_projects = _projects_of([source], year)
    for project in own_projects:
        check_departments_free(project, year)
    own_members = list(Membership.objects.filter(department=source).select_related("user"))
    own_children = list(Department.objects.filter(parent=source, last_year__isnull=True))
    for what, items, chosen, key in (("事業", own_projects, projects, lambda p: p.pk),
                                     ("職員", own_members, members, lambda m: m.user_id),
                                     ("係・センター", own_children, children, lambda c: c.pk)):
        for item in items:
            index = chosen.get(key(item))
            if index is None or not 0 <= index < len(parts):
                name = person_name(item.user) if what == "職員" else item.name
                raise ChangeError(f"{what}「{name}」を引き継ぐ部署を選んでください。")
    lines = [f"「{source.name}」を {years_label(year)}から {'、'.join(p.label for p in parts)} に分割します。"]
    for index, part in enumerate(parts):
        taken = [p.name for p in own_projects if projects[p.pk] == index]
        people = [person_name(m.user) for m in own_members if members[m.user_id] == index]
        units = [c.name for c in own_children if children[c.pk] == index]
        lines.append(f"{part.label}: 事業 {len(taken)} 件" + (f"（{'、'.join(taken)}）" if taken else "")
                     + f"、職員 {len(people)} 人" + (f"（{'、'.join(people)}）" if people else "")
                     + (f"、係・センター {'、'.join(units)}" if units else "") + "。")
    lines.append(f"事業の KPI と事業への委員会意見の対応方針はその事業を引き継ぐ部署が、基本目標・基本施策の KPI と"
                 f"そのほかの対応方針は {parts[0].label} が引き継ぎます（公表前の評価回の分）。")
    lines.append(f"「{source.name}」は {year - 1}年度までの部署として残り、その年度までの評価回はその名称で表示します。"
                 "分割後のどの部署の職員も分割前の評価を見られますが、書いて提出できるのは、その事業を引き継いだ部署です。")
    lines.extend(rounds_effect(year, _entries_of(own_projects)))
    for part in parts:
        if part.department is None:
            check_department_name(part.name)
    if dry_run:
        return Outcome(lines)
    with transaction.atomic():
        targets = [part.department or Department.objects.create(name=part.name, parent=source.parent,
                                                                 first_year=year) for part in parts]
        change = record(Change.Kind.DEPARTMENT_SPLIT, year=year, by=by, reason=reason, lines=lines,
                        departments=[source, *targets], projects=own_projects)
        for project in own_projects:
            new = replaced(project.ordered_departments(), {source.pk: targets[projects[project.pk]]})
            set_project_departments(project, new, year, change)
        _move_members(own_members, lambda m: targets[members[m.user_id]])
        for child in own_children:
            target = targets[children[child.pk]]
            # A sub-unit that becomes one of the parts takes the split department's place.
            Department.objects.filter(pk=child.pk).update(parent=source.parent if target.pk == child.pk else target)
        _hand_over([source], default=targets[0],
                   project_target=lambda project_id: targets[projects[project_id]] if project_id in projects else None)
        for target in targets:
            DepartmentSuccession.objects.create(predecessor=source, successor=target, effective_year=year,
                                                change=change)
        Department.objects.filter(pk=source.pk).update(last_year=year - 1)
    return Outcome(lines, change)


# A project's departments --------------------------------------------------------------------------

def change_project_departments(project: Project, departments: list[Department], *, year: int, by, reason: str,
                               dry_run: bool = False) -> Outcome:
    """Move a project to other departments (the lead first) from ``year``."""
    check_administrator(by)
    year, reason = check_year(year), check_reason(reason)
    departments = list(dict.fromkeys(d for d in departments if d is not None))
    if not departments:
        raise ChangeError("担当課を1つ以上選んでください（最初が主管課です）。")
    _check_current(*departments)
    check_departments_free(project, year)
    before = project.ordered_departments()
    if [d.pk for d in before] == [d.pk for d in departments]:
        raise ChangeError("担当課が今と同じです。")
    # What the years before show: today's departments, or those of a change from this same year's eve.
    earlier = departments_in(project, year - 1)
    old, new = "、".join(d.name for d in earlier), "、".join(d.name for d in departments)
    lines = [f"事業「{project.name}」の担当課を {years_label(year)}から「{new}」に変えます。",
             f"{year - 1}年度までの評価回は「{old}」の事業として表示し、その課の職員も引き続き見られます。",
             *rounds_effect(year, _entries_of([project]))]
    if dry_run:
        return Outcome(lines)
    with transaction.atomic():
        change = record(Change.Kind.PROJECT_DEPARTMENTS, year=year, by=by, reason=reason, lines=lines,
                        departments=[*before, *departments], projects=[project])
        set_project_departments(project, departments, year, change)
    return Outcome(lines, change)
