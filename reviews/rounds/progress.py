"""How far a round has come: each department's entries by state and lateness (the letters are
reviews.results.summary's)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from projects.history import PROJECT_HISTORY_PREFETCH, departments_in
from reviews.models import Entry, Round
from reviews.rounds.life import entry_deadline


@dataclass
class DepartmentProgress:
    id: int | None  # None: a department of a published round that no longer exists under that name
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Entry.State.values, 0))
    deadline: date | None = None
    late: bool = False
    last_worked: datetime | None = None

    @property
    def unfinished(self) -> int:
        return sum(self.counts[state] for state in Entry.UNFINISHED_STATES)


def department_progress(round_: Round, today: date) -> list[DepartmentProgress]:
    """One row per department of the round's projects (an entry of a shared project counts for
    each of its departments), in name order. A department is late when one of its unfinished
    entries is past its deadline (extensions counted) while the round is open."""
    entries = (
        Entry.objects.filter(round=round_)
        .select_related("round", "project__policy__goal")
        .prefetch_related(*PROJECT_HISTORY_PREFETCH, "round__extensions")
    )
    rows: dict[str, DepartmentProgress] = {}
    for entry in entries:
        deadline = entry_deadline(entry)
        # By the departments of the round's year, named as the round shows them (a published round
        # as it published them; the others as the dated history names them).
        names = entry.facts.departments
        ids = [d.pk for d in departments_in(entry.project, round_.fiscal_year)]
        departments = list(zip(ids, names, strict=True)) if len(ids) == len(names) else [(None, n) for n in names]
        for department_id, name in departments:
            row = rows.setdefault(name, DepartmentProgress(department_id, name, deadline=deadline))
            row.total += 1
            row.counts[entry.state] += 1
            if deadline and (row.deadline is None or deadline > row.deadline):
                row.deadline = deadline
            if entry.is_unfinished and deadline and today > deadline and round_.state == Round.State.OPEN:
                row.late = True
            if entry.updated_by_id and (row.last_worked is None or entry.updated_at > row.last_worked):
                row.last_worked = entry.updated_at
    return sorted(rows.values(), key=lambda row: row.name)
