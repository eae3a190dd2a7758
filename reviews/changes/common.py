"""What every change of the organisation or of a project shares: the year it takes effect, the
record of who made it, when and why, and the closing of what it replaces.

Each action (departments.py, projects.py, carry.py) is one function with the same shape:
``action(..., year, by, reason, dry_run=False) -> Outcome``. It checks its input and raises
ChangeError with a Japanese message; with ``dry_run`` it only says what it would change (the
preview); otherwise it makes the change and its record in one transaction. Nothing it does
rewrites the past: rounds of years before ``year`` keep showing what they showed.
"""

from dataclasses import dataclass, field

from django.db.models import Max

from projects.access import is_administrator
from projects.fiscal_year import format_fiscal_year
from projects.models import (
    Change,
    Department,
    DepartmentFormerName,
    Project,
    ProjectDepartment,
    ProjectDepartmentPeriod,
    ProjectFormerName,
)
from projects.text import normalize_name, unsafe_character_message
from projects.validators import department_name_problem
from reviews.models import Entry, Round
from reviews.search.index import refresh as refresh_search

FIRST_YEAR, LAST_YEAR = 1989, 2200  # 平成元年度 onwards: this system has nothing older


class ChangeError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Outcome:
    """What a change does, in sentences for the preview and the record."""

    lines: list[str] = field(default_factory=list)
    change: Change | None = None  # the record, once made


def check_administrator(by) -> None:
    if not is_administrator(by):
        raise ChangeError("組織・事業の変更は管理者だけが行えます。")


def check_year(year: int | None) -> int:
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ChangeError(f"適用する年度は {FIRST_YEAR} から {LAST_YEAR} までの年度で入力してください。")
    return year


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ChangeError("理由を入力してください（変更の記録に残ります）。")
    return reason


def years_label(year: int) -> str:
    """「令和元年度（2019年度）」"""
    return f"{format_fiscal_year(year)}（{year}年度）"


def record(kind: str, *, year: int, by, reason: str, lines: list[str], departments=(), projects=()) -> Change:
    change = Change.objects.create(kind=kind, effective_year=year, reason=reason, summary="\n".join(lines),
                                   made_by=by)
    change.departments.set(list(departments))
    change.projects.set(list(projects))
    return change


# Names ---------------------------------------------------------------------------------------------

def check_department_name(name: str, *, other_than: Department | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ChangeError("部署名を入力してください。")
    if len(name) > 100:
        raise ChangeError("部署名は100文字以内で入力してください。")
    if problem := unsafe_character_message(name, "部署名") or department_name_problem(name):
        raise ChangeError(problem)
    key = normalize_name(name)
    for existing in Department.objects.exclude(pk=other_than.pk if other_than else None):
        if normalize_name(existing.name) == key:
            if not existing.is_current:
                raise ChangeError(f"「{existing.name}」は {years_label(existing.last_year)}までの部署の名称です。別の名称にしてください。")
            raise ChangeError(f"「{existing.name}」という部署がすでにあります。別の名称にするか、その部署を選んでください。")
    return name


def check_names_free(model_former, owner_field: str, owner, year: int, what: str) -> bool:
    """Whether a rename from ``year`` records the old name (False: renamed again in the same
    year, which only corrects the new name); refuses a rename before a later one."""
    last = model_former.objects.filter(**{owner_field: owner}).aggregate(last=Max("last_year"))["last"]
    if last is not None and last >= year:
        raise ChangeError(f"{what}には {years_label(last + 1)}から適用した名称の変更があります。"
                          f"それより前の年度から変えることはできません。")
    return last != year - 1


def set_department_name(department: Department, name: str, year: int, change: Change) -> None:
    if check_names_free(DepartmentFormerName, "department", department, year, f"「{department.name}」"):
        DepartmentFormerName.objects.create(department=department, name=department.name, last_year=year - 1,
                                            change=change)
    department.name = name
    department.save()


def set_project_name(project: Project, name: str, year: int, change: Change) -> None:
    """Rename the project from ``year``; every round's search rows, published ones too, then know
    both names (they are an index, not the record: a project is found by any of its names)."""
    if check_names_free(ProjectFormerName, "project", project, year, f"事業「{project.name}」"):
        ProjectFormerName.objects.create(project=project, name=project.name, last_year=year - 1, change=change)
    project.name = name
    project.save()
    refresh_search(Entry.objects.filter(project=project))


# A project's departments -------------------------------------------------------------------------

def check_departments_free(project: Project, year: int) -> None:
    last = project.department_periods.aggregate(last=Max("last_year"))["last"]
    if last is not None and last >= year:
        raise ChangeError(f"事業「{project.name}」の担当課には {years_label(last + 1)}から適用した変更があります。"
                          f"それより前の年度から変えることはできません。")


def set_project_departments(project: Project, departments: list[Department], year: int, change: Change) -> None:
    """Give the project these departments (the lead first) from ``year``, keeping today's as the
    departments of the years before (unless they were only set from this same year)."""
    check_departments_free(project, year)
    links = list(project.project_departments.order_by("position"))
    if [link.department_id for link in links] == [d.pk for d in departments]:
        return
    last = project.department_periods.aggregate(last=Max("last_year"))["last"]
    if last != year - 1:
        ProjectDepartmentPeriod.objects.bulk_create(
            ProjectDepartmentPeriod(project=project, department_id=link.department_id, position=link.position,
                                    first_year=None if last is None else last + 1, last_year=year - 1,
                                    change=change)
            for link in links
        )
    project.project_departments.all().delete()
    for position, department in enumerate(departments, start=1):
        ProjectDepartment.objects.create(project=project, department=department, position=position)


def replaced(departments: list[Department], mapping: dict[int, Department]) -> list[Department]:
    """The departments with each mapped one replaced, in order, without repeats."""
    result: list[Department] = []
    for department in departments:
        new = mapping.get(department.pk, department)
        if new.pk not in {d.pk for d in result}:
            result.append(new)
    return result


# What a change shows in the rounds ----------------------------------------------------------------

def rounds_effect(year: int, entries=None) -> list[str]:
    """Sentences saying which rounds show the old and which the new (of ``entries``' rounds when given)."""
    rounds = Round.objects.select_related("strategy").order_by("fiscal_year", "strategy__first_year")
    if entries is not None:
        rounds = rounds.filter(pk__in=entries.values("round_id"))
    before = [r for r in rounds if r.fiscal_year < year]
    after = [r for r in rounds if r.fiscal_year >= year]
    lines = []
    published = [r for r in before + after if r.state == Round.State.PUBLISHED]
    if published:
        lines.append("公表済みの評価回（" + "、".join(r.fiscal_year_label for r in published)
                     + "）は公表したときの内容のまま変わりません。")
    unpublished_before = [r for r in before if r.state != Round.State.PUBLISHED]
    if unpublished_before:
        lines.append("公表前の " + "、".join(f"{r.fiscal_year_label}（{r.get_state_display()}）" for r in unpublished_before)
                     + " は、これまでどおり変更前の内容で表示します。")
    unpublished_after = [r for r in after if r.state != Round.State.PUBLISHED]
    if unpublished_after:
        lines.append("公表前の " + "、".join(f"{r.fiscal_year_label}（{r.get_state_display()}）" for r in unpublished_after)
                     + " は、変更後の内容で表示します。")
    return lines


def entries_from(project: Project, year: int):
    return Entry.objects.filter(project=project, round__fiscal_year__gte=year)


def check_no_entries_from(project: Project, year: int, doing: str) -> None:
    """A project that ends from ``year`` must have no entry in a round of that year or later."""
    later = entries_from(project, year).select_related("round").order_by("-round__fiscal_year").first()
    if later is not None:
        raise ChangeError(
            f"事業「{project.name}」には {later.round.fiscal_year_label}の評価回に評価があります。"
            f"{doing}のは、評価のない年度からにしてください（{later.round.fiscal_year + 1}年度から、など）。")
