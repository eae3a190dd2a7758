"""What departments and projects were called, and who ran a project, in a given fiscal year.

A change (reviews.changes) takes effect from a fiscal year and records what it replaced: a former
name up to its last year, a project's former departments for the years they ran it, and which
departments and projects took over from which. Rounds of earlier years read these so that they
show what they showed before the change; rounds of later years show what is current.

Functions taking a single object read its related managers' ``.all()``, so that a prefetch of
``former_names`` / ``department_periods`` (see PROJECT_HISTORY_PREFETCH) makes them free.
"""

from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from projects.models import (
    Department,
    DepartmentFormerName,
    DepartmentSuccession,
    Project,
    ProjectDepartment,
    ProjectDepartmentPeriod,
    ProjectFormerName,
    ProjectSuccession,
)

# What a list of entries prefetches so that facts of any year cost no query per entry.
PROJECT_HISTORY_PREFETCH = (
    "project__project_departments__department__former_names",
    "project__former_names",
    "project__department_periods__department__former_names",
)


def one_project_history_prefetch(prefix: str = "project__") -> tuple:
    """PROJECT_HISTORY_PREFETCH for one object's project (a page of one entry): the same related
    sets, each ordered by its own columns instead of the models' orderings through the project's
    strategy, goal and policy (the same order within one project, and a third of the work to
    compile), and with each link's department read by the link's own query (4 queries, not 5)."""
    return (
        Prefetch(f"{prefix}project_departments",
                 ProjectDepartment.objects.select_related("department").order_by("position")),
        Prefetch(f"{prefix}project_departments__department__former_names",
                 DepartmentFormerName.objects.order_by("last_year")),
        Prefetch(f"{prefix}former_names", ProjectFormerName.objects.order_by("last_year")),
        Prefetch(f"{prefix}department_periods",
                 ProjectDepartmentPeriod.objects.select_related("department").order_by("last_year", "position")),
        Prefetch(f"{prefix}department_periods__department__former_names",
                 DepartmentFormerName.objects.order_by("last_year")),
    )


def name_in(former_names: Iterable, current: str, year: int | None) -> str:
    """The name in force in ``year``: the former name with the earliest last year not before it,
    else the current name (``year`` None is today)."""
    if year is None:
        return current
    candidates = [f for f in former_names if f.last_year >= year]
    return min(candidates, key=lambda f: f.last_year).name if candidates else current


def department_name_in(department: Department, year: int | None) -> str:
    return name_in(department.former_names.all(), department.name, year)


def project_name_in(project: Project, year: int | None) -> str:
    return name_in(project.former_names.all(), project.name, year)


def departments_in(project: Project, year: int | None) -> list[Department]:
    """The project's departments in ``year``, the lead first: the period that covered it, else
    today's links."""
    if year is not None:
        periods = [p for p in project.department_periods.all()
                   if p.last_year >= year and (p.first_year is None or p.first_year <= year)]
        if periods:
            return [p.department for p in sorted(periods, key=lambda p: p.position)]
    return project.ordered_departments()


def department_names_in(project: Project, year: int | None) -> tuple[str, ...]:
    return tuple(department_name_in(d, year) for d in departments_in(project, year))


def names_in(year: int | None) -> dict[int, str]:
    """Every department's name in ``year``, by id (two queries)."""
    former: dict[int, list[DepartmentFormerName]] = {}
    for name in DepartmentFormerName.objects.only("department_id", "last_year", "name"):
        former.setdefault(name.department_id, []).append(name)
    return {pk: name_in(former.get(pk, ()), current, year) for pk, current in Department.objects.values_list("pk", "name")}


def history_until(project: Project) -> int | None:
    """The last year covered by the project's former departments (None: it never changed)."""
    return max((p.last_year for p in project.department_periods.all()), default=None)


# Many projects at once (the sheet's and the lists' paths) -----------------------------------------

class YearBook:
    """Names and departments of many projects in many years, from a few queries."""

    def __init__(self, project_ids: QuerySet | Iterable[int]):
        self.links: dict[int, list[int]] = {}  # today's, by project, the lead first
        for project_id, department_id in (ProjectDepartment.objects.filter(project_id__in=project_ids)
                                          .order_by("project_id", "position")
                                          .values_list("project_id", "department_id")):
            self.links.setdefault(project_id, []).append(department_id)
        self.periods: dict[int, list[tuple[int | None, int, int, int]]] = {}
        for row in (ProjectDepartmentPeriod.objects.filter(project_id__in=project_ids)
                    .values_list("project_id", "first_year", "last_year", "position", "department_id")):
            self.periods.setdefault(row[0], []).append(row[1:])
        self.project_names: dict[int, list[tuple[int, str]]] = {}
        for project_id, last_year, name in (ProjectFormerName.objects.filter(project_id__in=project_ids)
                                            .values_list("project_id", "last_year", "name")):
            self.project_names.setdefault(project_id, []).append((last_year, name))
        department_ids = {d for ids in self.links.values() for d in ids}
        department_ids |= {row[3] for rows in self.periods.values() for row in rows}
        self.current_department_names = dict(Department.objects.filter(pk__in=department_ids).values_list("pk", "name"))
        self.former_department_names: dict[int, list[tuple[int, str]]] = {}
        self._department_names: dict[tuple[int, int | None], str] = {}
        for department_id, last_year, name in (DepartmentFormerName.objects.filter(department_id__in=department_ids)
                                               .values_list("department_id", "last_year", "name")):
            self.former_department_names.setdefault(department_id, []).append((last_year, name))

    @staticmethod
    def _name(former: list[tuple[int, str]], current: str, year: int | None) -> str:
        if year is None:
            return current
        candidates = [(last, name) for last, name in former if last >= year]
        return min(candidates)[1] if candidates else current

    def department_ids(self, project_id: int, year: int | None) -> list[int]:
        if year is not None:
            rows = [(position, department_id) for first, last, position, department_id
                    in self.periods.get(project_id, []) if last >= year and (first is None or first <= year)]
            if rows:
                return [department_id for _, department_id in sorted(rows)]
        return self.links.get(project_id, [])

    def department_name(self, department_id: int, year: int | None) -> str:
        # Thousands of entries share a few hundred departments: each name is worked out once.
        key = (department_id, year)
        if key not in self._department_names:
            self._department_names[key] = self._name(self.former_department_names.get(department_id, []),
                                                     self.current_department_names[department_id], year)
        return self._department_names[key]

    def department_names(self, project_id: int, year: int | None) -> tuple[str, ...]:
        return tuple(self.department_name(d, year) for d in self.department_ids(project_id, year))

    def project_name(self, project_id: int, current: str, year: int | None) -> str:
        return self._name(self.project_names.get(project_id, []), current, year)


# Who took over from whom -------------------------------------------------------------------------

def predecessor_ids(department_ids: Iterable[int]) -> set[int]:
    """Every department whose work passed to these, directly or through earlier merges and splits."""
    found: set[int] = set()
    frontier = set(department_ids)
    while frontier:
        earlier = set(DepartmentSuccession.objects.filter(successor_id__in=frontier)
                      .values_list("predecessor_id", flat=True)) - found
        found |= earlier
        frontier = earlier
    return found


def current_successors(department_id: int) -> list[Department]:
    """The department itself while it exists, else the current departments that took over its
    work (through one merge or split or several)."""
    department = Department.objects.filter(pk=department_id).first()
    if department is None or department.is_current:
        return [department] if department else []
    result: list[Department] = []
    for link in DepartmentSuccession.objects.filter(predecessor_id=department_id).select_related("successor"):
        for found in current_successors(link.successor_id):
            if found.pk not in {d.pk for d in result}:
                result.append(found)
    return result


def held_by(department_ids: Iterable[int]) -> Q:
    """Entries of the projects these departments ran in the entry's year: today's links for years
    no change covers, else the period that covered it. For a filter on Entry (``round__fiscal_year``)."""
    ids = list(department_ids)
    year = OuterRef("round__fiscal_year")
    covered = ProjectDepartmentPeriod.objects.filter(
        Q(first_year__isnull=True) | Q(first_year__lte=year), project_id=OuterRef("project_id"), last_year__gte=year)
    today = ProjectDepartment.objects.filter(project_id=OuterRef("project_id"), department_id__in=ids)
    return Q(Exists(covered.filter(department_id__in=ids))) | (Q(Exists(today)) & ~Q(Exists(covered)))


def by_department_in(items: QuerySet, year: int, **measures) -> list[dict]:
    """Rows of ``items`` (anything with a ``project``: entries) grouped by the departments that ran
    the project in ``year`` (the covering period, else today's links), with ``measures`` (aggregates)
    computed in the database: ``[{"department": id, **measures}, ...]``; a department may come
    twice (once from each source). Without measures, the distinct departments."""
    period = "project__department_periods__"
    by_period = items.filter(Q(**{f"{period}first_year__isnull": True}) | Q(**{f"{period}first_year__lte": year}),
                             **{f"{period}last_year__gte": year}).values(department=F(f"{period}department_id"))
    covered = ProjectDepartmentPeriod.objects.filter(Q(first_year__isnull=True) | Q(first_year__lte=year),
                                                     project_id=OuterRef("project_id"), last_year__gte=year)
    by_link = items.filter(~Exists(covered)).values(department=F("project__project_departments__department_id"))
    rows = []
    for grouped in (by_period, by_link):
        grouped = grouped.order_by().annotate(**measures) if measures else grouped.order_by().distinct()
        rows += [row for row in grouped if row["department"] is not None]  # None: a project without departments
    return rows


def runs_today(department_ids: Iterable[int]) -> Q:
    """Entries (of any year) of the projects these departments run today."""
    return Q(Exists(ProjectDepartment.objects.filter(project_id=OuterRef("project_id"),
                                                     department_id__in=list(department_ids))))


def project_lineage(project: Project) -> list[Project]:
    """Every project connected to this one by merges and carries, oldest first: its story."""
    seen = {project.pk}
    frontier = {project.pk}
    while frontier:
        links = ProjectSuccession.objects.filter(Q(predecessor_id__in=frontier) | Q(successor_id__in=frontier))
        found = {pk for pair in links.values_list("predecessor_id", "successor_id") for pk in pair} - seen
        seen |= found
        frontier = found
    return list(Project.objects.filter(pk__in=seen).order_by("pk"))
