"""The strategy's memory as people read it: a department's names and who took over from whom, a
project's names, departments and lineage, and the changes behind them (who, when, why)."""

from dataclasses import dataclass, field

from django.db.models import Q

from projects.fiscal_year import format_fiscal_year_with_western
from projects.history import project_lineage
from projects.models import Change, Department, DepartmentSuccession, Project, ProjectSuccession


@dataclass
class Period:
    label: str  # "2018年度まで" / "2019年度から" / "今"
    text: str


@dataclass
class DepartmentHistory:
    names: list[Period]
    predecessors: list[DepartmentSuccession]
    successors: list[DepartmentSuccession]
    changes: list[Change]


def _year(year: int) -> str:
    return format_fiscal_year_with_western(year)


def _span(start: int | None, last: int) -> str:
    return f"{_year(start)}〜{_year(last)}" if start else f"{_year(last)}まで"


def _periods(former, current: str) -> list[Period]:
    """Former names (each up to its last year) followed by the current one."""
    rows = sorted(former, key=lambda f: f.last_year)
    periods, start = [], None
    for row in rows:
        periods.append(Period(_span(start, row.last_year), row.name))
        start = row.last_year + 1
    periods.append(Period(f"{_year(start)}から" if start else "当初から", current))
    return periods


def department_history(department: Department) -> DepartmentHistory:
    return DepartmentHistory(
        names=_periods(department.former_names.all(), department.name),
        predecessors=list(DepartmentSuccession.objects.filter(successor=department).select_related("predecessor")),
        successors=list(DepartmentSuccession.objects.filter(predecessor=department).select_related("successor")),
        changes=list(department.changes.select_related("made_by")),
    )


@dataclass
class LineageItem:
    project: Project
    strategy_name: str
    names: list[Period]
    departments: list[Period]
    relations: list[str] = field(default_factory=list)  # "2019年度から「…」に統合"


@dataclass
class ProjectHistory:
    lineage: list[LineageItem]
    changes: list[Change]

    @property
    def has_history(self) -> bool:
        return len(self.lineage) > 1 or bool(self.changes) or any(len(i.names) > 1 or len(i.departments) > 1
                                                                   for i in self.lineage)


def project_history(project: Project) -> ProjectHistory:
    """The project and every project it continues or that merged into it, with their names,
    departments over time and how they are linked; and every change recorded on any of them."""
    lineage = project_lineage(project)
    projects = (Project.objects.filter(pk__in=[p.pk for p in lineage])
                .select_related("policy__goal__strategy")
                .prefetch_related("former_names", "project_departments__department", "department_periods__department")
                .order_by("policy__goal__strategy__first_year", "pk"))
    links = list(ProjectSuccession.objects.filter(Q(predecessor__in=lineage) | Q(successor__in=lineage))
                 .select_related("predecessor", "successor"))
    items = []
    for item in projects:
        departments = []
        by_last: dict[int, list] = {}
        for period in item.department_periods.all():
            by_last.setdefault(period.last_year, []).append(period)
        start = None
        for last in sorted(by_last):
            names = "、".join(p.department.name for p in sorted(by_last[last], key=lambda p: p.position))
            departments.append(Period(_span(start, last), names))
            start = last + 1
        departments.append(Period(f"{_year(start)}から" if start else "当初から",
                                  "、".join(d.name for d in item.ordered_departments())))
        relations = []
        for link in links:
            if link.predecessor_id == item.pk:
                relations.append(f"{_year(link.effective_year)}から「{link.successor.name}」に{link.get_kind_display()}")
            if link.successor_id == item.pk:
                relations.append(f"{_year(link.effective_year)}に「{link.predecessor.name}」を{link.get_kind_display()}で引き継ぎ")
        if not item.active and not any(link.predecessor_id == item.pk for link in links):
            relations.append("終了した事業です")
        items.append(LineageItem(item, item.policy.goal.strategy.name, _periods(item.former_names.all(), item.name),
                                 departments, relations))
    changes = list(Change.objects.filter(projects__in=lineage).distinct().select_related("made_by"))
    return ProjectHistory(items, changes)
