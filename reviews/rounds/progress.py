"""How far a round has come: each department's entries by state and lateness (the letters are
reviews.results.summary's).

Counted by grouped queries in the database: a big city's round has thousands of entries, and
building each of them as an object took seconds. An entry counts for each department that ran its
project in the round's year, named as the round shows it: a published entry by the departments it
captured, the others by the dated history (projects.history)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape  # Django's escape is this one behind a lazy-string wrapper

from django.db.models import Count, F, Max, Q, Sum
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe

from projects.history import held_by, names_in, runs_today
from projects.models import Department, ProjectDepartmentPeriod
from reviews.kept import KEPT_SECONDS, Keeper
from reviews.models import DeadlineExtension, Entry, Round
from reviews.public import cache as public

NOTHING = Q(pk__isnull=True)  # a condition no entry meets (an empty IN would make the query empty)
# Read once: Entry.State.values builds its list anew on each call, and a big city has a row per department.
STATES = tuple(Entry.State.values)
UNFINISHED = tuple(Entry.UNFINISHED_STATES)


@dataclass
class DepartmentProgress:
    id: int | None  # None: a department of a published round that no longer exists under that name
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    deadline: date | None = None
    late: bool = False
    last_worked: datetime | None = None

    @property
    def unfinished(self) -> int:
        return sum(self.counts[state] for state in UNFINISHED)


# A round's progress is kept by each server until one of its entries is saved, added or removed, the
# round or its extensions change, the day changes, or the hierarchy does (the public pages' token and
# generation, reviews.public.cache, which move with every change to departments and projects). It
# changes with every save, so it spares the wait only between saves: a reviewer coming back to the
# page, or several reviewers looking at once. Anything a path without signals could miss is counted
# again after KEPT_SECONDS.
_kept = Keeper(8, seconds=KEPT_SECONDS)


def forget_kept() -> None:
    """Drop every kept progress, as a save does to its round's (the benchmark's "after a change")."""
    _kept.clear()


def kept_department_progress(round_: Round, today: date) -> list[DepartmentProgress]:
    """department_progress, kept while nothing it counts has changed (the rows are shared: read only)."""
    generation = public.current_generation()  # before the token and the entries: a change after it moves both
    extensions = tuple(round_.extensions.order_by("pk").values_list("pk", "department_id", "deadline"))
    # From the index entry_round_counted alone: any save moves updated_at, and the workflow's the version.
    entries = Entry.objects.filter(round=round_).order_by().aggregate(
        n=Count("pk"), changed=Max("updated_at"), versions=Sum("version"))
    key = (round_.pk, round_.updated_at, round_.state, round_.fiscal_year, round_.deadline, today, extensions,
           public.current_token(), generation, *entries.values())
    return _kept.get(key, lambda: department_progress(round_, today))


def department_progress(round_: Round, today: date) -> list[DepartmentProgress]:
    """One row per department of the round's projects (an entry of a shared project counts for
    each of its departments), in name order. A row's deadline is the latest that applies to one of
    its entries (extensions counted); it is late when one of its unfinished entries is past its
    deadline while the round is open."""
    year = round_.fiscal_year
    extensions = list(round_.extensions.order_by("pk"))
    measures = _measures(round_, extensions, today)
    entries = Entry.objects.filter(round=round_).order_by()
    names = names_in(year)
    ids_by_name: dict[str, int | None] = {}
    for pk, name in names.items():
        ids_by_name[name] = None if name in ids_by_name else pk  # a name two departments share names neither

    grouped: list[tuple[int | None, str, tuple]] = []
    live = entries
    # Only a published round's entries captured their facts (reviews.rounds.record, or a past round
    # loaded from a sheet): a round not published has none, and its 5,000 entries' JSON is not read.
    if round_.state == Round.State.PUBLISHED:
        live = entries.filter(published_facts={})
        # Published entries: by the departments they captured (a list of names, grouped as one value).
        for key, *values in entries.exclude(published_facts={}).values_list(
                "published_facts__departments").annotate(**measures):
            for name in key or ():
                grouped.append((ids_by_name.get(name), name, values))
    # The others: by the departments of the round's year (projects.history).
    for department, *values in _by_department_in(live, year, measures):
        grouped.append((department, names[department], values))

    at = {key: i for i, key in enumerate(measures)}  # where each measure is in a row's values
    states = [(state, at[state]) for state in STATES]
    total, last_worked, late = at["total"], at["last_worked"], at["late"]
    reach = [(extension.deadline, at[f"extension_{i}"]) for i, extension in enumerate(extensions)]
    rows: dict[str, DepartmentProgress] = {}
    for department_id, name, row in grouped:
        progress = rows.get(name)
        if progress is None:
            progress = rows[name] = DepartmentProgress(department_id, name)
        progress.total += row[total]
        counts = progress.counts
        for state, i in states:
            counts[state] += row[i]
        deadlines = [round_.deadline] if round_.deadline else []
        deadlines += [deadline for deadline, i in reach if row[i]]
        if deadlines and (progress.deadline is None or max(deadlines) > progress.deadline):
            progress.deadline = max(deadlines)
        progress.late = progress.late or bool(row[late])
        worked = row[last_worked]
        if worked and (progress.last_worked is None or worked > progress.last_worked):
            progress.last_worked = worked
    return sorted(rows.values(), key=lambda row: row.name)


def _by_department_in(entries, year: int, measures: dict) -> list[tuple]:
    """projects.history.by_department_in's rows as tuples ``(department, *measures)``: entries by
    the departments that ran their project in ``year`` (the covering period, else today's links).
    Asked so that the work follows the entries that need it: the periods' entries are found from
    the periods (a city's changes are few), and the links' entries leave out a list of the covered
    projects worked out once, not a subquery asked for every entry."""
    covering = ProjectDepartmentPeriod.objects.filter(
        Q(first_year__isnull=True) | Q(first_year__lte=year), last_year__gte=year)
    covered = covering.values("project_id")
    period = "project__department_periods__"
    by_period = entries.filter(
        Q(**{f"{period}first_year__isnull": True}) | Q(**{f"{period}first_year__lte": year}),
        **{f"{period}last_year__gte": year}, project_id__in=covered,
    ).values_list(F(f"{period}department_id"))
    by_link = entries.exclude(project_id__in=covered).filter(
        project__project_departments__isnull=False).values_list(F("project__project_departments__department_id"))
    rows: list[tuple] = []
    for grouped in (by_period, by_link):
        rows += grouped.order_by().annotate(**measures)
    return rows


def _measures(round_: Round, extensions: list[DeadlineExtension], today: date) -> dict:
    """What each group counts: entries by state, which extensions reach them, the late ones."""
    measures: dict = {"total": Count("pk")}
    for state in STATES:
        measures[state] = Count("pk", filter=Q(state=state))
    measures["last_worked"] = Max("updated_at", filter=Q(updated_by__isnull=False))
    # An extension reaches an entry when it is for one of the departments that work on the project
    # (today's, or of the round's year) or for their parent (reviews.rounds.life.entry_deadline).
    children: dict[int, set[int]] = {}
    for parent_id, pk in Department.objects.filter(
            parent_id__in=[e.department_id for e in extensions]).values_list("parent_id", "pk"):
        children.setdefault(parent_id, set()).add(pk)

    def reached_by(chosen: list[DeadlineExtension]) -> Q:
        ids = {e.department_id for e in chosen} | {c for e in chosen for c in children.get(e.department_id, ())}
        return runs_today(ids) | held_by(ids) if ids else NOTHING

    for i, extension in enumerate(extensions):
        measures[f"extension_{i}"] = Count("pk", filter=reached_by([extension]))
    # Late: unfinished, and every deadline that applies has passed (round_.deadline, or for a
    # round without one, an extension that reaches the entry).
    late_possible = round_.state == Round.State.OPEN and (round_.deadline is None or today > round_.deadline)
    if late_possible:
        has_deadline = Q() if round_.deadline else reached_by(extensions)
        still_open = reached_by([e for e in extensions if e.deadline >= today])
        late = Q(state__in=Entry.UNFINISHED_STATES) & has_deadline & ~still_open
        measures["late"] = Count("pk", filter=late)
    else:
        measures["late"] = Count("pk", filter=NOTHING)
    return measures


def table_rows(departments: list[DepartmentProgress], round_url: str) -> SafeString:
    """The progress table's rows, written here rather than in the template: a big city's page
    shows 50 departments of 8 cells, and the template language's variables cost more than the
    counting. Every name is escaped and every number formatted as a number."""
    out = []
    for d in departments:
        name = escape(d.name)
        heading = f'<a href="{escape(round_url)}?department={d.id:d}">{name}</a>' if d.id else name
        counts = d.counts
        deadline = dateformat.format(d.deadline, "Y年n月j日") if d.deadline else "—"
        late = f'<strong class="late">遅れ（未提出 {d.unfinished:d}件）</strong>' if d.late else "—"
        worked = (dateformat.format(timezone.localtime(d.last_worked), "Y年n月j日 H:i") if d.last_worked
                  else "まだ作業なし")
        out.append(
            f'    <tr>\n      <th scope="row">{heading}</th>\n'
            f"      <td>{counts['draft']:d}</td><td>{counts['submitted']:d}</td><td>{counts['returned']:d}</td>"
            f"<td>{counts['approved']:d} / {d.total:d}</td>\n"
            f"      <td>{deadline}</td>\n      <td>{late}</td>\n      <td>{worked}</td>\n    </tr>\n")
    return mark_safe("".join(out))  # every value above is escaped or a formatted number
